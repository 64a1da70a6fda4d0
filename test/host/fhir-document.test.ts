/**
 * The FHIR variant of the product: every Bundle `productToFhirDocument` makes is valid FHIR R4
 * (checked with @medplum/core's validator against the R4 StructureDefinitions, as
 * test/health/contracts.test.ts does), is a well-formed document (Composition first, every
 * reference resolvable inside the Bundle), carries the security labels README.md promises, and
 * holds none of the text the owners withheld or redacted.
 */
/// <reference types="fhir" />
import { validateResource } from '@medplum/core';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { productToFhirDocument } from '../../src/host/fhir-document.ts';
import { CONFIDENTIALITY_SYSTEM, INLINE_SECURITY_LABEL_URL, SYSTEMS } from '../../src/host/fhir-codes.ts';
import { ensureFhirDefinitions } from '../../simulators/health/definitions.ts';
import { minimalProduct, productWith, sampleProduct, WITHHELD_TEXT } from './fixtures.ts';

ensureFhirDefinitions();

/**
 * Medplum reads a reference's target type from the text before its first "/", so it cannot
 * type-check `urn:uuid:` references (valid R4, and the usual form inside a document) and warns
 * that "urn:uuid:…" is not the expected type. Those warnings, and only those, are set aside
 * here; `expectTypedReferences` checks the same thing properly, against the resolved resource.
 */
const isUrnUuidTypeWarning = (issue: { severity: string; details?: { text?: string } }): boolean =>
  issue.severity === 'warning' && /^Invalid reference: got "urn:uuid:[0-9a-f-]{36}", expected /.test(issue.details?.text ?? '');

function expectValid(bundle: fhir4.Bundle<fhir4.FhirResource>): void {
  try {
    // @types/fhir and @medplum/fhirtypes describe the same JSON in two type packages; the
    // validator is the check here, so the Bundle goes in as built.
    expect(validateResource(bundle as unknown as MedplumResource).filter((issue) => !isUrnUuidTypeWarning(issue))).toEqual([]);
    expectTypedReferences(bundle);
  } catch (error) {
    const outcome = error instanceof Error && 'outcome' in error ? JSON.stringify(error.outcome) : String(error);
    throw new Error(`Bundle is not valid FHIR R4: ${outcome}`, { cause: error });
  }
}

const TypedReference = z.object({ reference: z.string().regex(/^urn:uuid:/), type: z.string() });

/** Every reference resolves to an entry of the Bundle, and its `type` is that entry's resource type. */
function expectTypedReferences(bundle: fhir4.Bundle<fhir4.FhirResource>): void {
  const typeByUrl = new Map((bundle.entry ?? []).map((e) => [e.fullUrl, e.resource?.resourceType]));
  const references = JSON.stringify(bundle).match(/\{"reference":"[^"]*","type":"[^"]*"\}/g) ?? [];
  expect(references.length).toBeGreaterThan(0);
  for (const text of references) {
    const { reference, type } = TypedReference.parse(JSON.parse(text));
    expect(typeByUrl.get(reference), reference).toBe(type);
  }
  expect(JSON.stringify(bundle).match(/"reference":/g)?.length).toBe(references.length);
}

const resources = (bundle: fhir4.Bundle<fhir4.FhirResource>): fhir4.FhirResource[] => (bundle.entry ?? []).flatMap((e) => (e.resource === undefined ? [] : [e.resource]));
const ofType = <T extends fhir4.FhirResource['resourceType']>(bundle: fhir4.Bundle<fhir4.FhirResource>, type: T): Extract<fhir4.FhirResource, { resourceType: T }>[] =>
  resources(bundle).filter((r): r is Extract<fhir4.FhirResource, { resourceType: T }> => r.resourceType === type);
const composition = (bundle: fhir4.Bundle<fhir4.FhirResource>): fhir4.Composition => {
  const first = bundle.entry?.[0]?.resource;
  if (first?.resourceType !== 'Composition') throw new Error('the first entry is not a Composition');
  return first;
};
const confidentiality = (coding: readonly fhir4.Coding[] | undefined): string[] => (coding ?? []).filter((c) => c.system === CONFIDENTIALITY_SYSTEM).map((c) => c.code ?? '');

