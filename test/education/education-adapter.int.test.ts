/**
 * The education adapter against the real education simulator on loopback: the featured child
 * found from the referral's details despite the school's noise ("Bobby Smyth"), his family's
 * key records through adapter and mapper, paging, error documents, broken and hostile XML
 * (DTDs, external entities) and the ways of authenticating: what is particular to the CTF-shaped
 * XML protocol. What every adapter must show (deadline, size cap, HTTP errors, cuts, redirects, clean
 * orchestrations) is the adapter contract, test/adapters/contract.int.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AdapterOutcome, Orchestration } from '../../src/adapters/port.ts';
import { createEducationAdapter } from '../../src/adapters/education/adapter.ts';
import { redactUrl } from '../../src/adapters/http/redact.ts';
import type { EducationRaw } from '../../src/adapters/education/types.ts';
import { mapEducation } from '../../src/mapping/education.ts';
import { connectorKit } from '../../src/research/registry.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact, type RelationshipFact } from '../../src/model/fact.ts';
import { DEFAULT_SEED, FEATURED_FAMILY, generatePopulation, type Population, type Pupil } from '../../simulators/population/index.ts';
import { startEducationSimulator, type EducationSimulator } from '../../simulators/education/server.ts';
import { failure, found } from '../support/outcomes.ts';
import { makeTempDir } from '../support/tmp.ts';
import { IDENTIFYING_VALUES, referralQuery, settingsFor } from './fixtures.ts';

const CHILD = FEATURED_FAMILY.childRecords.education;
/** How the orchestration shows `fuzzy=true&pageSize=5&page=1`, whichever of them the redaction keeps. */
const PAGING_TAIL = redactUrl('http://x/?fuzzy=true&pageSize=5&page=1').split('?')[1] ?? '';
const ctx = { connectorId: 'education-sim', sourceSystem: 'Simulated LA pupil database', lookupId: 'lookup-edu-1', retrievedAt: '2026-11-21T10:00:00Z', lawfulBasis: 'children-act-1989-s47' } as const;

function expectNoIdentifyingValues(orchestrations: readonly Orchestration[]): void {
  const text = JSON.stringify(orchestrations);
  for (const value of IDENTIFYING_VALUES) expect(text).not.toContain(value);
}

/** The population with `count` more pupils like the featured child ("Robert Smith", same birth date and home). */
function withLookalikes(population: Population, count: number): Population {
  const view = population.views.education;
  const featured = view.persons.find((p): p is Pupil => p.kind === 'pupil' && p.recordId === CHILD);
  if (featured === undefined) throw new Error('featured pupil missing');
  const { upn: _upn, ...rest } = featured;
  const lookalikes: Pupil[] = Array.from({ length: count }, (_, i) => ({ ...rest, recordId: `PUPX${String(i + 1).padStart(5, '0')}`, name: { given: ['Robert'], family: 'Smith' }, contactRecordIds: [] }));
  return { ...population, views: { ...population.views, education: { ...view, persons: [...view.persons, ...lookalikes] } } };
}

