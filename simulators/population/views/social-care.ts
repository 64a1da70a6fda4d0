/**
 * The children's social care view: children and the adults around them, contacts and
 * referrals with outcomes, assessments, section 47 enquiries, child in need and child
 * protection plans (CIN census categories of abuse), looked-after episodes (SSDA903 legal
 * status and placement codes) and allocated workers.
 *
 * Why: social care is the hub's host agency and knows only a minority of families, but knows
 * them in depth; its plans are mirrored elsewhere (health CP-IS flag, housing SAF2.01 alert),
 * and police notifications of domestic incidents arrive here as contacts.
 */
import { ageOn, isoOf, REFERENCE_DAY } from '../dates.ts';
import { SOCIAL_WORKERS } from '../names.ts';
import type { CareEpisode } from '../plan.ts';
import type { AgencyLink, SimpleMarking, SocialCareEvent, SocialCareLinkKind, SocialCarePerson } from '../types.ts';
import type { WorldPerson } from '../world.ts';
import { noisyRecord, recordEventTruth } from './common.ts';
import type { BuildContext } from './common.ts';

const CATEGORY_TEXT = { NEG: 'neglect', PHY: 'physical abuse', SAB: 'sexual abuse', EMO: 'emotional abuse', MUL: 'multiple categories' } as const;

/** Sensitivity of a care episode in social care's own open/sensitive/restricted terms. */
function markingOf(e: CareEpisode): SimpleMarking {
  switch (e.kind) {
    case 'contact':
      return e.outcome === 'No further action' || e.outcome === 'Information and advice' ? 'open' : 'sensitive';
    case 'section-47':
      return 'restricted';
    case 'cp-plan':
      return e.category === 'SAB' ? 'restricted' : 'sensitive';
    case 'referral':
    case 'assessment':
    case 'cin-plan':
    case 'looked-after':
      return 'sensitive';
    default:
      return e.kind satisfies never;
  }
}

function textOf(e: CareEpisode): string {
  switch (e.kind) {
    case 'cp-plan':
      return `Child protection plan, category: ${e.category === undefined ? 'not recorded' : CATEGORY_TEXT[e.category]}.`;
    case 'looked-after':
      return `Became looked after (legal status ${e.legalStatus ?? '?'}, placement ${e.placement ?? '?'}).`;
    case 'contact':
      return `${e.text} Outcome: ${e.outcome ?? 'not recorded'}.`;
    case 'referral':
    case 'assessment':
    case 'section-47':
    case 'cin-plan':
      return e.outcome === undefined ? e.text : `${e.text} Outcome: ${e.outcome}.`;
    default:
      return e.kind satisfies never;
  }
}

/** Builds the social care view for generated households. */
export function buildSocialCare(ctx: BuildContext): { persons: SocialCarePerson[]; links: AgencyLink<SocialCareLinkKind>[]; events: SocialCareEvent[] } {
  const { world, plan, rng } = ctx;
  const persons: SocialCarePerson[] = [];
  const links: AgencyLink<SocialCareLinkKind>[] = [];
  const events: SocialCareEvent[] = [];
  const recordOf = new Map<string, string>();

  // Known: children with episodes, plus the adults and siblings of their household.
  const subjects = new Set(plan.care.map((e) => e.childId));
  const known: WorldPerson[] = [];
  const seen = new Set<string>();
  for (const h of world.households) {
    if (h.id === world.featuredHouseholdId || !h.memberIds.some((id) => subjects.has(id))) continue;
    for (const id of h.memberIds) {
      const p = world.personById.get(id);
      if (p === undefined || seen.has(id) || p.role === 'lodger') continue;
      seen.add(id);
      known.push(p);
    }
  }
  for (const p of known) recordOf.set(p.id, world.ids.draw('CSC', 6));

  const openWork = new Set(plan.care.filter((e) => (e.kind === 'cp-plan' || e.kind === 'cin-plan' || e.kind === 'looked-after') && e.endDay === undefined).map((e) => e.childId));
  for (const p of known) {
    const recordId = recordOf.get(p.id);
    if (recordId === undefined) continue;
    const child = ageOn(p.birthDay, REFERENCE_DAY) < 18;
    const holdsUpn = child && p.upn !== undefined && rng.chance(0.6);
    const holdsNhs = rng.chance(child ? 0.5 : 0.15);
    const { base, dropIdentifier } = noisyRecord(ctx, 'social-care', p, recordId, { holdsIdentifier: holdsUpn || holdsNhs, withUprn: true });
    persons.push({
      ...base,
      role: child ? 'child' : 'adult',
      ...(openWork.has(p.id) ? { allocatedWorker: rng.pick(SOCIAL_WORKERS) } : {}),
      ...(holdsUpn && !dropIdentifier && p.upn !== undefined ? { upn: p.upn } : {}),
      ...(holdsNhs && !dropIdentifier ? { nhsNumber: p.nhsNumber } : {}),
    });
  }

  for (const r of world.relationships) {
    const a = recordOf.get(r.fromId);
    const b = recordOf.get(r.toId);
    const from = world.personById.get(r.fromId);
    if (a === undefined || b === undefined || from === undefined) continue;
    const relationship: SocialCareLinkKind = r.kind === 'parent' ? (from.sex === 'female' ? 'mother' : 'father')
      : r.kind === 'step-parent' ? 'step-parent' : r.kind === 'sibling' || r.kind === 'half-sibling' ? 'sibling'
        : r.kind === 'grandparent' ? 'grandparent' : r.kind === 'partner' ? 'partner' : 'household-member';
    links.push({ fromRecordId: a, toRecordId: b, relationship });
  }

  for (const e of plan.care) {
    const recordId = recordOf.get(e.childId);
    if (recordId === undefined || e.householdId === world.featuredHouseholdId) continue;
    const eventId = world.ids.draw('CSE', 7);
    const incident = e.incidentId === undefined ? undefined : ctx.incidentById.get(e.incidentId);
    events.push({
      eventId, kind: e.kind, recordIds: [recordId], date: isoOf(e.day), ...(e.endDay === undefined ? {} : { endDate: isoOf(e.endDay) }),
      sensitivity: markingOf(e), text: textOf(e),
      ...(e.outcome === undefined ? {} : { outcome: e.outcome }),
      ...(e.category === undefined ? {} : { cpCategory: e.category }),
      ...(e.primaryNeed === undefined ? {} : { primaryNeed: e.primaryNeed }),
      ...(e.legalStatus === undefined ? {} : { legalStatus: e.legalStatus }),
      ...(e.placement === undefined ? {} : { placement: e.placement }),
    });
    recordEventTruth(ctx, 'social-care', eventId, [e.childId], incident);
  }
  return { persons, links, events };
}
