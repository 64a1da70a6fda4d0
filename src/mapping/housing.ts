/**
 * Housing mapping: records from the housing REST adapter → facts with provenance.
 *
 * Why this file exists: housing officers are often the only agency inside the home, and what
 * they hold — who lives there, arrears and possession action, anti-social behaviour,
 * homelessness, UKHDS person alerts — must reach the hub in the common model. This is the one
 * place that knows how each housing record becomes a fact. Pure: no I/O, no clock; the same
 * records and context always give the same facts with the same ids (CONVENTIONS.md §6).
 *
 * Mapping decisions:
 * - Person → PersonFact `Person/<personRef>`: the housing person reference as a `local`
 *   identifier (issuer: the connector's source system), the UPRN on the address.
 * - Tenancy → EventFact 'tenancy' on the lead tenant (the tenancy is the household's, and the
 *   lead tenant holds it). Every other member → a PersonFact of their own and a
 *   RelationshipFact from each candidate: 'household-member', except where the record itself
 *   states the tie — the lead tenant's partner is 'partner', and the lead tenant is 'parent'
 *   of a member recorded as their child (and a member recorded as the lead's parent is the
 *   lead's 'parent'). Siblings are not inferred: "child of the lead tenant" may be a step-child.
 * - Rent account → one EventFact 'other' per arrears balance (> £0) in its history, the
 *   amount in the summary, on the first account holder.
 * - Notices → EventFact 'eviction' for every step of the possession process — NOSP, NTQ,
 *   possession order, warrant — on the first tenant served. The model has no "notice" kind,
 *   and a NOSP or NTQ is the legal start of an eviction, which is what a safeguarding reader
 *   needs to see; the summary names the notice and `status` its stage ("served", "withdrawn"
 *   …), so a notice is never read as a completed eviction.
 * - ASB case → EventFact 'incident' on the candidate who is a party, with their role.
 * - Homelessness application → EventFact 'referral' when a public authority referred the
 *   household under the duty to refer (Housing Act 1996 s213B), otherwise 'other' (the
 *   household approached the council itself); on the applicant.
 * - UKHDS person alert → FlagFact, `flagKind` the UKHDS sub-code (e.g. 'SAF2.02').
 *
 * Sensitivity, from the housing system's own markings:
 * - records: `restrictedAccess: true` → restricted; `OFFICIAL-SENSITIVE` → sensitive;
 *   `OFFICIAL` or no marking → open.
 * - alerts (UKHDS `confidentiality_level`): Confidential → restricted; Restricted and Private
 *   → sensitive; Public → open. Safeguarding alerts (category SAF) and alerts holding GDPR
 *   special category data are at least sensitive, whatever their level: safeguarding alerts
 *   default to sensitive.
 *
 * The walk over candidates is the shared skeleton's (skeleton.ts); the parts live under
 * housing/: persons.ts (persons and relationships), events.ts, alerts.ts, sensitivity.ts and
 * values.ts; every export stays available from this module.
 */
import type { HousingPersonRecords, HousingRaw, HousingTenancy } from '../adapters/housing/types.ts';
import type { Fact } from '../model/fact.ts';
import type { FactMaker } from './fact-parts.ts';
import { alertFact } from './housing/alerts.ts';
import { arrearsFacts, asbFact, homelessnessFact, noticeFact, tenancyFact } from './housing/events.ts';
import { applicationHousehold, leadTenant, personFact, tenancyHousehold } from './housing/persons.ts';
import { agencyMapper } from './skeleton.ts';

export { householdRelationship, personFact } from './housing/persons.ts';
export { alertSensitivity, markingSensitivity } from './housing/sensitivity.ts';
export { pounds } from './housing/values.ts';

/** Maps everything the housing adapter found to facts. */
export const mapHousing = agencyMapper<HousingRaw, HousingPersonRecords>({
  agency: 'housing',
  candidates: (raw) => raw.persons,
  // Candidates first: their full records win over the sketch a tenancy gives of a member.
  personsFirst: true,
  person: (records, make) => personFact(records.person, make),
  *records(records, make) {
    const candidate = records.person;
    for (const tenancy of records.tenancies) {
      yield tenancyFact(tenancy, candidate, make);
      yield* tenancyHousehold(tenancy, candidate, make);
    }
    for (const asbCase of records.asbCases) yield asbFact(asbCase, candidate, make);
    for (const application of records.homelessnessApplications) {
      yield homelessnessFact(application, make);
      yield* applicationHousehold(application, candidate, make);
    }
    for (const alert of records.alerts) yield alertFact(alert, candidate, make);
  },
  // A tenancy's rent accounts and notices belong to the household, not to one candidate.
  answer: tenancyRecordFacts,
});

/** Arrears and possession notices of the tenancies found, on the account holder or tenant served (else the lead tenant). */
function* tenancyRecordFacts(raw: HousingRaw, make: FactMaker): Iterable<Fact | undefined> {
  const tenancyByRef = new Map<string, HousingTenancy>();
  for (const records of raw.persons) for (const tenancy of records.tenancies) tenancyByRef.set(tenancy.tenancyRef, tenancy);
  for (const records of raw.tenancies) {
    const tenancy = tenancyByRef.get(records.tenancyRef);
    const fallback = raw.persons.find((p) => p.tenancies.some((t) => t.tenancyRef === records.tenancyRef))?.person.personRef;
    const leadRef = (tenancy === undefined ? undefined : leadTenant(tenancy)?.personRef) ?? fallback;
    for (const account of records.rentAccounts) yield* arrearsFacts(account, account.accountHolders[0] ?? leadRef, make);
    for (const notice of records.notices) yield noticeFact(notice, notice.servedOn[0] ?? leadRef, make);
  }
}
