/**
 * The UK Housing Data Standards person-alert codes the housing simulator uses.
 *
 * Why a copy: the generator must run without the shared data folder, so the handful of codes
 * used are copied here verbatim (sub-code, alert name, sub-name) from
 * ../shared/data/external/housing/ukhds-person-alert-codes/person_alert_codes.sql (UKHDS
 * Person Alert Codes draft v1.1, data-futurists, MIT). A test checks each against that file
 * when it is present.
 */

export interface UkhdsAlertCode {
  readonly code: string;
  readonly name: string;
  readonly subname: string;
}

export const UKHDS_ALERTS = {
  asthma: { code: 'MED1.01', name: 'Respiratory Condition', subname: 'Asthma' },
  anxiety: { code: 'MH1.01', name: 'Mental Health', subname: 'Severe Anxiety / Panic' },
  depression: { code: 'MH1.03', name: 'Mental Health', subname: 'Depression (Severe or Recurrent)' },
  selfHarm: { code: 'MH1.06', name: 'Self-harm', subname: 'Self-Harm' },
  elderly: { code: 'AGE1.07', name: 'Elderly (65+ years)', subname: 'Older adult' },
  physicalAggression: { code: 'RISK2.01', name: 'Risk to Staff', subname: 'Physical Aggression' },
  historyOfViolence: { code: 'RISK2.04', name: 'Risk to Staff', subname: 'History of Violence' },
  substanceMisuse: { code: 'RISK4.03', name: 'Risk to Resident', subname: 'Substance Misuse' },
  daSurvivor: { code: 'SAF1.01', name: 'Domestic Abuse Survivor', subname: 'Known Domestic Abuse Survivor' },
  daMarac: { code: 'SAF1.02', name: 'Domestic Abuse Survivor', subname: 'MARAC/Police Case' },
  childProtectionPlan: { code: 'SAF2.01', name: 'Child Safeguarding Concern', subname: 'Child Protection Plan in Place' },
  schoolAbsenceWelfare: { code: 'SAF2.02', name: 'Child Safeguarding Concern', subname: 'Unexplained School Absences / Welfare Concern' },
  unsafeHome: { code: 'SAF2.03', name: 'Child Safeguarding Concern', subname: 'Unsafe Home Environment for Children' },
} as const satisfies Record<string, UkhdsAlertCode>;

/** "Child Safeguarding Concern — Child Protection Plan in Place" */
export const alertDescription = (a: UkhdsAlertCode): string => `${a.name} — ${a.subname}`;
