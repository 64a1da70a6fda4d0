/**
 * The hub person index — identity's policy over the store's rows — against the synthetic population's ground
 * truth: the featured child's noisy records from five agencies become one hub person and his
 * sibling another; a later referral finds the same person; a possible match waits for a
 * practitioner, a confirmation merges, a rejection is kept and respected — also after retention
 * forgot the record; and neither PGlite's rows nor a real PostgreSQL's pg_dump show a name. The
 * index's workflow runs on both stores.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMatcher, createPersonIndex, defaultModel, type PersonIndex, type Resolution } from '../../src/identity/index.ts';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { Db, Sql } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { openTestStore, STORE_KINDS } from '../support/stores.ts';
import { FEATURED_FAMILY, generatePopulation, type Agency, type AgencyPersonBase, type Population } from '../../simulators/population/index.ts';

const population = generatePopulation({ seed: 20261121, households: 40 });
const AGENCY_ORDER: readonly Agency[] = ['health', 'education', 'housing', 'social-care', 'police'];

/** One agency record of the population as the index sees it: our own small converter. */
function indexedRecord(pop: Population, agency: Agency, recordId: string): IndexedRecord {
  const v = pop.views;
  let person: AgencyPersonBase | undefined;
  let ids: Partial<IndexedRecord> = {};
  switch (agency) {
    case 'health': {
      const p = v.health.patients.find((r) => r.recordId === recordId);
      person = p;
      if (p?.nhsNumber !== undefined) ids = { nhsNumber: p.nhsNumber };
      break;
    }
    case 'police': {
      const p = v.police.nominals.find((r) => r.recordId === recordId);
      person = p;
      if (p?.pncId !== undefined) ids = { pncId: p.pncId };
      break;
    }
    case 'education': {
      const p = v.education.persons.find((r) => r.recordId === recordId);
      person = p;
      if (p?.kind === 'pupil' && p.upn !== undefined) ids = { upn: p.upn };
      break;
    }
    case 'housing':
      person = v.housing.persons.find((r) => r.recordId === recordId);
      break;
    case 'social-care': {
      const p = v['social-care'].persons.find((r) => r.recordId === recordId);
      person = p;
      ids = { ...(p?.nhsNumber === undefined ? {} : { nhsNumber: p.nhsNumber }), ...(p?.upn === undefined ? {} : { upn: p.upn }) };
      break;
    }
    default:
      return agency satisfies never;
  }
  if (person === undefined) throw new Error(`no ${agency} record ${recordId}`);
  const a = person.address;
  return {
    id: recordId,
    given: [...person.name.given],
    family: person.name.family,
    sex: person.sex,
    ...(person.birthDate === undefined ? {} : { birthDate: person.birthDate }),
    ...(a === undefined ? {} : { addressLines: [...a.lines], postcode: a.postcode, town: a.town, ...(a.uprn === undefined ? {} : { uprn: a.uprn }) }),
    ...ids,
  };
}

/**
 * The records of one true person, in AGENCY_ORDER, with their record keys. The tests share one
 * database, so each names its own connectors (`tag`) and its records are its own.
 */
function recordsOf(personId: string, tag: string): { recordKey: string; record: IndexedRecord }[] {
  return population.groundTruth
    .filter((g) => g.personId === personId)
    .sort((a, b) => AGENCY_ORDER.indexOf(a.agency) - AGENCY_ORDER.indexOf(b.agency))
    .map((g) => ({ recordKey: `${g.agency}:${g.agency}-${tag}:${g.recordId}`, record: indexedRecord(population, g.agency, g.recordId) }));
}

const recordOf = (personId: string, agency: Agency, tag: string): { recordKey: string; record: IndexedRecord } => {
  const found = recordsOf(personId, tag).find((r) => r.recordKey.startsWith(`${agency}:`));
  if (found === undefined) throw new Error(`no ${agency} record of ${personId}`);
  return found;
};

