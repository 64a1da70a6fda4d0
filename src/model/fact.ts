/**
 * Facts: everything an agency says, as typed items that each carry Provenance.
 * Facts name people by `personRef` — the agency's own record id for that person — until
 * identity matching links them to hub persons.
 */
import { z } from 'zod';
import { Provenance } from './provenance.ts';
import { Address, HumanName, Identifier, IsoDate, Period, Sex } from './person.ts';

export const PersonRef = z.string().min(1).max(200);

const factBase = {
  id: z.string().min(1),
  personRef: PersonRef,
  provenance: Provenance,
};

export const PersonFact = z.object({
  ...factBase,
  kind: z.literal('person'),
  names: z.array(HumanName).min(1),
  birthDate: IsoDate.optional(),
  sex: Sex.optional(),
  identifiers: z.array(Identifier).default([]),
  addresses: z.array(Address).default([]),
});

export const RelationshipType = z.enum(['parent', 'carer', 'sibling', 'household-member', 'partner', 'associate', 'emergency-contact', 'other']);

export const RelationshipFact = z.object({
  ...factBase,
  kind: z.literal('relationship'),
  relationship: RelationshipType,
  /** The other person: their agency record id where known, and the name the agency gives. */
  relatedRef: PersonRef,
  relatedName: HumanName.optional(),
  relatedBirthDate: IsoDate.optional(),
  /** Whether the related person holds parental responsibility, where the source says (education contacts). */
  parentalResponsibility: z.boolean().optional(),
  period: Period.optional(),
});

export const EventKind = z.enum([
  'incident', 'crime', 'attendance', 'admission', 'appointment', 'exclusion', 'absence', 'tenancy', 'eviction',
  'referral', 'assessment', 'plan', 'looked-after', 'diagnosis', 'episode-of-care', 'other',
]);

export const EventFact = z.object({
  ...factBase,
  kind: z.literal('event'),
  eventKind: EventKind,
  date: IsoDate,
  endDate: IsoDate.optional(),
  summary: z.string().min(1).max(500),
  detail: z.string().max(4000).optional(),
  status: z.string().max(60).optional(),
});

export const FlagFact = z.object({
  ...factBase,
  kind: z.literal('flag'),
  flagKind: z.string().min(1).max(60),
  summary: z.string().min(1).max(500),
  period: Period.optional(),
  status: z.enum(['active', 'inactive']).default('active'),
});

export const Fact = z.discriminatedUnion('kind', [PersonFact, RelationshipFact, EventFact, FlagFact]);
export type Fact = z.infer<typeof Fact>;
export type PersonFact = z.infer<typeof PersonFact>;
export type RelationshipFact = z.infer<typeof RelationshipFact>;
export type EventFact = z.infer<typeof EventFact>;
export type FlagFact = z.infer<typeof FlagFact>;
export type FactKind = Fact['kind'];
