/**
 * Public API of the synthetic population used by the agency simulators and tests.
 *
 * Why an index: simulators import from one place and never reach into the generator's
 * internals (world, plan, view builders), which may change.
 */
export { agencyView, DEFAULT_HOUSEHOLDS, DEFAULT_SEED, eventsOf, generatePopulation, personRecordsOf, writeGroundTruth } from './generate.ts';
export { FEATURED_FAMILY } from './featured.ts';
export { REFERENCE_DATE } from './dates.ts';
export {
  isValidNhsNumber, isValidPncId, isValidPostcodeFormat, isValidUpn, isValidUprn, makePncId, makeUpn, nhsCheckDigit, pncCheckLetter, upnCheckLetter,
} from './identifiers.ts';
export { NICKNAMES, nicknamesOf } from './names.ts';
export { UKHDS_ALERTS } from './ukhds.ts';
export type * from './types.ts';
