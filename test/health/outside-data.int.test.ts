/**
 * The health adapter against a FHIR R4 server holding data we did not write: the official HL7
 * R4 examples and NHS England's PDS sandbox patients (test/health/outside-data.ts), served by
 * the health simulator (Medplum's MemoryRepository behind the router).
 *
 * First the adapter and mapper on their own, then the product: the real gateway process
 * (`node src/main.ts`, embedded store, MASH_SIMULATORS=off) with one connector, declared in
 * MASH_CONNECTORS, naming that server — and the picture, read over HTTP, must be right: the
 * facts, their values, provenance and sensitivity, and an answer cut short said to be so.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFhirAdapter } from '../../src/adapters/fhir/adapter.ts';
import type { ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import { mapHealth } from '../../src/mapping/health.ts';
import type { Agency } from '../../src/model/agency.ts';
import { Fact, type EventFact, type FlagFact, type PersonFact } from '../../src/model/fact.ts';
import type { Role } from '../../src/model/principal.ts';
import { startHealthSimulator, type HealthSimulator } from '../../simulators/health/server.ts';
import { startGatewayProcess, waitFor, type GatewayProcess } from '../support/gateway-process.ts';
import { found } from '../support/outcomes.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { loadOutsideHealthData, type OutsideData } from './outside-data.ts';

const data: OutsideData = loadOutsideHealthData();
let sim: HealthSimulator;

beforeAll(async () => {
  sim = await startHealthSimulator({ resources: data.resources, onRefused: 'skip' });
});
afterAll(async () => {
  await sim.close();
});

const settings = (overrides: Partial<ConnectorSettings> = {}): ConnectorSettings => ({
  id: 'health-outside',
  baseUrl: sim.url,
  auth: { kind: 'none' },
  timeoutMs: 5_000,
  maxResponseBytes: 5_000_000,
  maxPages: 10,
  maxCandidates: 5,
  ...overrides,
});
const ctx = { connectorId: 'health-outside', sourceSystem: 'Published FHIR examples', lookupId: 'lkp-outside', retrievedAt: '2026-11-21T10:00:00.000Z', lawfulBasis: 'children-act-1989-s47' } as const;
const query = (part: Partial<SubjectQuery>): SubjectQuery => ({ given: [], family: '', otherNames: [], addressLines: [], identifiers: [], ...part });

/** The PDS sandbox's standard test patient, by NHS number. */
const JANE = query({ given: ['Jane'], family: 'Smith', birthDate: '2010-10-22', identifiers: [{ system: 'nhs-number', value: '9000000009' }] });
/** HL7's canonical example patient, by demographics only. */
const PETER = query({ given: ['Peter'], family: 'Chalmers', birthDate: '1974-12-25', postcode: '3999' });
/** PDS's fuzzy multi-match: many "Sam Smith"s born 2000-05-05, each with their own NHS number. */
const SAM = query({ given: ['Sam'], family: 'Smith', birthDate: '2000-05-05' });
/** PDS's restricted ("sensitive") patient. */
const JANET = query({ given: ['Janet'], family: 'Smythe', birthDate: '2010-10-22', identifiers: [{ system: 'nhs-number', value: '9000000025' }] });

/** How many Patients in the outside data a `family=Smith&given=Sam&birthdate=2000-05-05` search matches: worked out from the files. */
const SAMS = data.resources.filter((r) => {
  if (r.resourceType !== 'Patient' || r.birthDate !== '2000-05-05') return false;
  return (r.name ?? []).some((n) => n.family?.toLowerCase().startsWith('smith') === true && (n.given ?? []).some((g) => g.toLowerCase().startsWith('sam')));
}).length;

const ofKind = <K extends Fact['kind']>(facts: readonly Fact[], kind: K): Extract<Fact, { kind: K }>[] => facts.filter((f): f is Extract<Fact, { kind: K }> => f.kind === kind);

