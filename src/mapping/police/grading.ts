/**
 * Police gradings and handling codes → the hub's sensitivity, and an intelligence report's
 * grading as a reader needs it (the table is in ../police.ts's header; contracts/police/README.md).
 *
 * Why this file exists: split out of police.ts (house file-size limit); the 5x5x5 and 3x5x2
 * grading schemes and what their handling codes allow are read and reviewed on their own.
 */
import type { Grading3x5x2, Grading5x5x5, IntelligenceReport } from '../../adapters/police/types.ts';
import type { Sensitivity } from '../../model/agency.ts';

/** 5x5x5 handling code → sensitivity (table in the header of ../police.ts). */
export function handlingSensitivity(code: number): Sensitivity {
  if (code <= 1) return 'open';
  return code <= 3 ? 'sensitive' : 'restricted';
}

/** Incidents and crimes name victims, suspects and children present: never below sensitive. */
export const atLeastSensitive = (sensitivity: Sensitivity): Sensitivity => (sensitivity === 'open' ? 'sensitive' : sensitivity);

const SOURCE_5X5X5: Readonly<Record<Grading5x5x5['SourceEvaluationCode'], string>> = {
  A: 'always reliable', B: 'mostly reliable', C: 'sometimes reliable', D: 'unreliable', E: 'untested',
};
const INTELLIGENCE_5X5X5: Readonly<Record<number, string>> = {
  1: 'known to be true without reservation', 2: 'known personally to the source but not to the officer', 3: 'not personally known to the source but corroborated', 4: 'cannot be judged', 5: 'suspected to be false or malicious',
};
const HANDLING_5X5X5: Readonly<Record<number, string>> = {
  1: 'may be disseminated to other law enforcement and prosecuting agencies', 2: 'may be disseminated to UK non-prosecuting parties', 3: 'may be disseminated to non-EEA law enforcement agencies, with conditions', 4: 'may be disseminated within the originating agency only', 5: 'no further dissemination: refer to the originator',
};
const SOURCE_3X5X2: Readonly<Record<number, string>> = { 1: 'reliable', 2: 'untested', 3: 'not reliable' };
const INTELLIGENCE_3X5X2: Readonly<Record<Grading3x5x2['IntelligenceAssessmentCode'], string>> = {
  A: 'known directly to the source', B: 'known indirectly to the source but corroborated', C: 'known indirectly to the source', D: 'not known', E: 'suspected to be false',
};

/** An intelligence report's grading: short, explained, and the sensitivity its handling code gives. */
export interface GradingReading {
  readonly short: string;
  readonly explained: string;
  readonly sensitivity: Sensitivity;
}

/** The report's 5x5x5 or 3x5x2 grading; an ungraded report is restricted (nobody said it may be shared). */
export function gradingOf(report: IntelligenceReport): GradingReading {
  const g5 = report.Grading5x5x5;
  if (g5 !== undefined) {
    const { SourceEvaluationCode: s, IntelligenceEvaluationCode: i, HandlingCode: h } = g5;
    return {
      short: `graded ${s}${i}, handling code ${h}`,
      explained: `Graded 5x5x5: source ${s} (${SOURCE_5X5X5[s]}), intelligence ${i} (${INTELLIGENCE_5X5X5[i] ?? 'unknown'}), handling code ${h} (${HANDLING_5X5X5[h] ?? 'unknown'}).`,
      sensitivity: handlingSensitivity(h),
    };
  }
  const g3 = report.Grading3x5x2;
  if (g3 === undefined) return { short: 'ungraded', explained: 'The report carries no grading.', sensitivity: 'restricted' };
  const { SourceEvaluationCode: s, IntelligenceAssessmentCode: i, HandlingCode: h } = g3;
  const conditions = g3.HandlingConditionsText === undefined ? '' : ` Conditions: ${g3.HandlingConditionsText}`;
  return {
    short: `graded ${s}${i}${h}`,
    explained: `Graded 3x5x2: source ${s} (${SOURCE_3X5X2[s] ?? 'unknown'}), intelligence ${i} (${INTELLIGENCE_3X5X2[i]}), handling code ${h} (${h === 'P' ? 'lawful sharing permitted' : 'lawful sharing permitted subject to conditions'}).${conditions}`,
    sensitivity: h === 'P' ? 'sensitive' : 'restricted',
  };
}
