/**
 * The household graph on hand-made inputs shaped like the featured family as the five mappers
 * report it: Bobby (the child), Claire his mother, Daniel his step-father (another surname, no
 * parental responsibility), Chloe his sister — plus the cases around them: a step-parent with
 * parental responsibility, a father living elsewhere, a mother's partner elsewhere, a
 * grandmother at depth 2, co-resident children, a hostel address.
 */
import { describe, expect, it } from 'vitest';
import type { Agency } from '../model/agency.ts';
import type { RelationshipFact } from '../model/fact.ts';
import { buildFamily, householdMembersToLookUp, MAX_HOUSEHOLD_SIZE, type CoResidence, type FamilyGraph, type FamilyPerson, type ReportedRelationship } from './family.ts';

const persons: FamilyPerson[] = [
  { personId: 'bobby', birthDate: '2017-03-04' },
  { personId: 'chloe', birthDate: '2014-06-12' },
  { personId: 'claire', birthDate: '1991-02-17' },
  { personId: 'daniel', birthDate: '1987-09-30' },
];

let factNumber = 0;
/** "related is <relationship> of person", as one agency reports it. */
const says = (agency: Agency, person: string, relationship: RelationshipFact['relationship'], related: string): ReportedRelationship => ({
  personId: person, relatedPersonId: related, relationship, agency, factId: `fact-${agency}-${++factNumber}`,
});
const livesAt = (agency: Agency, personId: string, addressKey: string): CoResidence => ({ personId, addressKey, agency, factId: `person-${agency}-${personId}` });

/** What the five mappers report for the featured family (see simulators/population/featured.ts). */
const featured: ReportedRelationship[] = [
  says('health', 'bobby', 'parent', 'claire'), says('health', 'bobby', 'carer', 'daniel'), says('health', 'chloe', 'parent', 'claire'),
  says('education', 'bobby', 'parent', 'claire'), says('education', 'bobby', 'carer', 'daniel'), says('education', 'chloe', 'parent', 'claire'), says('education', 'chloe', 'carer', 'daniel'),
  says('police', 'bobby', 'other', 'claire'), says('police', 'bobby', 'household-member', 'daniel'), says('police', 'claire', 'partner', 'daniel'),
  says('housing', 'bobby', 'parent', 'claire'), says('housing', 'bobby', 'household-member', 'daniel'), says('housing', 'bobby', 'household-member', 'chloe'),
  says('social-care', 'bobby', 'parent', 'claire'), says('social-care', 'bobby', 'carer', 'daniel'), says('social-care', 'bobby', 'sibling', 'chloe'),
];
const home = 'uprn:100090382714';
const featuredAddresses: CoResidence[] = ['bobby', 'chloe', 'claire', 'daniel'].map((p) => livesAt('housing', p, home));

const roles = (graph: FamilyGraph): Record<string, string> => Object.fromEntries(graph.nodes.map((n) => [n.personId, n.role]));

