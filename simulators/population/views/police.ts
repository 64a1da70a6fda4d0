/**
 * The police view: nominals, incidents, crimes, warning markers, associates and intelligence,
 * as a records management system behind the SOAP simulator would hold them.
 *
 * Why: police know only some adults and a few teenagers, record them the least carefully
 * (nicknames, initials, swapped birth dates, no NHS numbers ever) and mark every item with a
 * handling code — 1 may be disseminated, 5 may not leave the force without the originator —
 * in the spirit of the 3x5x2 intelligence model, which the hub's firewall must respect.
 */
import { addYears, ageOn, isoOf, REFERENCE_DAY } from '../dates.ts';
import type { PlannedIncident } from '../plan.ts';
import type { HandlingCode, PoliceEvent, PoliceEventKind, PoliceIncidentType, PoliceLinkKind, PoliceNominal, AgencyLink, WarningMarker } from '../types.ts';
import { addressOn } from '../world.ts';
import type { WorldPerson } from '../world.ts';
import { noisyRecord, recordedAddress, recordEventTruth } from './common.ts';
import type { BuildContext } from './common.ts';

const CRIMES = [
  'Theft from a shop', 'Criminal damage', 'Assault occasioning actual bodily harm', 'Common assault', 'Possession of a controlled drug (Class B)',
  'Possession with intent to supply (Class A)', 'Burglary (dwelling)', 'Public order offence (s4A)', 'Driving whilst disqualified', 'Harassment',
] as const;

const INTEL = [
  'Information suggests subject is supplying cannabis from the home address.',
  'Subject reported to associate with known county-lines nominals.',
  'Subject believed to be carrying a bladed weapon.',
  'Information indicates subject is using threats towards a former partner.',
  'Subject seen frequenting an address linked to child exploitation concerns.',
  'Vehicle linked to subject seen at locations of interest late at night.',
] as const;

const MARKERS: Readonly<Record<string, string>> = { VI: 'Violent', WE: 'Weapons', DR: 'Drugs', MH: 'Mental health', SH: 'Self-harm', DA: 'Domestic abuse perpetrator', ES: 'Escaper' };

