/**
 * The synthetic population's children's social care view as the case-system API serves it
 * (contracts/social-care), with the indexes its person search needs.
 *
 * Why this file exists: the population generator describes what social care holds in its own
 * terms (`SocialCareView`); the API speaks CIN census and SSDA903 terms. This is the
 * translation: genders as CIN GenderCurrent codes, contact sources as CIN ReferralSource codes
 * (read from how each contact's text names its source), outcomes as the contract's outcome
 * codes with the case system's own words kept, CP plans with their category of abuse,
 * looked-after episodes with SSDA903 legal status, placement and provider, allocated workers
 * as team, role and worker id (never a name), and family links from both ends under one id.
 * Synthetic data only.
 */
import { createHash } from 'node:crypto';
import type { AgencyLink, SocialCareEvent, SocialCareLinkKind, SocialCarePerson, SocialCareView } from '../population/index.ts';

/** The contract's Name. */
export interface ApiName {
  readonly given: readonly string[];
  readonly family: string;
}

/** The contract's Person. */
export interface ApiPerson {
  readonly personId: string;
  readonly name: ApiName;
  readonly knownAs: readonly ApiName[];
  readonly personBirthDate?: string;
  readonly genderCurrent: '0' | '1' | '2' | '9';
  readonly nhsNumber?: string;
  readonly upn?: string;
  readonly address?: { readonly lines: readonly string[]; readonly town?: string; readonly postcode?: string; readonly uprn?: string };
  readonly role: 'child' | 'adult';
  readonly allocatedWorker?: { readonly workerId: string; readonly workerRole: string; readonly team: string; readonly allocatedOn: string };
  readonly recordMarking?: string;
  readonly lastUpdated: string;
}

/** Any item of a person-scoped collection: an id, a date to sort by, and the JSON the API serves. */
export interface ApiItem {
  readonly id: string;
  readonly sortDate: string;
  readonly json: Readonly<Record<string, unknown>>;
}

/** The API's person-scoped collections, by endpoint path. */
export const COLLECTIONS = ['contacts', 'assessments', 'section47-enquiries', 'cin-plans', 'child-protection-plans', 'looked-after-episodes', 'relationships'] as const;
export type Collection = (typeof COLLECTIONS)[number];

/** Everything the simulator serves, indexed for search. */
export interface SocialCareRecords {
  readonly people: ReadonlyMap<string, ApiPerson>;
  /** Lower-cased family names (own and known-as) → person ids. */
  readonly byFamily: ReadonlyMap<string, readonly string[]>;
  readonly byNhsNumber: ReadonlyMap<string, readonly string[]>;
  readonly byUpn: ReadonlyMap<string, readonly string[]>;
  readonly byBirthDate: ReadonlyMap<string, readonly string[]>;
  /** Person id → collection → items, newest first. */
  readonly collections: ReadonlyMap<string, ReadonlyMap<Collection, readonly ApiItem[]>>;
}

const GENDER_CURRENT = { male: '1', female: '2', unknown: '0' } as const;

