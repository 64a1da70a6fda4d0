/**
 * A referral: the concern about a child that starts the hub's research (DESIGN.md "Data flow").
 * This is the schema of `POST /v1/referrals`; the gateway parses every body with it.
 */
import { z } from 'zod';
import { Address, HumanName, Identifier, IsoDate, Period, Sex } from './person.ts';
import type { NewLookup } from './lookup.ts';

export const Rag = z.enum(['red', 'amber', 'green']).meta({ description: 'Risk rating: red (product within 4 working hours), amber (1 working day), green (3 working days).' });
export type Rag = z.infer<typeof Rag>;

export const Threshold = z.enum(['child-protection', 'child-in-need', 'early-help']);
export type Threshold = z.infer<typeof Threshold>;

export const SubjectRole = z.enum(['child', 'parent', 'carer', 'sibling', 'household-member', 'other']);

// What a referral says is refused, not trimmed, when it holds a field we do not know: a caller
// whose field is silently dropped believes the hub holds it.
const InputName = HumanName.strict();
const InputAddress = Address.extend({ period: Period.strict().optional() }).strict();

export const Subject = z
  .object({
    /** Caller's own key for this subject, unique within the referral. */
    ref: z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, "_" or "-", at most 40'),
    role: SubjectRole,
    name: InputName,
    otherNames: z.array(InputName).max(10).default([]),
    birthDate: IsoDate.optional(),
    sex: Sex.optional(),
    address: InputAddress.optional(),
    identifiers: z.array(Identifier.strict()).max(10).default([]),
  })
  .strict();
export type Subject = z.infer<typeof Subject>;

export const Consent = z
  .object({
    /** Whether a key person consented to information being sought. */
    obtained: z.boolean(),
    /** Who gave it (role, not name: "mother", "young person"). */
    givenBy: z.string().max(100).optional(),
    recordedAt: z.iso.datetime({ offset: true }).optional(),
    /** Health records need specific consent (common law duty of confidentiality). */
    healthSpecific: z.boolean().default(false),
    notes: z.string().max(1000).optional(),
  })
  .strict();
export type Consent = z.infer<typeof Consent>;

export const ReferralInput = z
  .object({
    /** The referring system's own reference, for its records. */
    externalReference: z.string().min(1).max(100).optional(),
    receivedAt: z.iso.datetime({ offset: true }).optional(),
    concern: z
      .object({
        summary: z.string().min(1).max(4000),
        category: z.string().max(100).optional(),
        referrer: z.object({ agency: z.string().max(100), role: z.string().max(100).optional() }).strict().optional(),
      })
      .strict(),
    rag: Rag,
    threshold: Threshold,
    consent: Consent,
    subjects: z
      .array(Subject)
      .min(1)
      .max(20)
      .refine((subjects) => subjects.some((s) => s.role === 'child'), 'at least one subject must have role "child"')
      .refine((subjects) => new Set(subjects.map((s) => s.ref)).size === subjects.length, 'subject refs must be unique'),
  })
  .strict();
export type ReferralInput = z.infer<typeof ReferralInput>;

export const ReferralStatus = z.enum(['received', 'researching', 'picture-ready', 'failed']);
export type ReferralStatus = z.infer<typeof ReferralStatus>;

export interface NewReferral {
  readonly id: string;
  readonly idempotencyKey: string | null;
  readonly input: ReferralInput;
  readonly receivedAt: Date;
  readonly slaDueAt: Date;
  /** When the referral is flagged at risk of breaching its SLA (a share of its working time used). */
  readonly slaAtRiskAt: Date;
  readonly submittedBy: string;
  readonly lookups: readonly NewLookup[];
}

/** A referral's state without its sealed content: what can be said of it without opening anything. */
export interface ReferralSummary {
  readonly id: string;
  readonly status: ReferralStatus;
  readonly rag: Rag;
  readonly threshold: Threshold;
  readonly receivedAt: Date;
  readonly slaDueAt: Date;
  readonly slaAtRiskAt: Date;
  readonly pictureReadyAt: Date | null;
  readonly externalReference: string | null;
}

export interface ReferralRecord extends ReferralSummary {
  readonly input: ReferralInput;
}
