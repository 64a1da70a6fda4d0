/**
 * Housing alerts: UKHDS person alerts → FlagFacts.
 *
 * Why this file exists: split out of housing.ts (house file-size limit); alerts are flags, not
 * events, with their own status and sensitivity rules.
 */
import type { HousingPerson, UkhdsPersonAlert } from '../../adapters/housing/types.ts';
import type { FlagFact } from '../../model/fact.ts';
import type { FactMaker } from '../fact-parts.ts';
import { alertSensitivity } from './sensitivity.ts';
import { optional, personRecordId } from './values.ts';

/** Alert statuses that mean the alert no longer stands. */
const ENDED_STATUSES: ReadonlySet<string> = new Set(['Closed', 'Archived']);

/** UKHDS person alert → FlagFact with the UKHDS sub-code as its kind. */
export function alertFact(alert: UkhdsPersonAlert, candidate: HousingPerson, make: FactMaker): FlagFact {
  const code = alert.person_alert_code;
  const sourceRecordId = `PersonAlert/${alert.person_alert_id}`;
  const name = code.alert_subname === undefined || code.alert_subname === null || code.alert_subname.trim() === '' ? code.alert_name : `${code.alert_name} — ${code.alert_subname}`;
  const description = alert.alert_description?.trim();
  const end = alert.end_date ?? undefined;
  const active = alert.is_active && !ENDED_STATUSES.has(alert.alert_status ?? 'Open');
  return make.flag(
    { sourceRecordId, personRef: personRecordId(candidate.personRef), sensitivity: alertSensitivity(alert), sourceUpdatedAt: alert.last_updated },
    {
      flagKind: code.alert_subcode,
      summary: `${code.alert_subcode} ${name}${description === undefined || description === '' ? '' : `: ${description}`}`,
      period: { start: alert.start_date, ...optional('end', end) },
      status: active ? 'active' : 'inactive',
    },
  );
}