/** Translates the view and builds the indexes (linear in the view's size). */
export function socialCareRecords(view: SocialCareView): SocialCareRecords {
  const eventsByPerson = new Map<string, SocialCareEvent[]>();
  for (const event of view.events) for (const recordId of event.recordIds) push(eventsByPerson, recordId, event);

  const people = new Map<string, ApiPerson>();
  const byFamily = new Map<string, string[]>();
  const byNhsNumber = new Map<string, string[]>();
  const byUpn = new Map<string, string[]>();
  const byBirthDate = new Map<string, string[]>();
  for (const source of view.persons) {
    const person = apiPerson(source, eventsByPerson.get(source.recordId) ?? []);
    people.set(person.personId, person);
    for (const family of new Set([person.name.family, ...person.knownAs.map((n) => n.family)].map((f) => f.toLowerCase()))) push(byFamily, family, person.personId);
    if (person.nhsNumber !== undefined) push(byNhsNumber, person.nhsNumber, person.personId);
    if (person.upn !== undefined) push(byUpn, person.upn.toUpperCase(), person.personId);
    if (person.personBirthDate !== undefined) push(byBirthDate, person.personBirthDate, person.personId);
  }

  const collections = new Map<string, Map<Collection, ApiItem[]>>();
  const itemsOf = (personId: string, collection: Collection): ApiItem[] => {
    let byCollection = collections.get(personId);
    if (byCollection === undefined) {
      byCollection = new Map();
      collections.set(personId, byCollection);
    }
    let items = byCollection.get(collection);
    if (items === undefined) {
      items = [];
      byCollection.set(collection, items);
    }
    return items;
  };
  for (const [personId, events] of eventsByPerson) {
    for (const event of events) {
      const item = apiEvent(event, events);
      itemsOf(personId, item.collection).push(item.item);
    }
  }
  for (const [index, link] of view.links.entries()) {
    for (const end of linkEnds(link, index, people)) itemsOf(end.personId, 'relationships').push(end.item);
  }
  for (const byCollection of collections.values()) {
    for (const items of byCollection.values()) items.sort((a, b) => (a.sortDate === b.sortDate ? a.id.localeCompare(b.id) : b.sortDate.localeCompare(a.sortDate)));
  }
  return { people, byFamily, byNhsNumber, byUpn, byBirthDate, collections };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function apiPerson(source: SocialCarePerson, events: readonly SocialCareEvent[]): ApiPerson {
  const address = source.address;
  return {
    personId: source.recordId,
    name: { given: source.name.given, family: source.name.family },
    knownAs: source.otherNames.map((n) => ({ given: n.given, family: n.family })),
    ...(source.birthDate === undefined ? {} : { personBirthDate: source.birthDate }),
    genderCurrent: GENDER_CURRENT[source.sex],
    ...(source.nhsNumber === undefined ? {} : { nhsNumber: source.nhsNumber }),
    ...(source.upn === undefined ? {} : { upn: source.upn }),
    ...(address === undefined ? {} : { address: { lines: address.lines, town: address.town, postcode: address.postcode, ...(address.uprn === undefined ? {} : { uprn: address.uprn }) } }),
    role: source.role,
    ...(source.allocatedWorker === undefined ? {} : { allocatedWorker: allocation(source.allocatedWorker, source, events) }),
    lastUpdated: `${source.updatedOn}T09:00:00Z`,
  };
}

/** Roles drawn for allocated workers, most often a social worker. */
const ROLES = ['social-worker', 'social-worker', 'social-worker', 'senior-social-worker', 'advanced-practitioner'] as const;

/**
 * The allocated worker as the contract carries it: an id and role derived from the (synthetic)
 * name, the team that holds the child's open work, and the day the open work began.
 */
function allocation(workerName: string, person: SocialCarePerson, events: readonly SocialCareEvent[]): NonNullable<ApiPerson['allocatedWorker']> {
  const digest = createHash('sha256').update(workerName).digest();
  const open = events.filter((e) => (e.kind === 'cp-plan' || e.kind === 'cin-plan' || e.kind === 'looked-after') && e.endDate === undefined);
  const team = open.some((e) => e.kind === 'looked-after') ? 'Children Looked After Team'
    : open.some((e) => e.kind === 'cp-plan') ? 'Child Protection and Court Team'
      : 'Child in Need Team';
  const since = open.map((e) => e.date).sort()[0] ?? person.updatedOn;
  return {
    workerId: `SW-${String(digest.readUInt16BE(0) % 10_000).padStart(4, '0')}`,
    workerRole: ROLES[(digest[2] ?? 0) % ROLES.length] ?? 'social-worker',
    team,
    allocatedOn: since,
  };
}

/** CIN census ReferralSource from how the contact's text names who made it. */
function referralSource(text: string): string {
  if (/^(police notification|reported missing)/i.test(text)) return '6';
  if (/^hospital referral/i.test(text)) return '3E';
  const from = /^contact from ([a-z ]+?)(?::| raising| about|$)/i.exec(text)?.[1]?.toLowerCase();
  const byName: Readonly<Record<string, string>> = { school: '2A', police: '6', gp: '3A', 'health visitor': '3B', hospital: '3E', anonymous: '9', neighbour: '1B', housing: '4', parent: '1A' };
  return (from === undefined ? undefined : byName[from]) ?? '10';
}

const OUTCOME_CODES: Readonly<Record<string, string>> = {
  'no further action': 'NFA',
  'information and advice': 'INFORMATION_ADVICE',
  'early help': 'EARLY_HELP',
  "referral to children's social care": 'REFERRAL',
  assessment: 'ASSESSMENT',
  'cin plan': 'CIN_PLAN',
  'strategy discussion': 'STRATEGY_DISCUSSION',
  'initial child protection conference': 'ICPC',
  'return home interview': 'RETURN_HOME_INTERVIEW',
};

/** The record's outcome as a contract code, keeping the text's fuller wording ("No further action; signposted to early help"). */
function outcome(event: SocialCareEvent): { code: string; text?: string } | undefined {
  if (event.outcome === undefined) return undefined;
  const code = OUTCOME_CODES[event.outcome.toLowerCase()] ?? 'OTHER';
  const said = /Outcome: (.+?)\.?$/.exec(event.text)?.[1];
  const text = said !== undefined && said !== event.outcome ? said : code === 'OTHER' ? event.outcome : undefined;
  return { code, ...(text === undefined ? {} : { text }) };
}

/** The text without its trailing "Outcome: …" sentence (the outcome has its own field). */
const summaryOf = (text: string): string => text.replace(/\s*Outcome: .*$/, '').trim() || text;

/** Placement provider implied by the placement type (own-LA foster care, private children's homes). */
const PROVIDER: Readonly<Record<string, string>> = { U1: 'PR1', U2: 'PR1', U3: 'PR1', U4: 'PR1', U5: 'PR1', U6: 'PR1', K2: 'PR4' };

function apiEvent(event: SocialCareEvent, personEvents: readonly SocialCareEvent[]): { collection: Collection; item: ApiItem } {
  const marking = { recordMarking: event.sensitivity };
  const item = (collection: Collection, json: Record<string, unknown>): { collection: Collection; item: ApiItem } => ({
    collection,
    item: { id: event.eventId, sortDate: event.date, json: { id: event.eventId, ...json, ...marking } },
  });
  const result = outcome(event);
  const withOutcome = result === undefined ? {} : { outcome: result };
  switch (event.kind) {
    case 'contact':
    case 'referral':
      return item('contacts', {
        recordType: event.kind,
        date: event.date,
        referralSource: referralSource(event.text),
        ...(event.primaryNeed === undefined ? {} : { primaryNeedCode: event.primaryNeed }),
        ...withOutcome,
        summary: summaryOf(event.text),
      });
    case 'assessment':
      return item('assessments', {
        assessmentActualStartDate: event.date,
        ...(event.endDate === undefined ? {} : { assessmentAuthorisationDate: event.endDate }),
        ...withOutcome,
        summary: summaryOf(event.text),
      });
    case 'section-47':
      return item('section47-enquiries', {
        s47ActualStartDate: event.date,
        icpcNotRequired: result?.code !== 'ICPC',
        ...withOutcome,
        summary: summaryOf(event.text),
      });
    case 'cin-plan':
      return item('cin-plans', { cinPlanStartDate: event.date, ...(event.endDate === undefined ? {} : { cinPlanEndDate: event.endDate }), summary: event.text });
    case 'cp-plan':
      // The generator always gives a category; MUL ("multiple/not recommended") stands in otherwise.
      return item('child-protection-plans', {
        cppStartDate: event.date,
        ...(event.endDate === undefined ? {} : { cppEndDate: event.endDate }),
        initialCategoryOfAbuse: event.cpCategory ?? 'MUL',
        latestCategoryOfAbuse: event.cpCategory ?? 'MUL',
        summary: event.text,
      });
    case 'looked-after': {
      const need = personEvents.filter((e) => e.kind === 'referral' && e.primaryNeed !== undefined && /^N[1-8]$/.test(e.primaryNeed) && e.date <= event.date).map((e) => e.primaryNeed).at(-1);
      const provider = event.placement === undefined ? undefined : PROVIDER[event.placement];
      return item('looked-after-episodes', {
        startDate: event.date,
        reasonForNewEpisode: 'S',
        legalStatus: event.legalStatus ?? 'V2',
        ...(need === undefined ? {} : { categoryOfNeed: need }),
        placement: event.placement ?? 'Z1',
        ...(provider === undefined ? {} : { placementProvider: provider }),
        ...(event.endDate === undefined ? {} : { endDate: event.endDate }),
        summary: event.text,
      });
    }
    default:
      return event.kind satisfies never;
  }
}

/** What "to" is to "from", for a link read "from is <relationship> of to". */
const INVERSE: Readonly<Record<SocialCareLinkKind, string>> = {
  mother: 'child',
  father: 'child',
  'step-parent': 'step-child',
  grandparent: 'grandchild',
  sibling: 'sibling',
  partner: 'partner',
  'household-member': 'household-member',
};

/** A link as each of its two ends sees it, under one id: "related is <relationship> of person". */
function linkEnds(link: AgencyLink<SocialCareLinkKind>, index: number, people: ReadonlyMap<string, ApiPerson>): { personId: string; item: ApiItem }[] {
  const from = people.get(link.fromRecordId);
  const to = people.get(link.toRecordId);
  if (from === undefined || to === undefined) return [];
  const id = `REL${String(index + 1).padStart(6, '0')}`;
  const related = (p: ApiPerson): Record<string, unknown> => ({ personId: p.personId, name: p.name, ...(p.personBirthDate === undefined ? {} : { personBirthDate: p.personBirthDate }) });
  const sortDate = '0000-00-00';
  return [
    { personId: to.personId, item: { id, sortDate, json: { id, relationship: link.relationship, relatedPerson: related(from) } } },
    { personId: from.personId, item: { id, sortDate, json: { id, relationship: INVERSE[link.relationship], relatedPerson: related(to) } } },
  ];
}