describe('the outside data, as served', () => {
  it('loads every Patient, RelatedPerson, Encounter, Condition, Flag and EpisodeOfCare, and searchset entry, and says what it left out', () => {
    const byReason = (pattern: RegExp): number => data.leftOut.filter((l) => pattern.test(l.reason)).length;
    // What was read: every entry counted once, loaded or left out with its reason.
    expect(data.resources.length + byReason(/^repeats |again, with other content/) + byReason(/^not a resource/)).toBe(data.read);
    expect(data.resources.filter((r) => r.resourceType === 'Patient').length).toBeGreaterThanOrEqual(70);
    // PDS publishes the same NHS number in several files: the first copy is served, the rest counted.
    expect(byReason(/^repeats /)).toBe(35);
    expect(byReason(/again, with other content/)).toBe(7);
    expect(data.leftOut.find((l) => l.source.endsWith('Patient-Jayne-Smyth.json') || l.source.includes('PatientSearch-Jayne-Smyth.json'))?.reason).toMatch(/Patient\/9000000017/);
    // Not what the adapter reads (Consent, Group, Person…) or Bundles that are not search results.
    expect(byReason(/not a type the health adapter reads/)).toBe(27);
    expect(byReason(/only searchset entries are served/)).toBe(11);
    expect(byReason(/^not a resource/)).toBe(0);
    // The repository holds every resource it was given: none refused.
    expect(sim.skipped).toEqual([]);
  });
});

describe('the FHIR adapter and mapper on published examples', () => {
  it('finds the PDS test patient by NHS number: her names, address with its UPRN, identifiers, provenance', async () => {
    const outcome = await createFhirAdapter().search(JANE, settings());
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    const facts = mapHealth(found(outcome), ctx);
    const [person, ...rest] = facts;
    expect(rest).toEqual([]);
    expect(person).toMatchObject({
      kind: 'person',
      personRef: 'Patient/9000000009',
      names: [{ given: ['Jane'], family: 'Smith', use: 'usual' }],
      birthDate: '2010-10-22',
      sex: 'female',
      identifiers: [{ system: 'nhs-number', value: '9000000009' }],
      provenance: { agency: 'health', sourceRecordId: 'Patient/9000000009', sensitivity: 'open', lookupId: 'lkp-outside', lawfulBasis: 'children-act-1989-s47' },
    });
    expect((person as PersonFact).addresses[0]).toMatchObject({ lines: expect.arrayContaining(['1 Trevelyan Square', 'Boar Lane']) as unknown, postcode: 'LS1 6AE', uprn: '123456789012' });
  });

  it("finds HL7's example patient by demographics, with his encounters, conditions, episode, flags and partner", async () => {
    const outcome = await createFhirAdapter().search(PETER, settings());
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([]);
    const facts = mapHealth(found(outcome), ctx);
    for (const fact of facts) expect(Fact.safeParse(fact).success, fact.id).toBe(true);
    expect(ofKind(facts, 'person').map((p) => p.personRef).sort()).toEqual(['Patient/example', 'RelatedPerson/benedicte']);
    expect(ofKind(facts, 'person').find((p) => p.personRef === 'Patient/example')?.names[0]).toEqual({ given: ['Peter', 'James'], family: 'Chalmers', use: 'official' });
    const events = ofKind(facts, 'event') satisfies EventFact[];
    expect(events.map((e) => e.provenance.sourceRecordId).sort()).toEqual([
      'Condition/example', 'Condition/example2', 'Condition/family-history', 'Condition/stroke', 'Encounter/emerg', 'Encounter/example', 'Encounter/home', 'EpisodeOfCare/example',
    ]);
    expect(events.find((e) => e.provenance.sourceRecordId === 'Condition/stroke')).toMatchObject({ eventKind: 'diagnosis', date: '2010-07-18', summary: 'Diagnosis: Stroke' });
    expect(events.find((e) => e.provenance.sourceRecordId === 'Encounter/home')).toMatchObject({ eventKind: 'appointment', date: '2015-01-17', status: 'finished' });
    expect(events.find((e) => e.provenance.sourceRecordId === 'EpisodeOfCare/example')).toMatchObject({ eventKind: 'episode-of-care', date: '2014-09-01', status: 'active' });
    const flags = ofKind(facts, 'flag') satisfies FlagFact[];
    expect(flags.find((f) => f.provenance.sourceRecordId === 'Flag/example')).toMatchObject({ status: 'inactive', period: { start: '2015-01-17', end: '2016-12-01' } });
    expect(ofKind(facts, 'relationship')).toEqual([expect.objectContaining({ personRef: 'Patient/example', relationship: 'partner', relatedRef: 'RelatedPerson/benedicte' })]);
    expect(facts.every((f) => f.provenance.agency === 'health' && f.provenance.sensitivity === 'open')).toBe(true);
  });

  it(`reads 5 of the ${SAMS} "Sam Smith"s PDS holds for 2000-05-05, and says so in a cut`, async () => {
    expect(SAMS).toBeGreaterThan(5);
    const outcome = await createFhirAdapter().search(SAM, settings());
    expect(found(outcome).patients).toHaveLength(5);
    expect(new Set(found(outcome).patients.map((p) => p.patient.id)).size).toBe(5);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: SAMS }]);
  });

  it("answers PDS's TOO_MANY_MATCHES when the server caps its matches: a cut with nobody read", async () => {
    sim.setFaults({ resultCap: 10 });
    try {
      const outcome = await createFhirAdapter().search(SAM, settings());
      expect(found(outcome).patients).toEqual([]);
      expect(outcome.kind === 'found' && outcome.cuts).toEqual([{ reason: 'agency-limit', search: 'Patient search', read: 0, reported: null }]);
    } finally {
      sim.setFaults({});
    }
  });

  it('marks the PDS restricted patient, and everything about her, restricted; her record holds no address', async () => {
    const facts = mapHealth(found(await createFhirAdapter().search(JANET, settings())), ctx);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ kind: 'person', personRef: 'Patient/9000000025', addresses: [], provenance: { sensitivity: 'restricted' } });
  });

  it('pages with a small _count and stops at maxPages: each cut search counted against Bundle.total', async () => {
    const outcome = await createFhirAdapter({ pageSize: 2 }).search(PETER, settings({ maxPages: 1 }));
    const records = found(outcome).patients[0];
    expect(records?.encounters).toHaveLength(2);
    expect(records?.conditions).toHaveLength(2);
    expect(outcome.kind === 'found' && outcome.cuts).toEqual([
      { reason: 'page-cap', search: 'Encounter search', read: 2, reported: 3 },
      { reason: 'page-cap', search: 'Condition search', read: 2, reported: 4 },
    ]);
    // With pages enough, the same small _count reads everything.
    const whole = await createFhirAdapter({ pageSize: 2 }).search(PETER, settings({ maxPages: 3 }));
    expect(whole.kind === 'found' && whole.cuts).toEqual([]);
    expect(found(whole).patients[0]?.conditions).toHaveLength(4);
  });
});

