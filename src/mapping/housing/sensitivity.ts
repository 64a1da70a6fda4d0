/**
 * Housing sensitivity: a housing record's protective marking, and a UKHDS alert's
 * confidentiality level, → the hub's sensitivity (the rules are in housing.ts's header).
 *
 * Why this file exists: split out of housing.ts (house file-size limit); the sensitivity rules
 * are read and reviewed on their own. Re-exported from ../housing.ts.
 */
import type { UkhdsPersonAlert } from '../../adapters/housing/types.ts';
import type { Sensitivity } from '../../model/agency.ts';
import { SENSITIVITY_RANK } from '../fact-parts.ts';

const RANK = SENSITIVITY_RANK;
const atLeast = (a: Sensitivity, b: Sensitivity): Sensitivity => (RANK[a] >= RANK[b] ? a : b);

/** A housing record's marking → sensitivity (see the header of ../housing.ts). */
export function markingSensitivity(record: { readonly protectiveMarking?: 'OFFICIAL' | 'OFFICIAL-SENSITIVE' | undefined; readonly restrictedAccess?: boolean | undefined }): Sensitivity {
  if (record.restrictedAccess === true) return 'restricted';
  return record.protectiveMarking === 'OFFICIAL-SENSITIVE' ? 'sensitive' : 'open';
}

const CONFIDENTIALITY: Readonly<Record<UkhdsPersonAlert['confidentiality_level'], Sensitivity>> = {
  Public: 'open',
  Private: 'sensitive',
  Restricted: 'sensitive',
  Confidential: 'restricted',
};

/** A UKHDS alert's confidentiality level → sensitivity, safeguarding and special category data at least sensitive. */
export function alertSensitivity(alert: UkhdsPersonAlert): Sensitivity {
  let sensitivity = CONFIDENTIALITY[alert.confidentiality_level];
  if (alert.person_alert_code.alert_code.startsWith('SAF')) sensitivity = atLeast(sensitivity, 'sensitive');
  const special = alert.special_category_data_type?.category_code;
  if (special !== undefined && special !== 'NONE') sensitivity = atLeast(sensitivity, 'sensitive');
  return sensitivity;
}
