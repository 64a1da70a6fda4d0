/**
 * Housing alerts: UKHDS person alerts → FlagFacts.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); alerts are flags, not
 * events, with their own status and sensitivity rules.
 */
import type { HousingPerson, UkhdsPersonAlert } from '../../adapters/housing/types.ts';
import type { FlagFact } from '../../model/fact.ts';
import type { MappingContext } from '../context.ts';
import { alertSensitivity } from './sensitivity.ts';
import { clip, factId, optional, personRecordId, provenance } from './values.ts';

/** Alert statuses that mean the alert no longer stands. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['Closed', 'Archived']);

/** UKHDS person alert → FlagFact with the UKHDS sub-code as its kind. */
export function alertFact(alert: UkhdsPersonAlert, candidate: HousingPerson, ctx: MappingContext): FlagFact {
  const code = alert.person_alert_code;
  const sourceRecordId = `PersonAlert/${alert.person_alert_id}`;
  const name = code.alert_subname === undefined || code.alert_subname === null || code.alert_subname.trim() === '' ? code.alert_name : `${code.alert_name} — ${code.alert_subname}`;
  const description = alert.alert_description?.trim();
  const end = alert.end_date ?? undefined;
  const active = alert.is_active && !ENDED_STATUSES.has(alert.alert_status ?? 'Open');
  return {
    id: factId(ctx, sourceRecordId, 'flag'),
    kind: 'flag',
    personRef: personRecordId(candidate.personRef),
    provenance: provenance(ctx, sourceRecordId, alert.last_updated, alertSensitivity(alert)),
    flagKind: code.alert_subcode,
    summary: clip(`${code.alert_subcode} ${name}${description === undefined || description === '' ? '' : `: ${description}`}`, 500),
    period: { start: alert.start_date, ...optional('end', end) },
    status: active ? 'active' : 'inactive',
  };
}
