/** People as agencies describe them: names, birth date, sex, identifiers and addresses. */
import { z } from 'zod';

/** Calendar date, YYYY-MM-DD, checked to be a real day. */
export const IsoDate = z.iso.date();

export const IdentifierSystem = z.enum(['nhs-number', 'upn', 'pnc-id', 'uprn', 'local']);
export type IdentifierSystem = z.infer<typeof IdentifierSystem>;

export const Identifier = z.object({
  system: IdentifierSystem,
  value: z.string().min(1).max(64),
  /** For `local` identifiers: whose system issued it. */
  issuer: z.string().min(1).max(120).optional(),
});
export type Identifier = z.infer<typeof Identifier>;

export const HumanName = z.object({
  given: z.array(z.string().min(1).max(100)).min(1).max(5),
  family: z.string().min(1).max(100),
  use: z.enum(['usual', 'official', 'nickname', 'maiden', 'old']).optional(),
});
export type HumanName = z.infer<typeof HumanName>;

export const Period = z.object({ start: IsoDate.optional(), end: IsoDate.optional() });
export type Period = z.infer<typeof Period>;

export const Address = z.object({
  lines: z.array(z.string().min(1).max(200)).max(6).default([]),
  town: z.string().max(100).optional(),
  postcode: z.string().max(10).optional(),
  uprn: z.string().regex(/^\d{1,12}$/).optional(),
  period: Period.optional(),
});
export type Address = z.infer<typeof Address>;

export const Sex = z.enum(['female', 'male', 'other', 'unknown']);
export type Sex = z.infer<typeof Sex>;
