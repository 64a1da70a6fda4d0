/**
 * Health sensitivity and provenance: FHIR `meta.security` (v3-Confidentiality) → the hub's
 * sensitivity, for a clinical record and for a patient's own record, and a record's `meta` as
 * where its facts come from.
 *
 * Why this file exists: split out of health.ts (house file-size limit); the sensitivity rules
 * are read and reviewed on their own. Re-exported from ../health.ts.
 */
import { z } from 'zod';
import { CONFIDENTIALITY_SYSTEM, type FhirMeta } from '../../adapters/fhir/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import type { FactSource } from '../fact-parts.ts';

/**
 * The sensitivity of a patient's demographic record. On a Patient, v3-Confidentiality R is how
 * the NHS marks a restricted record (PDS: a "sensitive patient", whose address and GP are
 * withheld because revealing where they are could put them at risk); V is stronger still. Both
 * make the record, and every fact the hub derives about that patient, `restricted`: a visit, a
 * flag or a relative's address can say where the patient is as surely as the address would. It
 * is never revealed to the hub without the owning agency's practitioner (DESIGN.md rule 2).
 */
export function patientSensitivity(meta: FhirMeta | undefined): Sensitivity {
  return (meta?.security ?? []).some((c) => c.system === CONFIDENTIALITY_SYSTEM && (c.code === 'R' || c.code === 'V')) ? 'restricted' : 'open';
}

/**
 * `meta.security` v3-Confidentiality → sensitivity of a clinical record (an encounter, a
 * condition…): U, L, M, N open; R sensitive; V restricted. The most restrictive marking wins; no
 * marking is open (FHIR's default is normal). A patient's own record is read by
 * `patientSensitivity`.
 */
export function sensitivityOf(meta: FhirMeta | undefined): Sensitivity {
  let result: Sensitivity = 'open';
  for (const coding of meta?.security ?? []) {
    if (coding.system !== CONFIDENTIALITY_SYSTEM) continue;
    if (coding.code === 'V') return 'restricted';
    if (coding.code === 'R') result = 'sensitive';
  }
  return result;
}

const Instant = z.iso.datetime({ offset: true });

/** A FHIR resource as the source of a fact about `personRef`: its marking, and `meta.lastUpdated` when it is an instant. */
export function healthSource(sourceRecordId: string, personRef: string, meta: FhirMeta | undefined): FactSource {
  const updated = meta?.lastUpdated === undefined ? undefined : Instant.safeParse(meta.lastUpdated);
  return { sourceRecordId, personRef, sensitivity: sensitivityOf(meta), sourceUpdatedAt: updated?.success === true ? updated.data : undefined };
}