describe('education adapter against the education simulator (no auth)', () => {
  let population: Population;
  let sim: EducationSimulator;
  const adapter = createEducationAdapter();

  beforeAll(async () => {
    population = generatePopulation({ seed: DEFAULT_SEED });
    const started = performance.now();
    sim = await startEducationSimulator({ population });
    expect(performance.now() - started).toBeLessThan(1_000);
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it("finds the featured child from the referral's details, although the school knows him as Bobby Smyth", async () => {
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
    const raw = found(outcome);
    const child = raw.pupils.find((p) => p.RecordID === CHILD);
    expect(child).toMatchObject({ UPN: FEATURED_FAMILY.upn, Forename: 'Bobby', Surname: 'Smyth', DOB: FEATURED_FAMILY.birthDate });
    expect(raw.pupils.length).toBeLessThanOrEqual(5);

    // Name, birth date and postcode miss ("Robert" is not "Bobby"); surname (fuzzy) and birth date find him.
    const urls = outcome.orchestrations.map((o) => o.url);
    // Identifying values are redacted; paging parameters may be kept (src/adapters/http/redact.ts decides).
    expect(urls[0]).toBe(`${sim.url}/pupils?surname=[redacted]&forename=[redacted]&dob=[redacted]&postcode=[redacted]&${PAGING_TAIL}`);
    expect(urls.at(-1)).toBe(`${sim.url}/pupils?surname=[redacted]&dob=[redacted]&${PAGING_TAIL}`);
    expect(outcome.orchestrations.every((o) => o.name === 'Pupil search' && o.method === 'GET' && o.status === 200 && o.error === undefined)).toBe(true);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  it("brings the featured family's key education records through as facts", async () => {
    const raw = found(await adapter.search(referralQuery(), settingsFor(sim.url)));
    const facts = mapEducation({ pupils: raw.pupils.filter((p) => p.RecordID === CHILD) }, ctx);
    for (const fact of facts) expect(Fact.safeParse(fact).success).toBe(true);
    const ofKind = <K extends Fact['kind']>(kind: K): Extract<Fact, { kind: K }>[] => facts.filter((f): f is Extract<Fact, { kind: K }> => f.kind === kind);

    const people = ofKind('person') satisfies PersonFact[];
    const pupil = people.find((p) => p.personRef === `Pupil/${CHILD}`);
    expect(pupil?.identifiers).toEqual([{ system: 'upn', value: FEATURED_FAMILY.upn }]);
    expect(pupil?.names[0]).toEqual({ given: ['Bobby'], family: 'Smyth', use: 'official' });
    expect(pupil?.addresses[0]).toMatchObject({ lines: ['14 Alder Grove'], postcode: 'WF13 2QP' });

    // Mother holds parental responsibility; the step-father does not.
    const relationships = ofKind('relationship') satisfies RelationshipFact[];
    expect(relationships.map((r) => [r.relatedName?.given[0], r.relationship])).toEqual([
      ['Claire', 'parent'],
      ['Dan', 'carer'],
    ]);
    expect(people.filter((p) => p.personRef.startsWith(`Contact/${CHILD}/`)).map((p) => p.identifiers[0]?.value)).toEqual(['CON000003', 'CON000004']);

    // Falling attendance: seven terms, the last four persistent absence.
    const absences = (ofKind('event') satisfies EventFact[]).filter((e) => e.eventKind === 'absence');
    expect(absences).toHaveLength(7);
    expect(absences.map((a) => a.status === 'persistent absence')).toEqual([false, false, false, true, true, true, true]);
    expect(absences.at(-1)?.summary).toMatch(/^Attendance 2026\/27 autumn term at Oakfield Primary School: 79\.\d% /);
    expect(absences.every((a) => a.provenance.sensitivity === 'open')).toBe(true);

    const exclusion = ofKind('event').find((e) => e.eventKind === 'exclusion');
    expect(exclusion).toMatchObject({ date: '2026-10-06', summary: 'Suspension from Oakfield Primary School, 2 days: physical assault against a pupil', provenance: { sensitivity: 'sensitive' } });

    const flags = ofKind('flag') satisfies FlagFact[];
    expect(flags).toHaveLength(1);
    expect(flags[0]).toMatchObject({ flagKind: 'sen-support', status: 'active', summary: 'SEN support (social, emotional and mental health)', period: { start: '2024-01-15' }, provenance: { sensitivity: 'sensitive' } });
    expect(ofKind('event').find((e) => e.eventKind === 'other')).toMatchObject({ date: '2021-09-01', status: 'on roll' });
  });

  it('works as the education-xml connector kit: adapter and mapper paired as the registry pairs them', async () => {
    const kit = connectorKit('education-xml', createEducationAdapter(), mapEducation);
    const outcome = await kit.lookup(referralQuery(), settingsFor(sim.url), ctx);
    if (outcome.kind !== 'found') throw new Error(outcome.failure.reason);
    expect(outcome.facts.some((f) => f.kind === 'person' && f.identifiers.some((i) => i.system === 'upn' && i.value === FEATURED_FAMILY.upn))).toBe(true);
    expect(outcome.facts.every((f) => Fact.safeParse(f).success)).toBe(true);
  });

  it('finds the child by UPN alone, with one call', async () => {
    const outcome = await adapter.search({ ...referralQuery(), identifiers: [{ system: 'upn', value: FEATURED_FAMILY.upn.toLowerCase() }] }, settingsFor(sim.url));
    expect(found(outcome).pupils.map((p) => p.RecordID)).toEqual([CHILD]);
    expect(outcome.orchestrations.map((o) => o.url)).toEqual([`${sim.url}/pupils?upn=[redacted]&${redactUrl('http://x/?pageSize=5&page=1').split('?')[1] ?? ''}`]);
  });

  it('returns found with no pupils when nobody matches, after trying every search', async () => {
    const outcome = await adapter.search({ given: ['Noone'], family: 'Nobody', otherNames: [], birthDate: '2001-01-01', postcode: 'ZZ9 9ZZ', addressLines: [], identifiers: [] }, settingsFor(sim.url));
    expect(found(outcome)).toEqual({ pupils: [] });
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    expect(outcome.orchestrations.length).toBeGreaterThanOrEqual(5);
  });

  it('an error document fails the lookup with its code, never its message', async () => {
    sim.setFaults({ errorDocument: 'SERVICE_UNAVAILABLE', status: 503 });
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'http-error', code: 'ADAPTER.HTTP_ERROR', reason: 'Pupil search: HTTP 503, SERVICE_UNAVAILABLE', transient: {} });
    expect(JSON.stringify(outcome)).not.toContain('simulated failure');
  });

  it("takes the health simulator's fault vocabulary: operationOutcome, malformed json and xml", async () => {
    sim.setFaults({ operationOutcome: { code: 'processing', diagnostics: 'simulated diagnostics' }, status: 503 });
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'http-error', reason: 'Pupil search: HTTP 503, SERVICE_UNAVAILABLE' });
    expect(JSON.stringify(outcome)).not.toContain('simulated diagnostics');
    sim.setFaults({ malformed: 'json' });
    expect(failure(await adapter.search(referralQuery(), settingsFor(sim.url)))).toMatchObject({ kind: 'malformed-response', reason: 'Pupil search: response is not XML' });
    sim.setFaults({ malformed: 'xml' });
    expect(failure(await adapter.search(referralQuery(), settingsFor(sim.url)))).toMatchObject({ kind: 'malformed-response', reason: 'Pupil search: response contains a DOCTYPE or entity declaration, refused unparsed' });
  });

  it('searches that together pass the whole-lookup deadline fail as a timeout', async () => {
    sim.setFaults({ latencyMs: 200 });
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url, { timeoutMs: 500 }));
    expect(failure(outcome)).toMatchObject({ kind: 'timeout', reason: 'Pupil search: lookup deadline reached' });
    expect(outcome.orchestrations.filter((o) => o.status === 200).length).toBeGreaterThanOrEqual(1);
  });

  it.each([
    ['truncated', 'Pupil search: response is not well-formed XML'],
    ['not-xml', 'Pupil search: response is not XML'],
    ['wrong-root', 'Pupil search: expected a PupilSearchResponse, got <Patient>'],
  ] as const)('a %s body fails as malformed-response', async (malformed, reason) => {
    sim.setFaults({ malformed });
    expect(failure(await adapter.search(referralQuery(), settingsFor(sim.url)))).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason });
  });

  it('a pupil of the wrong shape fails the lookup, naming the element but not its value', async () => {
    sim.setFaults({ malformed: 'wrong-shape' });
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome).kind).toBe('malformed-response');
    expect(failure(outcome).reason).toMatch(/^Pupil search: PupilSearchResponse is not valid \(PupilSearchResponse\.CTfile\[0\]\.CTFpupilData\[0\]\.Pupil\[0\]\.DOB\[0\]: /);
    expect(JSON.stringify(outcome)).not.toMatch(/Wrongshape|2017-02-30|PUP999999/);
  });

  it.each(['doctype', 'billion-laughs', 'html'] as const)('a %s body is refused before parsing, and recorded as refused', async (malformed) => {
    sim.setFaults({ malformed });
    const started = performance.now();
    const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'malformed-response', code: 'ADAPTER.MALFORMED_RESPONSE', reason: 'Pupil search: response contains a DOCTYPE or entity declaration, refused unparsed' });
    expect(outcome.orchestrations[0]?.error).toBe('ADAPTER.MALFORMED_RESPONSE: Pupil search: response contains a DOCTYPE or entity declaration, refused unparsed');
    expect(JSON.stringify(outcome)).not.toMatch(/lol|ENTITY|Bad Gateway/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('an external entity naming a local file is refused unparsed: the file is never read', async () => {
    const temp = makeTempDir('mash-xxe-');
    try {
      const marker = `XXE-MARKER-${Math.random().toString(36).slice(2)}`;
      const file = join(temp.dir, 'secret.txt');
      writeFileSync(file, marker);
      sim.setFaults({ externalEntityFile: file });
      // The probe is real: the body names the file in an external entity.
      const body = await (await fetch(`${sim.url}/pupils?surname=Smith&dob=2017-03-04`)).text();
      expect(body).toContain('<!ENTITY xxe SYSTEM "file://');
      expect(body).toContain('&xxe;');

      const outcome = await adapter.search(referralQuery(), settingsFor(sim.url));
      expect(failure(outcome)).toMatchObject({ kind: 'malformed-response', reason: 'Pupil search: response contains a DOCTYPE or entity declaration, refused unparsed' });
      const everything = JSON.stringify(outcome);
      expect(everything).not.toContain(marker);
      expect(everything).not.toContain('secret.txt');
    } finally {
      temp.remove();
    }
  });

});