/** Builds the police view for generated households. */
export function buildPolice(ctx: BuildContext): { nominals: PoliceNominal[]; links: AgencyLink<PoliceLinkKind>[]; events: PoliceEvent[] } {
  const { world, plan, rng } = ctx;
  const nominals: PoliceNominal[] = [];
  const links: AgencyLink<PoliceLinkKind>[] = [];
  const events: PoliceEvent[] = [];
  const nominalOf = new Map<string, string>();
  const suspectsOfDa = new Set<string>();

  // Who police know.
  const known = new Set<string>();
  for (const incident of plan.incidents) {
    if (!incident.agencies.includes('police')) continue;
    for (const [id, role] of incident.roles) {
      if (role === 'child-present' && !rng.chance(0.4)) continue;
      known.add(id);
      if (incident.kind === 'domestic-abuse' && role === 'suspect') suspectsOfDa.add(id);
    }
  }
  for (const p of world.persons) {
    if (p.householdId === world.featuredHouseholdId) continue;
    if (p.pncId !== undefined) known.add(p.id);
    else if (ageOn(p.birthDay, REFERENCE_DAY) >= 18 && rng.chance(0.04)) known.add(p.id);
  }

  const offenders: WorldPerson[] = [];
  for (const p of world.persons) {
    if (!known.has(p.id) || p.householdId === world.featuredHouseholdId) continue;
    const traits = world.traits.get(p.id);
    const copies = rng.chance(0.02) ? 2 : 1; // duplicate nominals happen
    for (let copy = 0; copy < copies; copy++) {
      const recordId = world.ids.draw('NOM', 6);
      const { base, dropIdentifier } = noisyRecord(ctx, 'police', p, recordId, { holdsIdentifier: p.pncId !== undefined, withUprn: false });
      const markers: WarningMarker[] = [];
      const since = (): string => isoOf(rng.int(Math.max(addYears(p.birthDay, 14), REFERENCE_DAY - 10 * 365), REFERENCE_DAY - 1));
      if (traits?.offender === true && rng.chance(0.3)) markers.push({ code: 'VI', label: MARKERS.VI ?? '', since: since() });
      if (traits?.offender === true && rng.chance(0.1)) markers.push({ code: 'WE', label: MARKERS.WE ?? '', since: since() });
      if (traits?.substanceMisuse === true) markers.push({ code: 'DR', label: MARKERS.DR ?? '', since: since() });
      if (traits?.mentalHealth === true && rng.chance(0.3)) markers.push({ code: 'MH', label: MARKERS.MH ?? '', since: since() });
      if (suspectsOfDa.has(p.id)) markers.push({ code: 'DA', label: MARKERS.DA ?? '', since: since() });
      nominals.push({ ...base, ...(p.pncId !== undefined && !dropIdentifier ? { pncId: p.pncId } : {}), warningMarkers: copy === 0 ? markers : [] });
      if (copy === 0) nominalOf.set(p.id, recordId);
    }
    if (traits?.offender === true) offenders.push(p);
  }

  // Links between nominals.
  for (const r of world.relationships) {
    const a = nominalOf.get(r.fromId);
    const b = nominalOf.get(r.toId);
    if (a === undefined || b === undefined) continue;
    if (r.kind === 'partner') links.push({ fromRecordId: a, toRecordId: b, relationship: 'partner' });
    else if (r.kind === 'parent' || r.kind === 'step-parent' || r.kind === 'sibling' || r.kind === 'half-sibling' || r.kind === 'grandparent') links.push({ fromRecordId: a, toRecordId: b, relationship: 'family' });
    else links.push({ fromRecordId: a, toRecordId: b, relationship: 'household' });
  }
  for (const p of offenders) {
    for (let i = rng.int(0, 2); i > 0; i--) {
      const other = rng.pick(offenders);
      const a = nominalOf.get(p.id);
      const b = nominalOf.get(other.id);
      if (other.id !== p.id && a !== undefined && b !== undefined) links.push({ fromRecordId: a, toRecordId: b, relationship: 'associate' });
    }
  }

  const emit = (kind: PoliceEventKind, people: readonly (readonly [WorldPerson, string])[], day: number, handling: HandlingCode, text: string, extra: Partial<PoliceEvent>, incident?: PlannedIncident): void => {
    const roles: Record<string, string> = {};
    const recordIds: string[] = [];
    const personIds: string[] = [];
    for (const [p, role] of people) {
      const rid = nominalOf.get(p.id);
      if (rid === undefined) continue;
      roles[rid] = role;
      recordIds.push(rid);
      personIds.push(p.id);
    }
    if (recordIds.length === 0) return;
    const eventId = world.ids.draw(kind === 'incident' ? 'INC' : kind === 'crime' ? 'CRI' : 'INT', 7);
    events.push({ eventId, kind, recordIds, date: isoOf(day), sensitivity: handling, text, roles, ...extra });
    recordEventTruth(ctx, 'police', eventId, personIds, incident);
  };
  const locationOf = (p: WorldPerson, day: number): Partial<PoliceEvent> => {
    const a = addressOn(world, p, day);
    return a === undefined ? {} : { location: recordedAddress(a, false) };
  };

  for (const incident of plan.incidents) {
    if (!incident.agencies.includes('police')) continue;
    const people = [...incident.roles].map(([id, role]) => [world.personById.get(id), role] as const).filter((x): x is readonly [WorldPerson, typeof x[1]] => x[0] !== undefined);
    const first = people[0]?.[0];
    if (first === undefined) continue;
    const type: PoliceIncidentType = incident.kind === 'domestic-abuse' ? 'domestic-abuse' : incident.kind === 'missing-person' ? 'missing-person' : 'asb';
    const labelled = people.map(([p, role]) => [p, role === 'child-present' ? 'child present' : role === 'missing-person' ? 'missing person' : role] as const);
    if (incident.kind === 'domestic-abuse') {
      const kids = people.filter(([, r]) => r === 'child-present').length;
      const risk = rng.pick(['standard', 'medium', 'high']);
      emit('incident', labelled, incident.day, kids > 0 ? 2 : 1, `Domestic incident at home address. Victim reports ${incident.injury ?? 'assault'}. ${kids > 0 ? `${kids} child(ren) present.` : 'No children present.'} DASH risk: ${risk}.`, { incidentType: type, ...locationOf(first, incident.day) }, incident);
      if (rng.chance(0.5)) {
        emit('crime', labelled.filter(([, r]) => r === 'victim' || r === 'suspect'), incident.day, 2, 'Crime recorded from domestic incident: assault occasioning actual bodily harm.', { crimeType: 'Assault occasioning actual bodily harm (domestic)' }, incident);
      }
    } else if (incident.kind === 'missing-person') {
      emit('incident', labelled, incident.day, 1, 'Reported missing by carer after failing to return home. Located next day; no injuries reported.', { incidentType: type, ...locationOf(first, incident.day) }, incident);
    } else if (incident.kind === 'asb') {
      emit('incident', labelled, incident.day, 1, 'Neighbour complaint: noise and verbal abuse in communal area.', { incidentType: type, ...locationOf(first, incident.day) }, incident);
    }
  }

  for (const p of offenders) {
    const from = Math.max(addYears(p.birthDay, 14), REFERENCE_DAY - 12 * 365);
    if (from >= REFERENCE_DAY) continue;
    for (let i = rng.int(1, 4); i > 0; i--) {
      const crime = rng.pick(CRIMES);
      emit('crime', [[p, 'suspect']], rng.int(from, REFERENCE_DAY - 1), rng.weighted([[1, 50], [2, 35], [3, 15]] as const), `${crime}. Suspect interviewed; outcome recorded.`, { crimeType: crime });
    }
    for (let i = rng.int(0, 3); i > 0; i--) {
      const handling = rng.weighted([[1, 10], [2, 30], [3, 30], [4, 18], [5, 12]] as const);
      emit('intelligence', [[p, 'subject']], rng.int(Math.max(from, REFERENCE_DAY - 5 * 365), REFERENCE_DAY - 1), handling, rng.pick(INTEL), {
        sourceGrading: rng.pick(['A', 'B', 'B', 'C', 'C', 'D', 'E'] as const), intelligenceGrading: rng.pick([1, 2, 2, 3, 3, 4, 5] as const),
      });
    }
  }
  for (const p of world.persons) {
    if (!nominalOf.has(p.id) || world.traits.get(p.id)?.mentalHealth !== true || ageOn(p.birthDay, REFERENCE_DAY) < 12 || !rng.chance(0.3)) continue;
    const day = rng.int(Math.max(addYears(p.birthDay, 12), REFERENCE_DAY - 6 * 365), REFERENCE_DAY - 1);
    emit('incident', [[p, 'subject']], day, 2, 'Concern for welfare: family worried about low mood; officers attended, subject safe.', { incidentType: 'concern-for-welfare', ...locationOf(p, day) });
  }
  return { nominals, links, events };
}
