/**
 * UKHDS person alerts for the housing simulator: the code list, and each population alert as
 * the UKHDS `person_alert` record a housing system would serve (snake_case, the schema's own
 * names), with its code, source-type and special-category rows expanded.
 *
 * Why this file exists: the population holds an alert as a sub-code, a raised-on date, a status
 * and a simple marking; a real system holds the whole UKHDS record — numeric ids, the
 * confidentiality level, who reported it, whether the resident was told, a review date. The
 * code list comes from contracts/housing/ukhds-person-alert-codes.json (read from the UKHDS SQL;
 * test/housing/ukhds-sql.ts), parsed at start-up, never trusted as typed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { HousingPersonAlert, IsoDate, SimpleMarking } from '../population/index.ts';

const CODE_LIST_PATH = join(import.meta.dirname, '../../contracts/housing/ukhds-person-alert-codes.json');

const CodeRow = z.object({
  person_alert_code_id: z.number().int(),
  alert_code: z.string(),
  alert_subcode: z.string(),
  alert_category_id: z.number().int(),
  alert_name: z.string(),
  alert_subname: z.string().nullable(),
  is_critical: z.boolean(),
  is_awaab_relevant: z.boolean(),
  repairs_impact: z.enum(['High', 'Medium', 'Low', 'None']).nullable(),
  support_required: z.string().nullable(),
});
const SourceType = z.object({ source_type_id: z.number().int(), source_code: z.string(), source_name: z.string(), description: z.string().nullable() });
const SpecialCategory = z.object({ special_category_data_id: z.number().int(), category_code: z.string(), category_name: z.string(), description: z.string().nullable() });
const CodeList = z.object({
  categories: z.array(z.object({ alert_category_id: z.number().int(), alert_category_name: z.string() })),
  sourceTypes: z.array(SourceType),
  specialCategoryDataTypes: z.array(SpecialCategory),
  codes: z.array(CodeRow),
});
export type UkhdsCodeList = z.infer<typeof CodeList>;

/** The UKHDS code list the contract carries. */
export function loadCodeList(): UkhdsCodeList {
  return CodeList.parse(JSON.parse(readFileSync(CODE_LIST_PATH, 'utf8')));
}

/** A person alert as served: UKHDS `person_alert` with its lookup rows expanded. */
export interface ServedPersonAlert {
  readonly person_alert_id: number;
  readonly person_id: number;
  readonly person_alert_code_id: number;
  readonly person_alert_code: z.infer<typeof CodeRow> & { readonly alert_category_name: string };
  readonly source_type_id: number | null;
  readonly source_type: z.infer<typeof SourceType> | null;
  readonly organisation_id: null;
  readonly created_by_user_id: number;
  readonly source_details: string | null;
  readonly alert_description: string | null;
  readonly informed_resident: boolean;
  readonly alert_progress: 'Unknown';
  readonly alert_duration_type: 'Long Term';
  readonly alert_duration: null;
  readonly start_date: IsoDate;
  readonly end_date: IsoDate | null;
  readonly review_date: IsoDate | null;
  readonly is_active: boolean;
  readonly alert_status: 'Open' | 'Closed';
  readonly last_updated: string;
  readonly updated_by_user_id: null;
  readonly confidentiality_level: 'Public' | 'Restricted' | 'Confidential';
  readonly special_category_data_id: number | null;
  readonly special_category_data_type: z.infer<typeof SpecialCategory> | null;
}

/** open → Public (all housing staff); sensitive → Restricted (safeguarding or medical staff); restricted → Confidential. */
const CONFIDENTIALITY: Readonly<Record<SimpleMarking, ServedPersonAlert['confidentiality_level']>> = { open: 'Public', sensitive: 'Restricted', restricted: 'Confidential' };

/** Who usually reports alerts of each UKHDS category prefix (UKHDS source_types codes). */
const SOURCE_BY_PREFIX: Readonly<Record<string, string>> = { MED: 'GP', MH: 'GP', PREG: 'GP', AGE: 'HO', RISK: 'HO', SAF1: 'POL', SAF2: 'SW', SAF3: 'SW', COMM: 'SELF' };

/** Builds served alerts; `alertId` gives each its `person_alert_id`. */
export function createAlertBuilder(codes: UkhdsCodeList): (alert: HousingPersonAlert, personId: number, alertId: number) => ServedPersonAlert {
  const bySubcode = new Map(codes.codes.map((c) => [c.alert_subcode, c]));
  const categoryName = new Map(codes.categories.map((c) => [c.alert_category_id, c.alert_category_name]));
  const sourceByCode = new Map(codes.sourceTypes.map((s) => [s.source_code, s]));
  const health = codes.specialCategoryDataTypes.find((s) => s.category_code === 'HEALTH') ?? null;

  return (alert, personId, alertId) => {
    const code = bySubcode.get(alert.code);
    if (code === undefined) throw new Error(`housing simulator: UKHDS code ${alert.code} is not in the code list`);
    const prefix = code.alert_code.replace(/\d+$/, '');
    const source = sourceByCode.get(SOURCE_BY_PREFIX[code.alert_code] ?? SOURCE_BY_PREFIX[prefix] ?? 'UNK') ?? null;
    const special = prefix === 'MED' || prefix === 'MH' || prefix === 'PREG' ? health : null;
    const safeguarding = prefix === 'SAF';
    const active = alert.status === 'active';
    return {
      person_alert_id: alertId,
      person_id: personId,
      person_alert_code_id: code.person_alert_code_id,
      person_alert_code: { ...code, alert_category_name: categoryName.get(code.alert_category_id) ?? 'Unknown' },
      source_type_id: source?.source_type_id ?? null,
      source_type: source,
      organisation_id: null,
      created_by_user_id: 1000 + (alertId % 47),
      source_details: null,
      alert_description: null,
      // Safeguarding alerts are often not disclosed to the resident (e.g. MARAC: "no info sharing").
      informed_resident: !safeguarding,
      alert_progress: 'Unknown',
      alert_duration_type: 'Long Term',
      alert_duration: null,
      start_date: alert.raisedOn,
      end_date: null,
      review_date: safeguarding ? addDays(alert.raisedOn, 182) : null,
      is_active: active,
      alert_status: active ? 'Open' : 'Closed',
      last_updated: `${alert.raisedOn}T10:00:00Z`,
      updated_by_user_id: null,
      confidentiality_level: CONFIDENTIALITY[alert.confidentiality],
      special_category_data_id: special?.special_category_data_id ?? null,
      special_category_data_type: special,
    };
  };
}

/** The calendar day `days` after `iso`. */
export function addDays(iso: IsoDate, days: number): IsoDate {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