describe('education adapter paging against a simulator with small pages', () => {
  let sim: EducationSimulator;

  beforeAll(async () => {
    // Five "Robert Smith" lookalikes at the featured child's home and birth date; pages of two.
    sim = await startEducationSimulator({ population: withLookalikes(generatePopulation({ seed: DEFAULT_SEED, households: 50 }), 5), maxPageSize: 2 });
  });
  afterAll(async () => {
    await sim.close();
  });
  afterEach(() => {
    sim.setFaults({});
  });

  it('follows NextPage across three pages until it has its candidates', async () => {
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url));
    const raw = found(outcome);
    expect(raw.pupils.map((p) => p.RecordID)).toEqual(['PUPX00001', 'PUPX00002', 'PUPX00003', 'PUPX00004', 'PUPX00005']);
    expect(outcome.orchestrations.map((o) => o.name)).toEqual(['Pupil search', 'Pupil search page 2', 'Pupil search page 3']);
    expectNoIdentifyingValues(outcome.orchestrations);
  });

  /** Every pupil the first search matches, read with a cap that does not bite: the agency's TotalMatches. */
  async function allMatches(): Promise<number> {
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { maxCandidates: 50 }));
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    return found(outcome).pupils.length;
  }

  it("reports the system's own limit: fewer pupils listed than TotalMatches, and no NextPage", async () => {
    const total = await allMatches();
    sim.setFaults({ resultCap: 2 });
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { maxCandidates: 50 }));
    expect(found(outcome).pupils).toHaveLength(2);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'agency-limit', search: 'Pupil search', read: 2, reported: total }]);
  });

  it('a failure on a later page fails the lookup, after a good first page', async () => {
    sim.setFaults({ status: 500, match: 'page=2' });
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome)).toMatchObject({ kind: 'http-error', reason: 'Pupil search page 2: HTTP 500' });
    expect(outcome.orchestrations[0]).toMatchObject({ name: 'Pupil search', status: 200 });
  });
});

