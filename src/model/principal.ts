/** Who is calling: the verified claims of a bearer token. */
import { z } from 'zod';
import { Agency } from './agency.ts';

export const ROLES = ['referral-intake', 'hub-practitioner', 'hub-manager', 'connector-admin', 'host-system', 'auditor'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** The claims we require of a token, beyond signature, issuer, audience and expiry. */
export const PrincipalClaims = z
  .object({
    sub: z.string().min(1).max(200),
    role: Role,
    agency: Agency.optional(),
  })
  .refine((c) => (c.role !== 'hub-practitioner' && c.role !== 'connector-admin') || c.agency !== undefined, {
    message: 'hub-practitioner and connector-admin tokens must name an agency',
    path: ['agency'],
  });

export type Principal = z.infer<typeof PrincipalClaims>;
