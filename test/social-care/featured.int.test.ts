/**
 * The featured family's social care history comes through adapter and mapper as facts, from the
 * simulator serving the default population (2,000 households) — and children elsewhere in the
 * population with child protection plans and looked-after episodes come through as plan,
 * looked-after and flag facts. Ground truth (`population.eventTruth`) says what must appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocialCareAdapter } from '../../src/adapters/social-care/adapter.ts';
import type { SubjectQuery } from '../../src/adapters/port.ts';
import { mapSocialCare } from '../../src/mapping/social-care.ts';
import { Fact, type EventFact } from '../../src/model/fact.ts';
import { connectorKit, createRegistry } from '../../src/research/registry.ts';
import { FEATURED_FAMILY, generatePopulation } from '../../simulators/population/index.ts';
import { startSocialCareSimulator, type SocialCareSimulator } from '../../simulators/social-care/server.ts';
import { featuredByDemographics, featuredReferralQuery, mappingContext, settingsFor } from './fixtures.ts';

const population = generatePopulation();
const view = population.views['social-care'];
const ctx = { ...mappingContext, connectorId: 'social-care-sim', retrievedAt: '2026-11-21T10:00:00.000Z' };

describe('featured family and the population through the social care adapter and mapper', () => {
  let sim: SocialCareSimulator;
  const adapter = createSocialCareAdapter();

  beforeAll(async () => {
    sim = await startSocialCareSimulator({ population });
  });
  afterAll(async () => {
    await sim.close();
  });

  async function factsFor(query: SubjectQuery): Promise<Fact[]> {
    const outcome = await adapter.search(query, settingsFor(sim.url));
    if (outcome.kind !== 'found') throw new Error(`lookup failed: ${outcome.failure.reason}`);
    const facts = mapSocialCare(outcome.records, ctx);
    for (const fact of facts) expect(Fact.safeParse(fact).success).toBe(true);
    return facts;
  }

  it('runs through the connector kit exactly as src/research/kits.ts registers it', async () => {
    const registry = createRegistry([connectorKit('social-care-rest', createSocialCareAdapter(), mapSocialCare)]);
    const outcome = await registry.get('social-care-rest')?.lookup(featuredReferralQuery, settingsFor(sim.url), ctx);
    expect(outcome?.kind).toBe('found');
    const facts = outcome?.kind === 'found' ? outcome.facts : [];
    expect(facts.filter((f) => f.kind === 'event').length).toBeGreaterThanOrEqual(2);
    expect(facts.every((f) => f.provenance.agency === 'social-care' && f.provenance.lookupId === ctx.lookupId)).toBe(true);
  });

  // How fast it starts is a benchmark figure (bench/startup.ts: `npm start`, simulators included), not a test's.
  it('serves the default population', () => {
    expect(view.persons.length).toBeGreaterThan(500);
  });

  it.each([
    ['the referral’s details', featuredReferralQuery],
    ['name, birth date and address only', featuredByDemographics],
  ])('finds the child by %s, with the police notification of the domestic incident and the earlier school contact', async (_label, query) => {
    const facts = await factsFor(query);
    const childRef = `Person/${FEATURED_FAMILY.childRecords['social-care']}`;
    const child = facts.find((f) => f.kind === 'person' && f.personRef === childRef);
    expect(child).toMatchObject({ names: [{ given: ['Robert', 'James'], family: 'Smith' }], birthDate: '2017-04-03' });
    expect(child?.kind === 'person' ? child.identifiers : []).toContainEqual({ system: 'nhs-number', value: FEATURED_FAMILY.nhsNumber });

    // Every social care event ground truth gives for the child is a fact.
    const truth = population.eventTruth.filter((e) => e.agency === 'social-care' && e.personIds.includes(FEATURED_FAMILY.childId));
    expect(truth.length).toBeGreaterThan(0);
    const events = facts.filter((f): f is EventFact => f.kind === 'event');
    for (const event of truth) expect(events.map((e) => e.provenance.sourceRecordId)).toContain(`Contact/${event.eventId}`);

    const dayAfterIncident = '2026-09-13';
    expect(FEATURED_FAMILY.domesticIncidentDate).toBe('2026-09-12');
    const notification = events.find((e) => e.date === dayAfterIncident);
    expect(notification).toMatchObject({ eventKind: 'referral', personRef: childRef, provenance: { agency: 'social-care', sensitivity: 'sensitive', connectorId: 'social-care-sim' } });
    expect(notification?.summary).toMatch(/^Contact from Police \(6\): Police notification: domestic incident .* Outcome: Early help\.$/);
    expect(events.find((e) => e.date === '2022-02-10')).toMatchObject({ eventKind: 'referral', provenance: { sensitivity: 'open' } });
    expect(events.find((e) => e.date === '2022-02-10')?.summary).toContain('Outcome: No further action; signposted to early help.');

    // Mother, step-father and sister, as social care links them.
    const relationships = facts.filter((f) => f.kind === 'relationship').map((f) => [f.relationship, f.relatedRef]).sort();
    expect(relationships).toEqual([['carer', 'Person/CSC000004'], ['parent', 'Person/CSC000003'], ['sibling', 'Person/CSC000002']]);
  });

  it('children with child protection plans and looked-after episodes come through as plan, looked-after and flag facts', async () => {
    const cpEvents = view.events.filter((e) => e.kind === 'cp-plan');
    const lacEvents = view.events.filter((e) => e.kind === 'looked-after');
    expect(cpEvents.length).toBeGreaterThan(0);
    expect(lacEvents.length).toBeGreaterThan(0);
    const subjects = [...new Set([...lacEvents.slice(0, 3), ...cpEvents.slice(0, 4)].flatMap((e) => e.recordIds))];
    const personById = new Map(view.persons.map((p) => [p.recordId, p]));
    let checkedEvents = 0;
    for (const recordId of subjects) {
      const person = personById.get(recordId);
      if (person === undefined) throw new Error(`no person ${recordId}`);
      const query: SubjectQuery = {
        given: [...person.name.given],
        family: person.name.family,
        otherNames: [],
        birthDate: person.birthDate,
        postcode: person.address?.postcode,
        addressLines: [],
        identifiers: person.nhsNumber === undefined ? [] : [{ system: 'nhs-number', value: person.nhsNumber }],
      };
      if (query.birthDate === undefined && query.identifiers.length === 0) continue;
      const facts = await factsFor(query);
      const mine = facts.filter((f) => f.personRef === `Person/${recordId}`);
      for (const event of view.events.filter((e) => e.recordIds.includes(recordId))) {
        const fact = mine.find((f): f is EventFact => f.kind === 'event' && f.provenance.sourceRecordId.endsWith(`/${event.eventId}`));
        expect(fact, `${event.kind} ${event.eventId}`).toBeDefined();
        expect(fact?.date).toBe(event.date);
        expect(fact?.endDate).toBe(event.endDate);
        checkedEvents += 1;
        if (event.kind === 'cp-plan') {
          expect(fact).toMatchObject({ eventKind: 'plan' });
          expect(fact?.summary).toContain(`(${event.cpCategory ?? 'MUL'})`);
          expect(fact?.provenance.sensitivity).not.toBe('open');
          const flag = mine.find((f) => f.kind === 'flag' && f.flagKind === 'child-protection-plan' && f.provenance.sourceRecordId.endsWith(`/${event.eventId}`));
          expect(flag !== undefined, `CP flag for ${event.eventId}`).toBe(event.endDate === undefined || event.endDate > '2026-11-21');
        }
        if (event.kind === 'looked-after') {
          expect(fact).toMatchObject({ eventKind: 'looked-after' });
          expect(fact?.summary).toContain(`(${event.legalStatus ?? ''})`);
        }
      }
      if (person.allocatedWorker !== undefined) {
        const allocation = mine.find((f) => f.kind === 'flag' && f.flagKind === 'allocated-worker');
        expect(allocation).toBeDefined();
        // The worker's name never leaves the simulator.
        expect(JSON.stringify(facts)).not.toContain(person.allocatedWorker);
      }
    }
    expect(checkedEvents).toBeGreaterThan(subjects.length * 3);
  });
});
