/**
 * Family: the household graph around a referred child, from the relationships every agency
 * reports and the addresses people share, after identity resolution (inputs name hub persons).
 *
 * Why this file exists: no agency holds the whole household. Health knows the mother and the
 * step-father as RelatedPersons, the school knows who holds parental responsibility, housing
 * knows who lives at the tenancy, police know who is whose partner. Put side by
 * side they say who the child lives with and whose records the second wave must search. Pure:
 * no I/O, no clock; the same inputs give the same graph.
 *
 * Direction follows RelationshipFact: a report `{ personId, relatedPersonId, relationship }`
 * says "relatedPersonId is <relationship> of personId"; an edge `{ from, to, relationship }`
 * says "from is <relationship> of to" (Claire is parent of Bobby). Symmetric relationships
 * (sibling, partner, household-member, associate, other) are stored once, lower id first.
 *
 * Inferred, and marked so:
 * - siblings: two people with a parent in common (`shared-parent`), and two children living at
 *   the same address where neither parents the other (`co-resident`; needs `asOf` and birth
 *   dates to tell who is a child);
 * - co-residence: people whose current address has the same key (a UPRN or a full normalised
 *   address — never a postcode alone). An address shared by more than MAX_HOUSEHOLD_SIZE people
 *   is a hostel or a block, not a household, and is ignored.
 * - a parent's partner is one step from the child, whatever the reports say: whoever a child's
 *   parent is in a relationship with belongs to the child's household network (in domestic abuse,
 *   the first person a MASH checks).
 */
import type { Agency } from '../model/agency.ts';
import type { RelationshipFact } from '../model/fact.ts';

type RelationshipType = RelationshipFact['relationship'];

/** What a person is to the child. */
export type FamilyRole = 'child' | 'parent' | 'step-parent' | 'carer' | 'sibling' | 'household-member' | 'associate' | 'other';

/** A hub person, with what the graph needs of them. */
export interface FamilyPerson {
  readonly personId: string;
  readonly birthDate?: string | undefined;
}

/** One agency's report: "relatedPersonId is <relationship> of personId", in hub person ids. */
export interface ReportedRelationship {
  readonly personId: string;
  readonly relatedPersonId: string;
  readonly relationship: RelationshipType;
  readonly agency: Agency;
  readonly factId: string;
}

/** One agency's report that a person's current address has this key. */
export interface CoResidence {
  readonly personId: string;
  /** A UPRN or a full normalised address; never a postcode alone. */
  readonly addressKey: string;
  readonly agency: Agency;
  /** The fact that gave the address (the PersonFact). */
  readonly factId: string;
}

export interface FamilySource {
  readonly agency: Agency;
  readonly factId: string;
}

/** How the hub knows an edge: an agency said so, or it follows from what agencies said. */
export type EdgeBasis = 'reported' | 'shared-parent' | 'co-resident';

export interface FamilyEdge {
  /** "from is <relationship> of to"; symmetric relationships have the lower id as `from`. */
  readonly from: string;
  readonly to: string;
  readonly relationship: RelationshipType;
  readonly basis: EdgeBasis;
  /** The facts behind it: the reports, or those it was inferred from. */
  readonly sources: readonly FamilySource[];
  /** Both people have a current address with the same key. */
  readonly coResident: boolean;
  /** The facts that give them that address (empty when they do not share one). */
  readonly residence: readonly FamilySource[];
}

export interface FamilyNode {
  readonly personId: string;
  readonly role: FamilyRole;
  /** Agencies whose reports (relationships or a shared address) place this person in the graph. */
  readonly sources: readonly Agency[];
  /** Steps from the child (0 for the child). */
  readonly depth: number;
  /** Shares a current address with the child. */
  readonly coResident: boolean;
}

export interface FamilyGraph {
  readonly childPersonId: string;
  readonly depth: number;
  readonly nodes: readonly FamilyNode[];
  readonly edges: readonly FamilyEdge[];
}

