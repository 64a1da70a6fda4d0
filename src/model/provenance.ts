/**
 * Provenance: where a fact came from. DESIGN.md "The common model": a fact without
 * provenance cannot exist — every field here is required except those a source may not give.
 */
import { z } from 'zod';
import { Agency, Sensitivity } from './agency.ts';

export const LawfulBasis = z.enum([
  // Children Act 1989 s47: enquiries where a child is suffering or likely to suffer significant harm.
  'children-act-1989-s47',
  // Children Act 1989 s17: child in need.
  'children-act-1989-s17',
  // Early help: consent of a key person (and specific consent for health records).
  'consent',
]);
export type LawfulBasis = z.infer<typeof LawfulBasis>;

export const Provenance = z.object({
  agency: Agency,
  connectorId: z.string().min(1),
  sourceSystem: z.string().min(1),
  sourceRecordId: z.string().min(1),
  lookupId: z.string().min(1),
  retrievedAt: z.iso.datetime({ offset: true }),
  sourceUpdatedAt: z.iso.datetime({ offset: true }).optional(),
  lawfulBasis: LawfulBasis,
  sensitivity: Sensitivity,
  /** For person-level facts: how sure we are this record is the referred person, 0..1. */
  matchConfidence: z.number().min(0).max(1).optional(),
});
export type Provenance = z.infer<typeof Provenance>;