describe('buildFamily: the featured family', () => {
  const graph = buildFamily('bobby', persons, featured, featuredAddresses, { asOf: '2026-11-21' });

  it('gives each person their role: Claire parent, Daniel step-parent, Chloe sibling', () => {
    expect(roles(graph)).toEqual({ bobby: 'child', claire: 'parent', daniel: 'step-parent', chloe: 'sibling' });
    expect(graph.nodes.map((n) => n.personId)).toEqual(['bobby', 'claire', 'daniel', 'chloe']);
    expect(graph.nodes.every((n) => n.depth === (n.personId === 'bobby' ? 0 : 1))).toBe(true);
  });

  it('says which agencies place each person and who lives with the child', () => {
    const node = (id: string) => graph.nodes.find((n) => n.personId === id);
    expect(node('claire')?.sources).toEqual(['education', 'health', 'housing', 'police', 'social-care']);
    expect(node('daniel')).toMatchObject({ coResident: true, sources: ['education', 'health', 'housing', 'police', 'social-care'] });
    expect(node('chloe')?.coResident).toBe(true);
  });

  it("keeps every agency's report on its edge, reported outranking inferred, co-residence marked", () => {
    const edge = (from: string, to: string, relationship: string) => graph.edges.find((e) => e.from === from && e.to === to && e.relationship === relationship);
    expect(edge('claire', 'bobby', 'parent')).toMatchObject({ basis: 'reported', coResident: true });
    // The address facts that make them co-resident are kept apart from the relationship reports.
    expect(edge('daniel', 'bobby', 'carer')?.residence).toEqual([{ agency: 'housing', factId: 'person-housing-bobby' }, { agency: 'housing', factId: 'person-housing-daniel' }]);
    expect(edge('daniel', 'bobby', 'carer')?.sources.map((s) => s.agency)).toEqual(['education', 'health', 'social-care']);
    expect(edge('claire', 'bobby', 'parent')?.sources.map((s) => s.agency)).toEqual(['education', 'health', 'housing', 'social-care']);
    expect(edge('bobby', 'chloe', 'sibling')).toMatchObject({ basis: 'reported', coResident: true });
    expect(edge('bobby', 'chloe', 'sibling')?.sources.map((s) => s.agency)).toEqual(['social-care']);
    // Symmetric edges are stored once, lower id first.
    expect(edge('chloe', 'bobby', 'sibling')).toBeUndefined();
    expect(edge('claire', 'daniel', 'partner')?.sources.map((s) => s.agency)).toEqual(['police']);
  });

  it('the second wave looks up the mother, the step-father and the sister', () => {
    expect(householdMembersToLookUp(graph)).toEqual(['chloe', 'claire', 'daniel']);
  });

  it('is the same whatever order the reports come in', () => {
    expect(buildFamily('bobby', persons, [...featured].reverse(), [...featuredAddresses].reverse(), { asOf: '2026-11-21' })).toEqual(graph);
  });
});

describe('buildFamily: inferences', () => {
  it('infers siblings from a shared parent, with the parent reports as evidence', () => {
    const graph = buildFamily('bobby', persons, [says('health', 'bobby', 'parent', 'claire'), says('education', 'chloe', 'parent', 'claire')], []);
    expect(roles(graph)).toEqual({ bobby: 'child', claire: 'parent', chloe: 'sibling' });
    const sibling = graph.edges.find((e) => e.relationship === 'sibling');
    expect(sibling).toMatchObject({ from: 'bobby', to: 'chloe', basis: 'shared-parent', coResident: false });
    expect(sibling?.sources.map((s) => s.agency)).toEqual(['education', 'health']);
  });

  it('infers siblings from co-resident children (given the day to judge ages on); without it they are household members', () => {
    const addresses = [livesAt('housing', 'bobby', home), livesAt('social-care', 'chloe', home)];
    const judged = buildFamily('bobby', persons, [], addresses, { asOf: '2026-11-21' });
    expect(roles(judged)).toEqual({ bobby: 'child', chloe: 'sibling' });
    const facts = addresses.map((a) => ({ agency: a.agency, factId: a.factId }));
    expect(judged.edges).toEqual([{ from: 'bobby', to: 'chloe', relationship: 'sibling', basis: 'co-resident', coResident: true, sources: facts, residence: facts }]);
    expect(roles(buildFamily('bobby', persons, [], addresses))).toEqual({ bobby: 'child', chloe: 'household-member' });
  });

  it('an adult living at the address with no reported tie is a household member, and looked up', () => {
    const graph = buildFamily('bobby', [...persons, { personId: 'lodger', birthDate: '1970-01-01' }], [], [livesAt('housing', 'bobby', home), livesAt('housing', 'lodger', home)], { asOf: '2026-11-21' });
    expect(roles(graph)).toEqual({ bobby: 'child', lodger: 'household-member' });
    expect(householdMembersToLookUp(graph)).toEqual(['lodger']);
  });

  it('ignores an address shared by more people than a household holds (a hostel, a block keyed by postcode)', () => {
    const crowd = Array.from({ length: MAX_HOUSEHOLD_SIZE }, (_, i) => livesAt('housing', `resident-${i}`, 'hostel'));
    const graph = buildFamily('bobby', persons, [], [livesAt('housing', 'bobby', 'hostel'), ...crowd], { asOf: '2026-11-21' });
    expect(graph.nodes.map((n) => n.personId)).toEqual(['bobby']);
  });
});

