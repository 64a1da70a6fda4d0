/**
 * The one skeleton of an agency mapper: for each candidate person the adapter found, in its
 * order, the person fact first, then what their records say — relationships (and the people
 * they name), events, flags — each fact built with its id and provenance from the mapping
 * context (fact-parts.ts); then the facts of the answer as a whole. A fact id names one fact, so
 * a repeat is kept once, the first time it is seen; and no fact about a candidate is less
 * sensitive than the candidate's floor (a restricted record restricts everything about its
 * person: DESIGN.md rule 2, the owner keeps the duty of care).
 *
 * Why this file exists: the five mappers (health, police, education, housing, social care)
 * each walked their candidates, collected and de-duplicated facts and raised sensitivities the
 * same way, in five copies. The walk is the hub's; each mapper now supplies only its agency's
 * parts — what a candidate is, how their record becomes a person, what their records say, in
 * what order. Pure (CONVENTIONS.md §6): the same records and context always give the same facts,
 * in the same order, with the same ids.
 */
import type { Agency, Sensitivity } from '../model/agency.ts';
import type { Fact, PersonFact } from '../model/fact.ts';
import type { MappingContext } from './context.ts';
import { atLeast, factMaker, type FactMaker } from './fact-parts.ts';

/** One agency's parts, for the skeleton to walk. `Raw` is the adapter's answer; `Candidate` one person in it. */
export interface AgencyMapping<Raw, Candidate> {
  /** The agency whose records these are; every fact's provenance names it. */
  readonly agency: Agency;
  /** The candidate people of the answer, in the order the agency gave them. */
  candidates(raw: Raw): Iterable<Candidate>;
  /** The candidate's own record as a person fact; undefined when it carries no usable name. */
  person(candidate: Candidate, make: FactMaker): PersonFact | undefined;
  /** What the candidate's records say, in the agency's order: relationships and the people they name, events, flags. */
  records(candidate: Candidate, make: FactMaker): Iterable<Fact | undefined>;
  /** The least sensitivity of every fact about the candidate (their own record's restriction); open when absent. */
  floor?(candidate: Candidate): Sensitivity;
  /**
   * Every candidate's person fact before any candidate's records: a candidate's full record then
   * wins over the sketch another candidate's records give of them (housing: a tenancy's members).
   */
  readonly personsFirst?: boolean;
  /**
   * Facts of the answer as a whole, after every candidate's: records that belong to no one
   * candidate (housing: a tenancy's rent account), or sketches of related people that must lose
   * to a candidate's full record (social care).
   */
  answer?(raw: Raw, make: FactMaker): Iterable<Fact | undefined>;
}

/** The mapper of an agency: its raw answer and the lookup's context in, facts out. */
export type AgencyMapper<Raw> = (raw: Raw, ctx: MappingContext) => Fact[];

/** The agency's mapper: the skeleton, walking the agency's parts (see the header). */
export function agencyMapper<Raw, Candidate>(mapping: AgencyMapping<Raw, Candidate>): AgencyMapper<Raw> {
  return (raw, ctx) => {
    const make = factMaker(mapping.agency, ctx);
    const facts = new FactList();
    const candidates = [...mapping.candidates(raw)];
    const floorOf = (candidate: Candidate): Sensitivity => mapping.floor?.(candidate) ?? 'open';
    if (mapping.personsFirst === true) for (const candidate of candidates) facts.add(mapping.person(candidate, make), floorOf(candidate));
    for (const candidate of candidates) {
      const floor = floorOf(candidate);
      if (mapping.personsFirst !== true) facts.add(mapping.person(candidate, make), floor);
      for (const fact of mapping.records(candidate, make)) facts.add(fact, floor);
    }
    for (const fact of mapping.answer?.(raw, make) ?? []) facts.add(fact, 'open');
    return facts.list;
  };
}

/** Facts in the order first seen, each id once. */
class FactList {
  readonly list: Fact[] = [];
  readonly #seen = new Set<string>();

  /** Keeps the fact, raised to `floor`, unless a fact of the same id came first. */
  add(fact: Fact | undefined, floor: Sensitivity): void {
    if (fact === undefined || this.#seen.has(fact.id)) return;
    this.#seen.add(fact.id);
    this.list.push(atLeast(fact, floor));
  }
}
