/**
 * EM estimation: on synthetic records with known duplicates, the fitted m probabilities and
 * match rate must come out close to the truth, and the fit must converge.
 */
import { describe, expect, it } from 'vitest';
import { candidatePairs, compareFields, FIELDS, prepareRecord, type PersonRecord } from '../index.ts';
import { compareCandidates, estimateFromCompared, estimateModel } from '../index.ts';
import { linkRecords } from '../../linkage/link.ts';

/** Seeded PRNG (LCG) so the data set is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Invented people and noisy copies of them: names from syllables, one-letter slips, moved homes. */
function syntheticRecords(seed: number, people: number): { records: PersonRecord[]; entity: Map<string, number> } {
  const random = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  const syllables = ['ka', 'lo', 'mi', 'ren', 'sa', 'tor', 'vi', 'del', 'an', 'bri', 'co', 'fen', 'gar', 'hol', 'jun', 'mar', 'nel', 'pra', 'ros', 'ul'];
  const name = (): string => Array.from({ length: 2 + Math.floor(random() * 2) }, () => pick(syllables)).join('');
  const slip = (s: string): string => {
    const i = 1 + Math.floor(random() * (s.length - 1));
    return `${s.slice(0, i)}${pick(['a', 'e', 'o', 'r', 'n'])}${s.slice(i + 1)}`;
  };
  const postcodes = Array.from({ length: 150 }, (_, i) => `LS${1 + (i % 20)} ${i % 10}${pick(['AB', 'DE', 'FG', 'HJ'])}`);
  const records: PersonRecord[] = [];
  const entity = new Map<string, number>();
  for (let p = 0; p < people; p++) {
    const base = {
      given: name(), family: name(), sex: random() < 0.5 ? ('female' as const) : ('male' as const), postcode: pick(postcodes),
      birth: new Date(Date.UTC(1940 + Math.floor(random() * 80), Math.floor(random() * 12), 1 + Math.floor(random() * 28))),
    };
    const copies = 1 + Math.floor(random() * 3);
    for (let c = 0; c < copies; c++) {
      const noisy = c > 0;
      const birth = new Date(base.birth);
      if (noisy && random() < 0.1) birth.setUTCDate(birth.getUTCDate() + 1);
      const id = `r${records.length}`;
      entity.set(id, p);
      records.push({
        id,
        given: [noisy && random() < 0.15 ? slip(base.given) : base.given],
        family: noisy && random() < 0.1 ? slip(base.family) : base.family,
        birthDate: birth.toISOString().slice(0, 10),
        sex: base.sex,
        postcode: noisy && random() < 0.2 ? pick(postcodes) : base.postcode,
      });
    }
  }
  return { records, entity };
}

describe('estimateModel', () => {
  const { records, entity } = syntheticRecords(42, 600);
  const prepared = records.map(prepareRecord);
  const fit = estimateFromCompared(prepared, compareCandidates(prepared, candidatePairs(prepared)));

  it('converges', () => {
    expect(fit.converged).toBe(true);
    expect(fit.iterations).toBeLessThan(200);
  });

  it('recovers the share of true pairs agreeing exactly on each field (m) and the match rate', () => {
    const truth = FIELDS.map(() => ({ exact: 0, counted: 0 }));
    let truePairs = 0;
    const vector = new Int8Array(FIELDS.length);
    for (let i = 0; i < records.length; i++) {
      for (let j = i + 1; j < records.length; j++) {
        if (entity.get(records[i]?.id ?? '') !== entity.get(records[j]?.id ?? '')) continue;
        truePairs++;
        compareFields(prepared[i]!, prepared[j]!, vector);
        vector.forEach((level, f) => {
          if (level < 0) return;
          truth[f]!.counted++;
          if (level === 0) truth[f]!.exact++;
        });
      }
    }
    for (const field of ['given', 'family', 'birthDate'] as const) {
      const f = FIELDS.indexOf(field);
      const share = truth[f]!.exact / truth[f]!.counted;
      expect(Math.abs(fit.model.fields[field].m[0]! - share)).toBeLessThan(0.05);
    }
    const total = (records.length * (records.length - 1)) / 2;
    const ratio = fit.model.priorMatch / (truePairs / total);
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.25);
  });

  it('makes agreement rare by chance and common among matches', () => {
    for (const field of ['given', 'family', 'birthDate'] as const) {
      const { m, u } = fit.model.fields[field];
      expect(m[0]!).toBeGreaterThan(0.7);
      expect(u[0]!).toBeLessThan(0.01);
    }
  });

  it('links the synthetic people almost perfectly with the model it fitted', () => {
    const result = linkRecords(records);
    let correct = 0;
    let predicted = 0;
    let actual = 0;
    for (let i = 0; i < records.length; i++) {
      for (let j = i + 1; j < records.length; j++) {
        const same = entity.get(records[i]!.id) === entity.get(records[j]!.id);
        const linked = result.clusterOf.get(records[i]!.id) === result.clusterOf.get(records[j]!.id);
        if (same) actual++;
        if (linked) predicted++;
        if (same && linked) correct++;
      }
    }
    expect(correct / predicted).toBeGreaterThan(0.99);
    expect(correct / actual).toBeGreaterThan(0.97);
  });

  it('is deterministic and sensible on tiny inputs', () => {
    const tiny: PersonRecord[] = [
      { id: '1', given: ['Robert'], family: 'Smith', birthDate: '1980-01-02' },
      { id: '2', given: ['Bob'], family: 'Smith', birthDate: '1980-01-02' },
      { id: '3', given: ['Jane'], family: 'Doe', birthDate: '1990-05-06' },
    ];
    expect(estimateModel(tiny)).toEqual(estimateModel(tiny));
    expect(linkRecords(tiny).clusters).toEqual([['1', '2'], ['3']]);
    expect(linkRecords([]).clusters).toEqual([]);
    expect(linkRecords([tiny[0]!]).clusters).toEqual([['1']]);
  });
});