describe('buildFamily: who is a parent', () => {
  it('a step-father with parental responsibility (a parent to the school, a carer to health and social care) is a step-parent', () => {
    const reports = [
      says('health', 'bobby', 'parent', 'claire'), says('education', 'bobby', 'parent', 'daniel'), says('health', 'bobby', 'carer', 'daniel'),
      says('social-care', 'bobby', 'carer', 'daniel'), says('police', 'claire', 'partner', 'daniel'),
    ];
    expect(roles(buildFamily('bobby', persons, reports, []))).toEqual({ bobby: 'child', claire: 'parent', daniel: 'step-parent' });
  });

  it('a father living elsewhere is a parent, not co-resident, and looked up', () => {
    const reports = [says('health', 'bobby', 'parent', 'claire'), says('health', 'bobby', 'parent', 'father'), says('education', 'bobby', 'other', 'father')];
    const graph = buildFamily('bobby', persons, reports, [livesAt('housing', 'bobby', home), livesAt('housing', 'claire', home), livesAt('health', 'father', 'uprn:1')]);
    expect(graph.nodes.find((n) => n.personId === 'father')).toMatchObject({ role: 'parent', coResident: false });
    expect(householdMembersToLookUp(graph)).toEqual(['claire', 'father']);
  });

  it("a mother's partner living elsewhere is one step from the child, an associate, and looked up", () => {
    const graph = buildFamily('bobby', persons, [says('health', 'bobby', 'parent', 'claire'), says('police', 'claire', 'partner', 'daniel')], []);
    expect(graph.nodes.find((n) => n.personId === 'daniel')).toMatchObject({ role: 'associate', depth: 1 });
    expect(householdMembersToLookUp(graph)).toEqual(['claire', 'daniel']);
  });

  it("the child's own police associates are associates, and not looked up", () => {
    const graph = buildFamily('bobby', persons, [says('police', 'bobby', 'associate', 'mate')], []);
    expect(roles(graph)).toEqual({ bobby: 'child', mate: 'associate' });
    expect(householdMembersToLookUp(graph)).toEqual([]);
  });
});

describe('buildFamily: depth', () => {
  const reports = [...featured, says('social-care', 'claire', 'parent', 'grandma'), says('education', 'bobby', 'emergency-contact', 'aunt')];

  it('defaults to one step: the grandmother (the mother’s mother) is out, the emergency contact in as other', () => {
    const graph = buildFamily('bobby', persons, reports, featuredAddresses);
    expect(graph.depth).toBe(1);
    expect(roles(graph)).toMatchObject({ aunt: 'other' });
    expect(graph.nodes.some((n) => n.personId === 'grandma')).toBe(false);
    expect(householdMembersToLookUp(graph)).toEqual(['chloe', 'claire', 'daniel']);
  });

  it('at depth 2 takes in the grandmother as other, with the edge that reaches her', () => {
    const graph = buildFamily('bobby', persons, reports, featuredAddresses, { depth: 2 });
    expect(graph.nodes.find((n) => n.personId === 'grandma')).toMatchObject({ role: 'other', depth: 2, sources: ['social-care'] });
    expect(graph.edges.some((e) => e.from === 'grandma' && e.to === 'claire' && e.relationship === 'parent')).toBe(true);
    expect(householdMembersToLookUp(graph)).toEqual(['chloe', 'claire', 'daniel']);
  });

  it('at depth 0 is the child alone; a child no agency relates to anyone is alone too', () => {
    expect(buildFamily('bobby', persons, reports, featuredAddresses, { depth: 0 })).toEqual({ childPersonId: 'bobby', depth: 0, nodes: [{ personId: 'bobby', role: 'child', sources: [], depth: 0, coResident: false }], edges: [] });
    expect(buildFamily('bobby', persons, [], []).nodes).toHaveLength(1);
  });

  it('drops a report of a person related to themselves (two records identity matching has joined)', () => {
    expect(buildFamily('bobby', persons, [says('police', 'bobby', 'other', 'bobby')], []).edges).toEqual([]);
  });
});