const F = FEATURED_FAMILY;
const at = new Date('2026-11-21T10:00:00Z');
/** Another Robert Smith of Dewsbury, ten days younger: a possible match for the featured child, and not him. */
const namesake: IndexedRecord = { id: 'x', given: ['Robert'], family: 'Smith', birthDate: '2017-03-14', sex: 'male', addressLines: ['3 Mill Lane'], postcode: 'WF13 4AB', town: 'Dewsbury' };

/** The index as the composition root builds it: identity's policy over the store's rows, with the model's matcher. */
function newIndex(): PersonIndex {
  return createPersonIndex({ store: createPersonIndexStore(deriveIndexKey(randomBytes(32))), matcher: createMatcher(defaultModel()) });
}

async function newReferral(sql: Sql): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, submitted_by, sealed_body)
     VALUES ($1, 'received', 'red', 'child-protection', now(), now(), 'test', '\\x00'::bytea)`,
    [id],
  );
  return id;
}

/** Resolves records in one transaction; returns the hub person per record key. */
async function resolveAll(db: Db, index: PersonIndex, referralId: string, records: readonly { recordKey: string; record: IndexedRecord }[]): Promise<Map<string, string>> {
  return db.transaction(async (tx) => {
    const persons = new Map<string, string>();
    for (const r of records) persons.set(r.recordKey, (await index.resolve(tx, { ...r, referralId }, at)).hubPersonId);
    return persons;
  });
}

/** Every row of the person index tables as text, and every bytea column's raw bytes. */
async function dumpIndex(sql: Sql): Promise<{ text: string; bytes: Buffer }> {
  const tables = ['hub_persons', 'person_index_records', 'person_index_sightings', 'person_index_keys', 'person_links', 'possible_matches', 'person_pair_decisions', 'hub_person_merges'];
  let text = '';
  for (const table of tables) for (const row of await sql.query<{ t: string }>(`SELECT x::text AS t FROM ${table} AS x`)) text += `${row.t}\n`;
  const sealed = await sql.query<{ b: Uint8Array }>(
    `SELECT sealed_record AS b FROM person_index_records UNION ALL SELECT sealed_reason FROM possible_matches WHERE sealed_reason IS NOT NULL`,
  );
  return { text, bytes: Buffer.concat(sealed.map((r) => Buffer.from(r.b))) };
}

/** Names, dates, addresses and identifiers of the featured family, none of which may show. */
const PERSONAL = ['Robert', 'Bobby', 'Smith', 'Smyth', 'Chloe', 'Claire', 'Alder Grove', 'WF13 2QP', 'Dewsbury', '2017-03-04', '2014-06-12', F.nhsNumber, F.upn, 'cousin'];

function expectNoPersonalData(dump: { text: string; bytes: Buffer }): void {
  const hexOf = (s: string): string => Buffer.from(s, 'utf8').toString('hex');
  for (const value of PERSONAL) {
    expect(dump.text.toLowerCase()).not.toContain(value.toLowerCase());
    expect(dump.text.toLowerCase()).not.toContain(hexOf(value)); // bytea shown as hex
    expect(dump.bytes.includes(Buffer.from(value, 'utf8'))).toBe(false);
  }
}

describe.each(STORE_KINDS)('person index on $name', (kind) => {
  let db: Db;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await openTestStore(kind));
  }, 120_000);
  afterAll(async () => {
    await close();
  });

  it('makes one hub person of the child from five agencies, keeps the sibling and parents apart, and asks about the rest', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    const family: string[] = [F.childId, F.siblingId, F.motherId, F.fatherId];
    const records = new Map(family.map((p) => [p, recordsOf(p, 'family')]));
    const resolved = await db.transaction(async (tx) => {
      const out = new Map<string, Resolution>();
      for (const r of family.flatMap((p) => records.get(p) ?? [])) out.set(r.recordKey, await index.resolve(tx, { ...r, referralId: referral }, at));
      return out;
    });
    const of = (personId: string): Resolution[] => (records.get(personId) ?? []).map((r) => resolved.get(r.recordKey)).filter((r) => r !== undefined);
    expect(of(F.childId)).toHaveLength(5);
    // The child (a nickname, a typo, a hyphenated surname, an initial, a swapped birth date, an
    // old address) and the sibling at the same address: one hub person each, no questions.
    expect(of(F.childId).map((r) => r.outcome)).toEqual(['new', 'match', 'match', 'match', 'match']);
    expect(new Set(of(F.childId).map((r) => r.hubPersonId)).size).toBe(1);
    expect(new Set(of(F.siblingId).map((r) => r.hubPersonId)).size).toBe(1);
    // Each true person has one main hub person; a record without a birth date (the school's
    // contacts, housing's step-father) is at most a possible match naming it (no evidence of
    // the person's own: a father and son could share a name and an address).
    const main = new Map(family.map((p) => [p, of(p)[0]?.hubPersonId]));
    expect(new Set(main.values()).size).toBe(4);
    for (const p of family) {
      for (const r of of(p)) {
        if (r.outcome === 'possible') expect((await index.pendingMatches(db, referral)).find((m) => m.id === r.possibleMatchId)?.candidatePersonId).toBe(main.get(p));
        else expect(r.hubPersonId).toBe(main.get(p));
      }
    }
    const pending = await index.pendingMatches(db, referral);
    expect(pending.length).toBeGreaterThan(0);
    const childLinks = (await index.personsOfReferral(db, referral)).find((p) => p.hubPersonId === main.get(F.childId));
    for (const link of childLinks?.records.slice(1) ?? []) {
      expect(link.score).toBeGreaterThan(8);
      expect(link.matchedRecordKey).not.toBeNull();
      expect(link.evidence.find((e) => e.field === 'birthDate')?.level).toMatch(/exact|day-month-swap/);
    }

    // Confirming every question leaves exactly the four true persons.
    for (const m of pending) await db.transaction((tx) => index.decidePossibleMatch(tx, m.id, { decision: 'confirm', by: 'practitioner', reason: 'Same person' }, at));
    const picture = await index.personsOfReferral(db, referral);
    expect(picture.map((p) => p.records.length).sort()).toEqual(family.map((p) => records.get(p)?.length ?? 0).sort());
    for (const p of picture) expect(new Set(p.records.map((r) => population.groundTruth.find((g) => r.recordKey.endsWith(`:${g.recordId}`))?.personId)).size).toBe(1);
    expectNoPersonalData(await dumpIndex(db));
  });

  it('recognises the child in a later referral, and answers an indexed record key with its person', async () => {
    const index = newIndex();
    const first = await newReferral(db);
    const health = recordOf(F.childId, 'health', 'later');
    const social = recordOf(F.childId, 'social-care', 'later');
    const before = await resolveAll(db, index, first, [health, recordOf(F.siblingId, 'health', 'later')]);
    const later = await newReferral(db);
    const [again, found] = await db.transaction(async (tx) => [
      await index.resolve(tx, { ...health, referralId: later }, at),
      await index.resolve(tx, { ...social, referralId: later }, at),
    ]);
    expect(again.hubPersonId).toBe(before.get(health.recordKey));
    expect(again.outcome).toBe('new');
    expect(found.hubPersonId).toBe(before.get(health.recordKey));
    expect(found.outcome).toBe('match');
    expect(found.candidates.compared).toBeGreaterThanOrEqual(1);
    const [person] = await index.personsOfReferral(db, later);
    expect(person?.records.map((r) => r.recordKey).sort()).toEqual([health.recordKey, social.recordKey].sort());
    expect(person?.referralCount).toBe(2);
    expect(person?.otherRecords).toBe(0);

    // Retention of the first referral keeps the record the later one saw too.
    expect(await db.transaction((tx) => index.forgetReferral(tx, first))).toEqual({ recordsForgotten: 1, recordsKept: 1 });
    expect((await index.personsOfReferral(db, later))[0]?.referralCount).toBe(1);
  });

  it('leaves a possible match pending, and merges the two persons when a practitioner confirms it', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    // Police ("R. Smith-Jones") first: the school's "Bobby Smyth" is then only a possible match.
    const police = recordOf(F.childId, 'police', 'confirm');
    const school = recordOf(F.childId, 'education', 'confirm');
    const persons = await resolveAll(db, index, referral, [police]);
    const possible = await db.transaction((tx) => index.resolve(tx, { ...school, referralId: referral }, at));
    expect(possible.outcome).toBe('possible');
    expect(possible.hubPersonId).not.toBe(persons.get(police.recordKey));
    const [pending] = await index.pendingMatches(db, referral);
    expect(pending).toMatchObject({ id: possible.possibleMatchId, recordKey: school.recordKey, hubPersonId: possible.hubPersonId, candidatePersonId: persons.get(police.recordKey) });
    expect(pending?.score).toBeGreaterThanOrEqual(0);
    expect(pending?.score).toBeLessThan(8);

    const decided = await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'confirm', by: 'practitioner-education', reason: 'Same pupil: UPN on the school record, same home' }, at));
    expect(decided).toEqual({ ok: true, value: { kind: 'confirmed', hubPersonId: persons.get(police.recordKey), mergedPersonId: possible.hubPersonId, recordsMoved: 1 } });
    expect(await index.pendingMatches(db, referral)).toEqual([]);
    const picture = await index.personsOfReferral(db, referral);
    expect(picture).toHaveLength(1);
    expect(picture[0]?.records.find((r) => r.recordKey === school.recordKey)).toMatchObject({ outcome: 'confirmed', decidedBy: 'practitioner-education' });
    const merged = await db.query<{ merged_into: string }>('SELECT merged_into FROM hub_persons WHERE id = $1', [possible.hubPersonId]);
    expect(merged[0]?.merged_into).toBe(persons.get(police.recordKey));
    expect(await index.reasonOf(db, possible.possibleMatchId ?? '')).toBe('Same pupil: UPN on the school record, same home');

    // Deciding twice, or an unknown question, is an expected failure.
    expect(await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'reject', by: 'p', reason: 'r' }, at))).toEqual({ ok: false, error: { kind: 'already-decided', status: 'confirmed' } });
    expect(await db.transaction((tx) => index.decidePossibleMatch(tx, randomUUID(), { decision: 'reject', by: 'p', reason: 'r' }, at))).toEqual({ ok: false, error: { kind: 'not-found' } });
    expect(await db.transaction((tx) => index.decidePossibleMatch(tx, 'not-an-id', { decision: 'reject', by: 'p', reason: 'r' }, at))).toEqual({ ok: false, error: { kind: 'not-found' } });

    // The school record is now the police record's person; after retention forgot it, the
    // confirmation still links it there when a later referral brings it back.
    const again = await db.transaction((tx) => index.resolve(tx, { ...school, referralId: referral }, at));
    expect(again).toMatchObject({ hubPersonId: persons.get(police.recordKey), outcome: 'match' });
    const keep = await newReferral(db);
    await resolveAll(db, index, keep, [police]);
    expect(await db.transaction((tx) => index.forgetReferral(tx, referral))).toEqual({ recordsForgotten: 1, recordsKept: 1 });
    const later = await newReferral(db);
    const back = await db.transaction((tx) => index.resolve(tx, { ...school, referralId: later }, at));
    expect(back).toMatchObject({ hubPersonId: persons.get(police.recordKey), outcome: 'match' });
    expect((await index.personsOfReferral(db, later))[0]?.records[0]?.outcome).toBe('confirmed');
  });

  it('keeps a rejection and respects it in later resolutions, also after retention', async () => {
    const index = newIndex();
    const first = await newReferral(db);
    const health = recordOf(F.childId, 'health', 'reject');
    const child = (await resolveAll(db, index, first, [health])).get(health.recordKey);
    const second = await newReferral(db);
    const other = { recordKey: 'police:police-reject:NOM-OTHER-1', record: namesake };
    const possible = await db.transaction((tx) => index.resolve(tx, { ...other, referralId: second }, at));
    expect(possible).toMatchObject({ outcome: 'possible' });
    expect((await index.pendingMatches(db, second))[0]?.candidatePersonId).toBe(child);

    const rejected = await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'reject', by: 'practitioner-police', reason: 'A cousin: different birth date, other address' }, at));
    expect(rejected).toEqual({ ok: true, value: { kind: 'rejected', hubPersonId: possible.hubPersonId, candidatePersonId: child } });
    expect(await index.pendingMatches(db, second)).toEqual([]);

    // Seen again: its own person, no new question.
    const third = await newReferral(db);
    const again = await db.transaction((tx) => index.resolve(tx, { ...other, referralId: third }, at));
    expect(again).toMatchObject({ hubPersonId: possible.hubPersonId, outcome: 'new' });
    expect(again.possibleMatchId).toBeUndefined();
    expect(await index.pendingMatches(db, third)).toEqual([]);

    // Forgotten by retention and brought back: the index holds only the child again, as when
    // this record was first a possible match; the rejection alone keeps the child out.
    await db.transaction(async (tx) => {
      await index.forgetReferral(tx, second);
      await index.forgetReferral(tx, third);
    });
    const fourth = await newReferral(db);
    const back = await db.transaction((tx) => index.resolve(tx, { ...other, referralId: fourth }, at));
    expect(back.outcome).toBe('new');
    expect(back.hubPersonId).not.toBe(child);
    expect(back.candidates.compared).toBe(0);
    expect(await index.pendingMatches(db, fourth)).toEqual([]);
    expectNoPersonalData(await dumpIndex(db));
  });
});

describe('person index (PostgreSQL)', () => {
  let pg: TestPostgres;
  let db: Db;

  beforeAll(async () => {
    pg = await startPostgres();
    db = await openStore({ databaseUrl: pg.url, dataDir: '' });
  }, 120_000);
  afterAll(async () => {
    await db.close();
    await pg.stop();
  });

  it('resolves the featured family, and pg_dump of the index shows no name, date or identifier', async () => {
    const index = newIndex();
    const referral = await newReferral(db);
    const family = [F.childId, F.siblingId, F.motherId, F.fatherId];
    const persons = await resolveAll(db, index, referral, family.flatMap((p) => recordsOf(p, 'pg')));
    // Four true persons; the parents' records without a birth date wait as possible matches.
    expect(new Set(persons.values()).size).toBe(4 + (await index.pendingMatches(db, referral)).length);
    const possible = await db.transaction((tx) => index.resolve(tx, { recordKey: 'police:police-sim:NOM-OTHER-1', record: namesake, referralId: referral }, at));
    expect(possible.outcome).toBe('possible');
    await db.transaction((tx) => index.decidePossibleMatch(tx, possible.possibleMatchId ?? '', { decision: 'reject', by: 'practitioner-police', reason: 'A cousin of Robert Smith' }, at));

    const url = new URL(pg.url);
    const tables = ['hub_persons', 'person_index_records', 'person_index_sightings', 'person_index_keys', 'person_links', 'possible_matches', 'person_pair_decisions'];
    const pgDump = `/usr/lib/postgresql/${await serverMajor(db)}/bin/pg_dump`;
    const { stdout } = await promisify(execFile)(pgDump, ['--data-only', '-h', url.hostname, '-p', url.port, '-U', 'postgres', ...tables.flatMap((t) => ['-t', t]), 'mash'], { maxBuffer: 64 * 1024 * 1024 });
    expect(stdout).toContain('COPY public.person_index_records');
    expectNoPersonalData({ text: stdout, bytes: Buffer.alloc(0) });
    expectNoPersonalData(await dumpIndex(db));
  });
});

async function serverMajor(sql: Sql): Promise<string> {
  const rows = await sql.query<{ v: string }>("SELECT split_part(current_setting('server_version'), '.', 1) AS v");
  return rows[0]?.v ?? '15';
}