const variants = {
  'the acceptance scenario': sampleProduct,
  'a minimal product': minimalProduct,
  'a later version with withheld-by-default items': productWith({ version: 3, withheldByDefault: { itemCount: 2, rationale: 'Strategy discussion cannot wait for housing.' } }),
  'a product whose subjects include no child': productWith({ subjects: [{ ref: 'm1', role: 'parent', name: { given: ['Dawn'], family: 'Featherstone' } }] }),
};

describe('productToFhirDocument', () => {
  it.each(Object.entries(variants))('makes a valid FHIR R4 document Bundle for %s', (_label, product) => {
    const bundle = productToFhirDocument(product);
    expectValid(bundle);
    expect(bundle.type).toBe('document');
    expect(bundle.identifier).toEqual({ system: SYSTEMS.productVersion, value: `${product.productId}-v${product.version}` });
    expect(bundle.timestamp).toBe(new Date(product.publishedAt).toISOString());
    expect(composition(bundle).status).toBe('final');
  });

  it('resolves every reference inside the Bundle and gives every entry a unique urn:uuid', () => {
    const bundle = productToFhirDocument(sampleProduct);
    const fullUrls = (bundle.entry ?? []).map((e) => e.fullUrl ?? '');
    expect(new Set(fullUrls).size).toBe(fullUrls.length);
    for (const url of fullUrls) expect(url).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const references = JSON.stringify(bundle).match(/"reference":"[^"]*"/g) ?? [];
    expect(references.length).toBeGreaterThan(10);
    for (const reference of references) expect(fullUrls).toContain(reference.slice('"reference":"'.length, -1));
  });

  it('is deterministic: the same product version gives the same document', () => {
    expect(JSON.stringify(productToFhirDocument(sampleProduct))).toBe(JSON.stringify(productToFhirDocument(Object.freeze({ ...sampleProduct }))));
    expect(productToFhirDocument(productWith({ version: 2 })).entry?.[0]?.fullUrl).not.toBe(productToFhirDocument(sampleProduct).entry?.[0]?.fullUrl);
  });

  it('writes the decision, a section per releasing agency with its items, subjects and signposts', () => {
    const bundle = productToFhirDocument(sampleProduct);
    const sections = composition(bundle).section ?? [];
    expect(sections.map((s) => s.title)).toEqual(['Decision', 'Subjects', 'Agencies checked', 'Health', 'Education', 'Housing', "Children's social care", 'Signposts']);
    const health = sections.find((s) => s.title === 'Health');
    expect(health?.entry).toHaveLength(2);
    expect(health?.text?.div).toContain('Emergency department attendance with a wrist injury');
    expect(health?.text?.div).toContain('[REDACTED by health]');
    expect(sections.find((s) => s.title === 'Signposts')?.text?.div).toContain('Police holds 1 further item relevant to this referral');
    expect(sections.find((s) => s.title === 'Decision')?.text?.div).toContain('Red (high risk)');

    const decision = ofType(bundle, 'Observation').find((o) => o.code.coding?.[0]?.code === 'mash-decision');
    expect(decision?.valueCodeableConcept?.coding?.[0]).toMatchObject({ system: SYSTEMS.rag, code: 'red' });
    expect(decision?.component?.map((c) => c.valueCodeableConcept?.coding?.[0]?.code)).toEqual(['strategy-discussion', 'child-protection']);
    expect(composition(bundle).subject?.reference).toBe((bundle.entry ?? []).find((e) => e.resource?.resourceType === 'Patient')?.fullUrl);
  });

  it('says which agencies were checked and which answers are incomplete, before the agencies\' items', () => {
    const div = composition(productToFhirDocument(sampleProduct)).section?.find((s) => s.title === 'Agencies checked')?.text?.div ?? '';
    expect(div).toContain('Not a complete answer from: Health, Housing.');
    expect(div).toContain('Health was checked for 2 people; the answer is incomplete: 1 answer was cut short — Patient search: 5 of 19 matching records read (candidate cap).');
    expect(div).toContain('Police was checked for 2 people; every answer was complete.');
    // Police released nothing: its check is what tells the reader it was asked.
    expect(composition(productToFhirDocument(sampleProduct)).section?.some((s) => s.title === 'Police')).toBe(false);
    // A version published before checks existed has no such section, and is still a valid document.
    const { checks: _checks, ...older } = sampleProduct;
    expect(composition(productToFhirDocument(older)).section?.some((s) => s.title === 'Agencies checked')).toBe(false);
  });

  it('escapes released text into the narrative instead of letting it make markup', () => {
    const div = composition(productToFhirDocument(sampleProduct)).section?.find((s) => s.title === "Children's social care")?.text?.div ?? '';
    expect(div).toContain('Single assessment &lt;closed&gt; &amp; stepped down');
    expect(div).not.toContain('<closed>');
    expect(div).not.toContain('\u0007');
  });

  it('records one Provenance per agency: its items, the agency, the source records, retrieval time and lawful basis', () => {
    const bundle = productToFhirDocument(sampleProduct);
    const provenances = ofType(bundle, 'Provenance');
    expect(provenances).toHaveLength(4);
    const health = provenances.find((p) => p.entity?.some((e) => e.what.display === 'GP Connect'));
    expect(health?.target).toHaveLength(2);
    expect(health?.recorded).toBe('2025-11-20T09:15:03.000Z');
    expect(health?.policy).toEqual(['https://www.legislation.gov.uk/ukpga/1989/41/section/47']);
    expect(health?.entity?.map((e) => e.what.identifier?.value)).toEqual(['Encounter/enc-77', 'Flag/flg-3']);
    const healthSection = composition(bundle).section?.find((s) => s.title === 'Health');
    expect(health?.target.map((t) => t.reference)).toEqual(healthSection?.entry?.map((e) => e.reference));
  });

  it('labels restricted content: items, the sections holding them, their Provenance, the Composition and the Bundle', () => {
    const bundle = productToFhirDocument(sampleProduct);
    expect(confidentiality(bundle.meta?.security)).toEqual(['V']);
    expect(composition(bundle).confidentiality).toBe('V');
    const sections = composition(bundle).section ?? [];
    const inlineLabel = (title: string): string | undefined => sections.find((s) => s.title === title)?.extension?.find((e) => e.url === INLINE_SECURITY_LABEL_URL)?.valueCoding?.code;
    expect(inlineLabel('Health')).toBe('V');
    expect(inlineLabel('Education')).toBeUndefined();

    const observations = ofType(bundle, 'Observation');
    const byItem = (itemId: string): fhir4.Observation | undefined => observations.find((o) => o.identifier?.[0]?.value === itemId);
    expect(byItem('fct_health_1')?.meta?.security?.map((c) => c.code)).toEqual(['V', 'REDACTED']);
    expect(byItem('fct_health_2')?.meta?.security?.map((c) => c.code)).toEqual(['R']);
    expect(byItem('fct_education_1')?.meta?.security?.map((c) => c.code)).toEqual(['N']);
    expect(byItem('fct_education_1')?.effectivePeriod).toEqual({ start: '2025-10-01', end: '2025-10-17' });
  });

  it('labels a product of open items N throughout, with no section labels', () => {
    const bundle = productToFhirDocument(productWith({ items: sampleProduct.items.filter((i) => i.sensitivity === 'open') }));
    expectValid(bundle);
    expect(confidentiality(bundle.meta?.security)).toEqual(['N']);
    expect(composition(bundle).section?.some((s) => s.extension !== undefined)).toBe(false);
  });

  it('contains none of the withheld or redacted text', () => {
    const serialized = JSON.stringify(productToFhirDocument(sampleProduct));
    for (const text of Object.values(WITHHELD_TEXT)) expect(serialized).not.toContain(text);
    expect(serialized).not.toContain('Quarry Lane');
  });
});
