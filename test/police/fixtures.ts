/**
 * Shared fixtures of the police tests: the contract's fixture files, a `fetch` that serves them
 * (so the adapter reads them through its whole wire path), connector settings for a simulator,
 * the referral subjects that find the featured family, and XSD validation with xmllint-wasm.
 *
 * Why this file exists: the mapping, adapter, contract and simulator tests all start from the
 * same files and the same featured-family queries.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { validateXML, type XMLValidationResult } from 'xmllint-wasm';
import type { ConnectorSettings, SubjectQuery } from '../../src/adapters/port.ts';
import { ReferralInput } from '../../src/model/referral.ts';
import { subjectQuery } from '../../src/research/lookup.ts';

export const CONTRACT_DIR = path.join(import.meta.dirname, '../../contracts/police');
export const FIXTURES_DIR = path.join(CONTRACT_DIR, 'fixtures');

export const readFixture = (name: string): string => readFileSync(path.join(FIXTURES_DIR, name), 'utf8');

/** A `fetch` that answers every call with a fixture file (or given text), as a SOAP 1.2 service would. */
export function serving(body: string, status = 200, contentType = 'application/soap+xml; charset=utf-8'): typeof globalThis.fetch {
  return () => Promise.resolve(new Response(body, { status, headers: { 'content-type': contentType } }));
}

export function settingsFor(baseUrl: string, overrides: Partial<ConnectorSettings> = {}): ConnectorSettings {
  return { id: 'police-sim', baseUrl, auth: { kind: 'none' }, timeoutMs: 5_000, maxResponseBytes: 1_000_000, maxPages: 10, maxCandidates: 5, ...overrides };
}

export { failure, found } from '../support/outcomes.ts';

/** The child of examples/referral.json, as the research workflow turns it into a query. */
export function referralChildQuery(): SubjectQuery {
  const referral = ReferralInput.parse(JSON.parse(readFileSync(path.join(import.meta.dirname, '../../examples/referral.json'), 'utf8')));
  const child = referral.subjects.find((s) => s.role === 'child');
  if (child === undefined) throw new Error('examples/referral.json has no child');
  return subjectQuery(child);
}

/** The featured family's step-father as a second-wave lookup would ask: his usual name, birth date, address. */
export const featuredStepFatherQuery: SubjectQuery = {
  given: ['Daniel', 'Mark'],
  family: 'Jones',
  otherNames: [],
  birthDate: '1987-09-30',
  sex: 'male',
  postcode: 'WF13 2QP',
  addressLines: ['14 Alder Grove'],
  identifiers: [],
};

/** The Ashworth child of the contract fixtures, as a referral would name him. */
export const fixtureChildQuery: SubjectQuery = {
  given: ['Tyler'],
  family: 'Ashworth',
  otherNames: [{ given: ['Ty'], family: 'Reid' }],
  birthDate: '2015-05-20',
  sex: 'male',
  postcode: 'nt27qr',
  addressLines: ['7 Larch Close'],
  identifiers: [],
};

/** The SOAP Body's content, as a document of its own (its elements declare their namespaces). */
export function bodyPayload(envelope: string): string {
  const match = /<([A-Za-z_][\w.-]*:)?Body(?:\s[^>]*)?>([\s\S]*)<\/\1Body>/.exec(envelope);
  const payload = match?.[2]?.trim();
  if (payload === undefined || payload === '') throw new Error('no SOAP Body content');
  return payload;
}

/** Validates documents against contracts/police/pole-person-search.xsd with xmllint (libxml2, in WebAssembly). */
export async function validateAgainstXsd(documents: readonly { readonly name: string; readonly xml: string }[]): Promise<XMLValidationResult> {
  return validateXML({
    xml: documents.map((d) => ({ fileName: d.name, contents: d.xml })),
    schema: [{ fileName: 'pole-person-search.xsd', contents: readFileSync(path.join(CONTRACT_DIR, 'pole-person-search.xsd'), 'utf8') }],
    maxMemoryPages: 4096,
  });
}