export interface FamilyOptions {
  /** How many steps from the child to include; default 1. */
  readonly depth?: number;
  /** The day ages are judged on (YYYY-MM-DD); without it, co-resident children are not inferred to be siblings. */
  readonly asOf?: string;
}

/** An address with more people than this is not one household. */
export const MAX_HOUSEHOLD_SIZE = 12;

const SYMMETRIC: ReadonlySet<RelationshipType> = new Set(['sibling', 'partner', 'household-member', 'associate', 'other']);

/** The roles whose own records the second wave searches. */
const LOOK_UP_ROLES: ReadonlySet<FamilyRole> = new Set(['parent', 'step-parent', 'carer', 'sibling', 'household-member']);

/**
 * The household graph around the child, to `options.depth` steps (default 1). Every person
 * within reach gets a role relative to the child (see `roleOf`); every edge between two of them
 * is kept with its sources.
 */
export function buildFamily(
  childPersonId: string,
  persons: readonly FamilyPerson[],
  relationships: readonly ReportedRelationship[],
  coResidence: readonly CoResidence[],
  options: FamilyOptions = {},
): FamilyGraph {
  const depth = Math.max(0, Math.floor(options.depth ?? 1));
  const birthDate = new Map(persons.flatMap((p) => (p.birthDate === undefined ? [] : [[p.personId, p.birthDate] as const])));
  const edges = new Map<string, MutableEdge>();
  const edge = (from: string, to: string, relationship: RelationshipType, basis: EdgeBasis): MutableEdge => {
    const [a, b] = SYMMETRIC.has(relationship) && to < from ? [to, from] : [from, to];
    const key = `${a}\u0000${b}\u0000${relationship}`;
    const existing = edges.get(key);
    if (existing !== undefined) {
      // A reported edge outranks the same edge inferred.
      if (basis === 'reported') existing.basis = 'reported';
      return existing;
    }
    const created: MutableEdge = { from: a, to: b, relationship, basis, sources: [], coResident: false, residence: [] };
    edges.set(key, created);
    return created;
  };

  for (const r of relationships) {
    if (r.personId === r.relatedPersonId) continue;
    addSource(edge(r.relatedPersonId, r.personId, r.relationship, 'reported'), r);
  }

  // Co-residence: who shares a current address key, and on whose facts.
  const residents = new Map<string, CoResidence[]>();
  for (const c of coResidence) residents.set(c.addressKey, [...(residents.get(c.addressKey) ?? []), c]);
  const coResidents = new Map<string, FamilySource[]>();
  for (const reports of residents.values()) {
    const people = [...new Set(reports.map((r) => r.personId))].sort(compare);
    if (people.length < 2 || people.length > MAX_HOUSEHOLD_SIZE) continue;
    for (const [i, a] of people.entries()) {
      for (const b of people.slice(i + 1)) {
        const key = pairKey(a, b);
        coResidents.set(key, [...(coResidents.get(key) ?? []), ...reports.filter((r) => r.personId === a || r.personId === b).map(sourceOf)]);
      }
    }
  }

  // Siblings through a shared parent (the parent's reports are the evidence).
  const parentsOf = new Map<string, MutableEdge[]>();
  for (const e of edges.values()) if (e.relationship === 'parent') parentsOf.set(e.from, [...(parentsOf.get(e.from) ?? []), e]);
  for (const children of parentsOf.values()) {
    for (const [i, a] of children.entries()) {
      for (const b of children.slice(i + 1)) {
        if (a.to === b.to) continue;
        const sibling = edge(a.to, b.to, 'sibling', 'shared-parent');
        // A reported edge keeps its own reports as sources; the inference adds nothing to it.
        if (sibling.basis === 'shared-parent') for (const s of [...a.sources, ...b.sources]) addSource(sibling, s);
      }
    }
  }

  // Co-residence on the edges: marked where an edge exists, a household-member edge where none does;
  // co-resident children who do not parent one another are siblings.
  const isParentEdge = (a: string, b: string): boolean => [...edges.values()].some((e) => (e.relationship === 'parent' || e.relationship === 'carer') && ((e.from === a && e.to === b) || (e.from === b && e.to === a)));
  const isChild = (id: string): boolean => {
    const born = birthDate.get(id);
    return options.asOf !== undefined && born !== undefined && born > addYears(options.asOf, -18);
  };
  for (const [key, sources] of coResidents) {
    const [a, b] = key.split('\u0000') as [string, string];
    const existing = [...edges.values()].filter((e) => pairKey(e.from, e.to) === key);
    if (isChild(a) && isChild(b) && !isParentEdge(a, b)) existing.push(edge(a, b, 'sibling', 'co-resident'));
    if (existing.length === 0) existing.push(edge(a, b, 'household-member', 'co-resident'));
    for (const e of existing) {
      e.coResident = true;
      e.residence = sources;
      if (e.basis === 'co-resident') for (const s of sources) addSource(e, s);
    }
  }

  const all = [...edges.values()];
  const depthOf = reach(childPersonId, all, depth);
  const nodes: FamilyNode[] = [...depthOf].map(([personId, steps]) => {
    const touching = all.filter((e) => (e.from === personId || e.to === personId) && depthOf.has(e.from) && depthOf.has(e.to));
    const agencies = new Set(touching.flatMap((e) => [...e.sources, ...e.residence].map((s) => s.agency)));
    return {
      personId,
      role: roleOf(personId, childPersonId, all, coResidents),
      sources: [...agencies].sort(compare),
      depth: steps,
      coResident: coResidents.has(pairKey(personId, childPersonId)),
    };
  });
  const kept = all
    .filter((e) => depthOf.has(e.from) && depthOf.has(e.to))
    .map((e): FamilyEdge => ({ ...e, sources: sortSources(e.sources), residence: sortSources(e.residence) }))
    .sort((x, y) => compare(x.from, y.from) || compare(x.to, y.to) || compare(x.relationship, y.relationship));
  nodes.sort((x, y) => x.depth - y.depth || ROLE_ORDER.indexOf(x.role) - ROLE_ORDER.indexOf(y.role) || compare(x.personId, y.personId));
  return { childPersonId, depth, nodes, edges: kept };
}

