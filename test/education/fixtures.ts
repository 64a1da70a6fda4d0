/**
 * Shared fixtures of the education tests: the referral's subject query for the featured child,
 * connector settings for a simulator, the values no orchestration may carry, and XSD validation
 * of documents against contracts/education/.
 *
 * Why this file exists: the contract, adapter and simulator tests start from the same referral
 * (examples/referral.json, parsed with the gateway's own schema) and the same schemas.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML, type XMLValidationResult } from 'xmllint-wasm';
import type { ConnectorAuth, ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import { ReferralInput } from '../../src/model/referral.ts';
import { FEATURED_FAMILY } from '../../simulators/population/index.ts';

export const CONTRACTS_DIR = join(import.meta.dirname, '../../contracts/education');
export const FIXTURES_DIR = join(CONTRACTS_DIR, 'fixtures');

export const readFixture = (name: string): string => readFileSync(join(FIXTURES_DIR, name), 'utf8');

/** The featured child as the referral describes him ("Robert James Smith", "Bobby Smith", 2017-03-04, WF13 2QP, NHS number). */
export function referralQuery(): SubjectQuery {
  const referral = ReferralInput.parse(JSON.parse(readFileSync(join(import.meta.dirname, '../../examples/referral.json'), 'utf8')));
  const child = referral.subjects.find((s) => s.role === 'child');
  if (child === undefined) throw new Error('examples/referral.json names no child');
  // As src/research/lookup.ts `subjectQuery` builds it (not imported: it drags in the store).
  return {
    given: child.name.given,
    family: child.name.family,
    otherNames: child.otherNames.map((n) => ({ given: n.given, family: n.family })),
    birthDate: child.birthDate,
    sex: child.sex,
    postcode: child.address?.postcode,
    addressLines: child.address?.lines ?? [],
    identifiers: child.identifiers.map((i) => ({ system: i.system, value: i.value })),
  };
}

/** Values that identify the featured child: none may appear in an orchestration. */
export const IDENTIFYING_VALUES = ['Robert', 'Smith', 'Bobby', 'Smyth', '2017-03-04', 'WF13', '2QP', FEATURED_FAMILY.upn, FEATURED_FAMILY.nhsNumber] as const;

export function settingsFor(baseUrl: string, overrides: Partial<ConnectorSettings> & { auth?: ConnectorAuth } = {}): ConnectorSettings {
  return { id: 'education-sim', baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 1_000_000, maxPages: 10, maxCandidates: 5, ...overrides };
}

const CTF_XSD = readFileSync(join(CONTRACTS_DIR, 'ctf.xsd'), 'utf8');
const SEARCH_XSD = readFileSync(join(CONTRACTS_DIR, 'pupil-search.xsd'), 'utf8');

/** Validates a document against pupil-search.xsd (which includes ctf.xsd) with libxml2 (xmllint-wasm). */
export function validateAgainstContract(xml: string, fileName = 'response.xml'): Promise<XMLValidationResult> {
  return validateXML({
    xml: [{ fileName, contents: xml }],
    schema: [{ fileName: 'pupil-search.xsd', contents: SEARCH_XSD }],
    preload: [{ fileName: 'ctf.xsd', contents: CTF_XSD }],
    // Whole-population documents run to megabytes.
    maxMemoryPages: 1024,
  });
}
