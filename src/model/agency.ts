/** The partner agencies of a MASH (DESIGN.md "Users"). */
import { z } from 'zod';

export const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'] as const;
export const Agency = z.enum(AGENCIES);
export type Agency = z.infer<typeof Agency>;

/** Sensitivity of an item, mapped from the source's own marking (FHIR confidentiality, police handling codes). */
export const Sensitivity = z.enum(['open', 'sensitive', 'restricted']);
export type Sensitivity = z.infer<typeof Sensitivity>;