/**
 * The people whose own records the second wave should search: the child's parents, step-parents,
 * carers, siblings and household members, and any partner of a parent.
 */
export function householdMembersToLookUp(graph: FamilyGraph): string[] {
  const parents = new Set(graph.nodes.filter((n) => n.role === 'parent').map((n) => n.personId));
  const partnersOfParents = new Set(
    graph.edges.filter((e) => e.relationship === 'partner').flatMap((e) => (parents.has(e.from) ? [e.to] : parents.has(e.to) ? [e.from] : [])),
  );
  return graph.nodes
    .filter((n) => n.personId !== graph.childPersonId && (LOOK_UP_ROLES.has(n.role) || partnersOfParents.has(n.personId)))
    .map((n) => n.personId)
    .sort(compare);
}

// ---------------------------------------------------------------------------------------------
// Roles and reach
// ---------------------------------------------------------------------------------------------

const ROLE_ORDER: readonly FamilyRole[] = ['child', 'parent', 'step-parent', 'carer', 'sibling', 'household-member', 'associate', 'other'];

interface MutableEdge {
  from: string;
  to: string;
  relationship: RelationshipType;
  basis: EdgeBasis;
  sources: FamilySource[];
  coResident: boolean;
  residence: readonly FamilySource[];
}

/**
 * What a person is to the child, from the edges between them (agencies counted once each):
 * 1. parent — agencies that call them a parent are at least as many as those that call them a
 *    carer (education calls whoever holds parental responsibility a parent; health and social
 *    care call a step-parent a carer, so a step-parent with parental responsibility stays one);
 * 2. step-parent — a partner of the child's parent who cares for, or lives with, the child;
 * 3. carer — called parent or carer by any agency;
 * 4. sibling — reported, or sharing a parent, or a co-resident child;
 * 5. household-member — reported, or living at the child's address;
 * 6. associate — the child's partner or associate, or a parent's partner living elsewhere;
 * 7. other — anyone else within reach (grandparents, emergency contacts, relatives).
 */
