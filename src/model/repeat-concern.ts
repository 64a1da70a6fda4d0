/**
 * Repeat concerns (DESIGN.md rule 1, "one front door": repeated low-level concerns from different
 * agencies become visible): the rule that flags a child, how a referrer's agency is normalised, and
 * what a referral shows of the child's earlier notifications.
 *
 * Why in the model: intake (which stores the normalised referrer), the store (which counts), the
 * case (which decides what a viewer sees) and configuration all speak of these. Pure: no I/O.
 * docs/decisions.md "Repeat concerns: notifications about a child, counted over the person index".
 */
import { z } from 'zod';
import { AGENCIES, type Agency } from './agency.ts';

/** When a child is flagged: at least `minNotifications` referrals from at least `minAgencies` agencies within `windowMonths`. */
export interface RepeatConcernRule {
  readonly minNotifications: number;
  readonly minAgencies: number;
  readonly windowMonths: number;
}

/** The hub's default: three notifications from two agencies within twelve months. */
export const DEFAULT_REPEAT_CONCERN_RULE: RepeatConcernRule = { minNotifications: 3, minAgencies: 2, windowMonths: 12 };

// Common ways a referrer names a hub agency; anything else is kept as written (trimmed, lower case).
const AGENCY_NAMES: ReadonlyMap<string, Agency> = new Map<string, Agency>([
  ...AGENCIES.map((a): [string, Agency] => [a, a]),
  ['nhs', 'health'],
  ['gp', 'health'],
  ['health visitor', 'health'],
  ['health visiting', 'health'],
  ['hospital', 'health'],
  ['school', 'education'],
  ['schools', 'education'],
  ['nursery', 'education'],
  ['college', 'education'],
  ['police service', 'police'],
  ['constabulary', 'police'],
  ['housing association', 'housing'],
  ['social care', 'social-care'],
  ['socialcare', 'social-care'],
  ["children's social care", 'social-care'],
  ['childrens social care', 'social-care'],
  ["children's services", 'social-care'],
  ['childrens services', 'social-care'],
  ['csc', 'social-care'],
]);

/**
 * A referrer's agency as counted: the hub's agency where the text names one ("Police", "NHS",
 * "Children's Social Care", "social_care"), otherwise the text trimmed, with inner white space
 * collapsed, in lower case; null when there is none. Free text from the referrer, never a person.
 */
export function normaliseReferrerAgency(text: string | undefined): string | null {
  if (text === undefined) return null;
  const plain = text.trim().replace(/\s+/g, ' ').toLowerCase();
  if (plain === '') return null;
  const named = AGENCY_NAMES.get(plain) ?? AGENCY_NAMES.get(plain.replace(/[_-]+/g, ' ')) ?? AGENCY_NAMES.get(plain.replace(/[\s_]+/g, '-'));
  return named ?? plain;
}

/** One notification about the child, as the store counts it. */
export interface Notification {
  readonly referralId: string;
  readonly receivedAt: Date;
  /** The normalised referrer agency; null when the referral named none. */
  readonly agency: string | null;
}

/** Whether notifications reach the rule: enough of them, from enough distinct (named) agencies. */
export function reachesRule(rule: RepeatConcernRule, notifications: readonly Notification[]): { flagged: boolean; agencies: string[] } {
  const agencies = [...new Set(notifications.flatMap((n) => (n.agency === null ? [] : [n.agency])))].sort();
  return { flagged: notifications.length >= rule.minNotifications && agencies.length >= rule.minAgencies, agencies };
}

/** An earlier notification as a viewer sees it: its id only when they may read that referral. */
export const EarlierNotification = z.object({
  referralId: z.string().nullable().meta({ description: 'Null when the caller may not read that referral (need to know): they see that it exists, when, and from which agency.' }),
  receivedAt: z.iso.datetime({ offset: true }),
  agency: z.string().nullable().meta({ description: 'The referrer agency, normalised; null when the referral named none.' }),
});

/** What a referral shows of its child's notifications (`GET /v1/referrals/{id}`, the picture). */
export const RepeatConcernView = z
  .object({
    flagged: z.boolean(),
    /** The child subject the count is about (the one with the most notifications, when the referral names several children). */
    subjectRef: z.string().nullable(),
    /** Referrals about the child within the window ending at this referral's receipt, this one included. */
    notifications: z.number().int().min(0),
    agencies: z.array(z.string()),
    windowMonths: z.number().int(),
    minNotifications: z.number().int(),
    minAgencies: z.number().int(),
    /** The child's other notifications in the window, oldest first. */
    earlier: z.array(EarlierNotification),
  })
  .meta({
    description:
      'Repeat concern (DESIGN.md rule 1): the child named in this referral has at least minNotifications referrals from at least minAgencies agencies within windowMonths ' +
      "ending at this referral's receipt, over the hub person index (a practitioner's confirmed or rejected possible match respected). Null for callers who may not read the picture.",
  });
export type RepeatConcernView = z.infer<typeof RepeatConcernView>;
