/**
 * The linkage benchmark's generated populations must be as unkind as agency records, and their
 * truth complete, or its figures mean nothing: several records per person, several fields wrong
 * or missing, twins, and nothing of the truth readable from the rows themselves.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { messyPopulation } from '../../bench/support/messy-population.ts';

describe('the messy generated population', () => {
  const set = messyPopulation({ records: 3_000 });
  const rows: Record<string, string>[] = parse(set.csv, { columns: true });

  it('has exactly the records asked for, each with its person, and is the same for the same seed', () => {
    expect(rows).toHaveLength(3_000);
    expect(set.truth.size).toBe(3_000);
    for (const row of rows) expect(set.truth.has(row.id ?? '')).toBe(true);
    expect(messyPopulation({ records: 3_000 }).csv).toBe(set.csv);
    expect(messyPopulation({ records: 3_000, seed: 7 }).csv).not.toBe(set.csv);
  });

  it('gives people several records, up to ten, in shuffled rows with opaque ids', () => {
    const sizes = new Map<string, number>();
    for (const person of set.truth.values()) sizes.set(person, (sizes.get(person) ?? 0) + 1);
    const counts = [...sizes.values()];
    expect(Math.max(...counts)).toBeLessThanOrEqual(10);
    expect(counts.filter((c) => c >= 4).length / counts.length).toBeGreaterThan(0.25);
    expect(counts.reduce((s, c) => s + c, 0) / counts.length).toBeGreaterThan(3);
    // Ids say nothing of the person, and one person's records are not side by side.
    expect(rows.every((r) => /^R\d{6}$/.test(r.id ?? ''))).toBe(true);
    const adjacentSame = rows.slice(1).filter((r, i) => set.truth.get(r.id ?? '') === set.truth.get(rows[i]?.id ?? '')).length;
    expect(adjacentSame / rows.length).toBeLessThan(0.02);
  });

  it('leaves fields missing and wrong, but always a name, and keeps e-mail addresses one per person', () => {
    const share = (test: (r: Record<string, string>) => boolean): number => rows.filter(test).length / rows.length;
    expect(share((r) => r.given === '')).toBeGreaterThan(0.05);
    expect(share((r) => r.family === '')).toBeGreaterThan(0.05);
    expect(share((r) => r.birth_date === '')).toBeGreaterThan(0.03);
    expect(share((r) => r.email === '')).toBeGreaterThan(0.2);
    expect(share((r) => r.given === '' && r.family === '')).toBe(0);
    // Within one person, birth dates and names disagree between records (several errors at once).
    const byPerson = new Map<string, Record<string, string>[]>();
    for (const r of rows) byPerson.set(set.truth.get(r.id ?? '') ?? '', [...(byPerson.get(set.truth.get(r.id ?? '') ?? '') ?? []), r]);
    const varied = (field: string): number => [...byPerson.values()].filter((rs) => new Set(rs.map((r) => r[field]).filter((v) => v !== '')).size > 1).length;
    expect(varied('birth_date')).toBeGreaterThan(byPerson.size * 0.1);
    expect(varied('family')).toBeGreaterThan(byPerson.size * 0.1);
    // An address belongs to one person: never shared by two.
    const owner = new Map<string, string>();
    for (const r of rows) {
      if (r.email === '' || r.email === undefined) continue;
      const person = set.truth.get(r.id ?? '') ?? '';
      expect(owner.get(r.email) ?? person).toBe(person);
      owner.set(r.email, person);
    }
  });

  it('has twins: two people of one household with one birth date and surname and different first names', () => {
    const big = messyPopulation({ records: 20_000 });
    const people = new Map<string, Record<string, string>[]>();
    for (const r of parse<Record<string, string>>(big.csv, { columns: true })) people.set(big.truth.get(r.id ?? '') ?? '', [...(people.get(big.truth.get(r.id ?? '') ?? '') ?? []), r]);
    const modal = (rs: Record<string, string>[], f: string): string => {
      const counts = new Map<string, number>();
      for (const r of rs) if ((r[f] ?? '') !== '') counts.set(r[f] ?? '', (counts.get(r[f] ?? '') ?? 0) + 1);
      return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '';
    };
    const byBirthAndHome = new Map<string, Set<string>>();
    for (const rs of people.values()) {
      const key = `${modal(rs, 'birth_date')}|${modal(rs, 'family')}|${modal(rs, 'postcode')}`;
      if (key.startsWith('|') || key.endsWith('|')) continue;
      byBirthAndHome.set(key, new Set([...(byBirthAndHome.get(key) ?? []), modal(rs, 'given')]));
    }
    expect([...byBirthAndHome.values()].filter((names) => names.size >= 2).length).toBeGreaterThan(10);
  });
});