function roleOf(personId: string, child: string, edges: readonly MutableEdge[], coResidents: ReadonlyMap<string, readonly FamilySource[]>): FamilyRole {
  if (personId === child) return 'child';
  const between = edges.filter((e) => (e.from === personId && e.to === child) || (e.from === child && e.to === personId));
  const agenciesSaying = (relationship: RelationshipType, directed: boolean): number =>
    new Set(between.filter((e) => e.relationship === relationship && (!directed || e.from === personId)).flatMap((e) => e.sources.map((s) => s.agency))).size;
  const parentVotes = agenciesSaying('parent', true);
  const carerVotes = agenciesSaying('carer', true);
  const has = (relationship: RelationshipType): boolean => between.some((e) => e.relationship === relationship);
  const livesWithChild = coResidents.has(pairKey(personId, child));
  const childParents = new Set(edges.filter((e) => e.relationship === 'parent' && e.to === child).map((e) => e.from));
  const partnerOfParent = edges.some((e) => e.relationship === 'partner' && ((e.from === personId && childParents.has(e.to)) || (e.to === personId && childParents.has(e.from))));

  if (parentVotes > 0 && parentVotes >= carerVotes && !(partnerOfParent && carerVotes > 0)) return 'parent';
  if (partnerOfParent && (carerVotes > 0 || parentVotes > 0 || has('household-member') || livesWithChild)) return 'step-parent';
  if (carerVotes > 0 || parentVotes > 0) return 'carer';
  if (has('sibling')) return 'sibling';
  if (has('household-member') || livesWithChild) return 'household-member';
  if (partnerOfParent || has('partner') || has('associate')) return 'associate';
  return 'other';
}

/** Breadth-first steps from the child over every edge, a parent's partner counting as one step. */
function reach(child: string, edges: readonly MutableEdge[], depth: number): Map<string, number> {
  const neighbours = new Map<string, Set<string>>();
  const link = (a: string, b: string): void => {
    neighbours.set(a, (neighbours.get(a) ?? new Set()).add(b));
    neighbours.set(b, (neighbours.get(b) ?? new Set()).add(a));
  };
  for (const e of edges) link(e.from, e.to);
  const parents = new Set(edges.filter((e) => e.relationship === 'parent' && e.to === child).map((e) => e.from));
  for (const e of edges) {
    if (e.relationship !== 'partner') continue;
    if (parents.has(e.from) && e.to !== child) link(child, e.to);
    if (parents.has(e.to) && e.from !== child) link(child, e.from);
  }
  const steps = new Map<string, number>([[child, 0]]);
  let frontier = [child];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      for (const n of [...(neighbours.get(id) ?? [])].sort(compare)) {
        if (steps.has(n)) continue;
        steps.set(n, d);
        next.push(n);
      }
    }
    frontier = next;
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function addSource(e: MutableEdge, source: FamilySource): void {
  if (!e.sources.some((s) => s.agency === source.agency && s.factId === source.factId)) e.sources.push({ agency: source.agency, factId: source.factId });
}

const sourceOf = (c: CoResidence): FamilySource => ({ agency: c.agency, factId: c.factId });

/** Sources in a fixed order, each once. */
function sortSources(sources: readonly FamilySource[]): FamilySource[] {
  const unique = new Map(sources.map((s) => [`${s.agency}\u0000${s.factId}`, s]));
  return [...unique.values()].sort((x, y) => compare(x.agency, y.agency) || compare(x.factId, y.factId));
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`);

/** The same day `years` years on (29 February → 28 February). */
function addYears(isoDate: string, years: number): string {
  const [y, m, d] = isoDate.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y + years, m - 1, d));
  if (date.getUTCDate() !== d) date.setUTCDate(0);
  return date.toISOString().slice(0, 10);
}

/** Locale-independent string order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