interface PictureView {
  status: string;
  lookups: { id: string; status: string; reason: string | null; cuts: unknown[]; factCount: number; factsExcluded: number; factsAwaitingDecision: number; factsShown: number }[];
  checks: { agency: Agency; answer: string; statement: string }[];
  persons: { subjectRef: string; records: { outcome: string }[] }[];
  possibleMatches: { kind: string; agency: string; subjectRef: string | null; reason: string; candidate: { identifiers: { system: string; value: string }[] } | null }[];
  facts: (Fact & { provenance: { lookupId: string } })[];
  items: { itemId: string; sensitivity: string; revealed: boolean }[];
}

describe('through the real gateway process, over HTTP', () => {
  const tmp = makeTempDir('mash-outside-health-');
  let gateway: GatewayProcess;
  const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `outside-${role}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });
  const get = async (route: string, role: Role, agency?: Agency): Promise<unknown> => {
    const response = await fetch(`${gateway.url}${route}`, { headers: { authorization: `Bearer ${await token(role, agency)}` } });
    expect(response.status, route).toBe(200);
    return response.json();
  };

  /** Submits a child-protection referral about one child and waits for its picture. */
  async function research(ref: string, subject: Record<string, unknown>): Promise<{ id: string; health: PictureView; manager: PictureView }> {
    const referral = { concern: { summary: `Synthetic referral: ${ref}.` }, rag: 'red', threshold: 'child-protection', consent: { obtained: false }, subjects: [{ ref, role: 'child', ...subject }] };
    const posted = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${await token('referral-intake')}`, 'content-type': 'application/json' }, body: JSON.stringify(referral) });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    await waitFor(async () => ((await get(`/v1/referrals/${id}`, 'hub-manager')) as { status: string }).status === 'picture-ready' || undefined, 30_000, `referral ${ref}`);
    return { id, health: (await get(`/v1/referrals/${id}/picture`, 'hub-practitioner', 'health')) as PictureView, manager: (await get(`/v1/referrals/${id}/picture`, 'hub-manager')) as PictureView };
  }

  beforeAll(async () => {
    const connectors = path.join(tmp.dir, 'connectors.json');
    writeFileSync(
      connectors,
      JSON.stringify({
        connectors: [
          // The demo policy reveals sensitive items too: a restricted one must still wait for its owner.
          { id: 'health-outside', agency: 'health', type: 'fhir-r4', sourceSystem: 'HL7 R4 examples and NHS PDS sandbox', baseUrl: sim.url, maxCandidates: 5, autoReveal: ['open', 'sensitive'] },
        ],
      }),
    );
    seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
    gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir, MASH_SIMULATORS: 'off', MASH_CONNECTORS: connectors, MASH_FAMILY_DEPTH: '0' } });
  }, 60_000);
  afterAll(async () => {
    await gateway.kill('SIGTERM');
    tmp.remove();
  });

  it('NHS number 9000000009: the PDS patient, with her names, address and identifiers, provenance in full', async () => {
    const { health, manager } = await research('jane', { name: { given: ['Jane'], family: 'Smith' }, birthDate: '2010-10-22', identifiers: [{ system: 'nhs-number', value: '9000000009' }] });
    const [lookup] = health.lookups;
    expect(lookup).toMatchObject({ status: 'done', reason: null, cuts: [], factCount: 1, factsExcluded: 0, factsShown: 1 });
    expect(health.facts).toHaveLength(1);
    expect(health.facts[0]).toMatchObject({
      kind: 'person',
      personRef: 'Patient/9000000009',
      names: [{ given: ['Jane'], family: 'Smith', use: 'usual' }],
      identifiers: [{ system: 'nhs-number', value: '9000000009' }],
      addresses: expect.arrayContaining([expect.objectContaining({ lines: expect.arrayContaining(['1 Trevelyan Square']) as unknown, postcode: 'LS1 6AE', uprn: '123456789012' })]) as unknown,
      provenance: { agency: 'health', connectorId: 'health-outside', sourceSystem: 'HL7 R4 examples and NHS PDS sandbox', sourceRecordId: 'Patient/9000000009', lookupId: lookup?.id, lawfulBasis: 'children-act-1989-s47', sensitivity: 'open' },
    });
    // Open: revealed to the hub at once.
    expect(manager.facts.map((f) => f.id)).toEqual(health.facts.map((f) => f.id));
    expect(health.checks.find((c) => c.agency === 'health')).toMatchObject({ answer: 'complete' });
  }, 60_000);

  it("demographics only: HL7's example patient and everything recorded against him", async () => {
    const { health } = await research('peter', { name: { given: ['Peter', 'James'], family: 'Chalmers' }, birthDate: '1974-12-25', sex: 'male', address: { lines: ['534 Erewhon St'], town: 'PleasantVille', postcode: '3999' } });
    const [lookup] = health.lookups;
    expect(lookup?.status).toBe('done');
    const his = health.facts.filter((f) => f.personRef === 'Patient/example');
    expect(his.map((f) => f.provenance.sourceRecordId).sort()).toEqual([
      'Condition/example', 'Condition/example2', 'Condition/family-history', 'Condition/stroke', 'Encounter/emerg', 'Encounter/example', 'Encounter/home', 'EpisodeOfCare/example',
      'Flag/example', 'Flag/example-encounter', 'Patient/example', 'RelatedPerson/benedicte',
    ]);
    expect(his.find((f) => f.provenance.sourceRecordId === 'Condition/stroke')).toMatchObject({ kind: 'event', eventKind: 'diagnosis', date: '2010-07-18', summary: 'Diagnosis: Stroke' });
    expect(his.find((f) => f.provenance.sourceRecordId === 'Flag/example')).toMatchObject({ kind: 'flag', status: 'inactive' });
    // The count is what the picture shows; his partner's own record, judged another person, is counted apart.
    expect(lookup?.factCount).toBe(health.facts.filter((f) => f.provenance.lookupId === lookup?.id).length);
    expect((lookup?.factCount ?? 0) + (lookup?.factsExcluded ?? 0)).toBe(13);
  }, 60_000);

  it(`PDS multi-match: 5 of the ${SAMS} "Sam Smith"s read, and the lookup, the picture and the referral say the answer is partial`, async () => {
    const { id, health } = await research('sam', { name: { given: ['Sam'], family: 'Smith' }, birthDate: '2000-05-05', sex: 'male' });
    const [lookup] = health.lookups;
    expect(lookup).toMatchObject({ status: 'partial', cuts: [{ reason: 'candidate-cap', search: 'Patient search', read: 5, reported: SAMS }] });
    expect(lookup?.reason).toBe(`ANSWER.CANDIDATE_CAP: Patient search: 5 of ${SAMS} matching records read (candidate cap)`);
    expect(health.checks.find((c) => c.agency === 'health')).toMatchObject({
      answer: 'incomplete',
      statement: `Health was checked for 1 person; the answer is incomplete: 1 answer was cut short — Patient search: 5 of ${SAMS} matching records read (candidate cap).`,
    });
    const status = (await get(`/v1/referrals/${id}`, 'hub-manager')) as { lookupCounts: { partial: number; done: number } };
    expect(status.lookupCounts).toMatchObject({ partial: 1, done: 0 });
    // Five person records were read, each a different valid NHS number: five distinct people, none
    // of them the child automatically. They wait for health's practitioner, out of the picture.
    expect(lookup).toMatchObject({ factCount: 0, factsExcluded: 0, factsAwaitingDecision: 5 });
    expect(health.facts.filter((f) => f.provenance.lookupId === lookup?.id)).toEqual([]);
    expect(health.persons.find((p) => p.subjectRef === 'sam')?.records.filter((r) => r.outcome === 'match')).toEqual([]);
    const candidates = health.possibleMatches.filter((m) => m.kind === 'subject' && m.subjectRef === 'sam');
    expect(candidates).toHaveLength(5);
    const nhsNumbers = new Set(candidates.map((m) => m.candidate?.identifiers.find((i) => i.system === 'nhs-number')?.value));
    expect(nhsNumbers.size).toBe(5);
    expect(nhsNumbers.has(undefined)).toBe(false);
    for (const m of candidates) expect(m).toMatchObject({ agency: 'health', reason: expect.stringMatching(/5 distinct people/) as unknown });
  }, 60_000);

  it('the restricted PDS patient: restricted, not revealed to the hub, and no address anywhere', async () => {
    const { health, manager } = await research('janet', { name: { given: ['Janet'], family: 'Smythe' }, birthDate: '2010-10-22', identifiers: [{ system: 'nhs-number', value: '9000000025' }] });
    const [lookup] = health.lookups;
    expect(lookup).toMatchObject({ status: 'done', factCount: 1, factsShown: 1 });
    expect(health.facts).toEqual([expect.objectContaining({ kind: 'person', personRef: 'Patient/9000000025', addresses: [], provenance: expect.objectContaining({ sensitivity: 'restricted' }) as unknown })]);
    expect(health.items).toEqual([expect.objectContaining({ sensitivity: 'restricted', revealed: false })]);
    // The manager sees that health answered, but not the record, until its owner reveals it.
    expect(manager.facts).toEqual([]);
    expect(manager.lookups[0]).toMatchObject({ factCount: 1, factsShown: 0 });
  }, 60_000);
});