describe('education adapter against the education simulator with auth', () => {
  let sim: EducationSimulator;

  beforeAll(async () => {
    sim = await startEducationSimulator({
      population: generatePopulation({ seed: DEFAULT_SEED, households: 20 }),
      auth: { bearerTokens: ['edu-static-token'], basic: [{ username: 'mash-hub', password: 'b4sic-pw' }], clients: [{ clientId: 'mash-edu', clientSecret: 'cl1ent-s3cret' }] },
    });
  });
  afterAll(async () => {
    await sim.close();
  });

  const childFound = (outcome: AdapterOutcome<EducationRaw>): boolean => found(outcome).pupils.some((p) => p.RecordID === CHILD);

  it('refuses a lookup without credentials (auth-failed, with the error code)', async () => {
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url));
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'Pupil search: HTTP 401, UNAUTHORISED' });
  });

  it('accepts a static bearer token, and never records it', async () => {
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { auth: { kind: 'bearer', token: 'edu-static-token' } }));
    expect(childFound(outcome)).toBe(true);
    expect(JSON.stringify(outcome.orchestrations)).not.toContain('edu-static-token');
  });

  it('accepts HTTP Basic credentials, and refuses a wrong password', async () => {
    const good = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { auth: { kind: 'basic', username: 'mash-hub', password: 'b4sic-pw' } }));
    expect(childFound(good)).toBe(true);
    expect(JSON.stringify(good.orchestrations)).not.toContain('b4sic-pw');
    const bad = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { auth: { kind: 'basic', username: 'mash-hub', password: 'wrong' } }));
    expect(failure(bad)).toMatchObject({ kind: 'auth-failed', reason: 'Pupil search: HTTP 401, UNAUTHORISED' });
  });

  it('gets a token with OAuth2 client credentials, then reuses it from the cache', async () => {
    const adapter = createEducationAdapter();
    const auth = { kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-edu', clientSecret: 'cl1ent-s3cret' } as const;
    const first = await adapter.search(referralQuery(), settingsFor(sim.url, { auth }));
    expect(childFound(first)).toBe(true);
    expect(first.orchestrations[0]).toMatchObject({ name: 'OAuth2 token', method: 'POST', status: 200 });
    expect(JSON.stringify(first.orchestrations)).not.toContain('cl1ent-s3cret');
    const second = await adapter.search(referralQuery(), settingsFor(sim.url, { auth }));
    expect(childFound(second)).toBe(true);
    expect(second.orchestrations.some((o) => o.name === 'OAuth2 token')).toBe(false);
  });

  it('fails as auth-failed when the token endpoint refuses a wrong secret', async () => {
    const outcome = await createEducationAdapter().search(
      referralQuery(),
      settingsFor(sim.url, { auth: { kind: 'oauth2-client-credentials', tokenUrl: sim.tokenUrl, clientId: 'mash-edu', clientSecret: 'wrong' } }),
    );
    expect(failure(outcome)).toEqual({ kind: 'auth-failed', code: 'ADAPTER.AUTH_FAILED', reason: 'OAuth2 token endpoint refused the client (HTTP 401: invalid_client)' });
  });

  it('WS-Security credentials are a misconfiguration, found before any call', async () => {
    const outcome = await createEducationAdapter().search(referralQuery(), settingsFor(sim.url, { auth: { kind: 'ws-security', username: 'u', password: 'p' } }));
    expect(failure(outcome)).toMatchObject({ kind: 'auth-failed', code: 'ADAPTER.AUTH_MISCONFIGURED' });
    expect(outcome.orchestrations).toEqual([]);
  });
});
