/**
 * The defect found against real NHS data, end to end through the composition root (`node
 * src/main.ts`, embedded store and in-process runner): a referral for "Sam Smith", born
 * 2000-05-05, with no NHS number; the health connector points at a FHIR server (started here on
 * 127.0.0.1) that answers as the NHS PDS sandbox does — the fuzzy multi-match searchset, 20
 * patients of that name and birth date with different NHS numbers — and holds an attendance and a
 * mother for each. The connector reads five candidates. None may be attached to the child:
 * - the picture lists them as possible matches to the health practitioner, none to the manager
 *   (nothing is revealed), with none of their facts, and says the child's candidates await a
 *   decision;
 * - no second wave searches the candidates' mothers;
 * - once the health practitioner confirms one, its facts are in the picture and the others are
 *   rejected.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSigningKey, signToken } from '../../src/gateway/embedded-key.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Picture } from '../../src/model/picture.ts';
import type { Role } from '../../src/model/principal.ts';
import { attendanceOf, CANDIDATE_CAP, motherOf, nhsNumberOf, PDS_FUZZY_MULTIMATCH, pdsFuzzyPatients } from '../identity/support/sam-smith.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { waitForPicture } from './support.ts';

const tmp = makeTempDir('mash-e2e-identity-');
const patients = pdsFuzzyPatients();
let fhir: Server;
let fhirUrl: string;
let gateway: GatewayProcess;

const searchset = (resources: readonly unknown[]): string => JSON.stringify({ resourceType: 'Bundle', type: 'searchset', total: resources.length, entry: resources.map((resource) => ({ resource, search: { mode: 'match' } })) });

/** A FHIR R4 server answering as the PDS sandbox does for this search, with an attendance and a mother per patient. */
function startPdsLikeServer(): Promise<Server> {
  const bundle = readFileSync(PDS_FUZZY_MULTIMATCH, 'utf8');
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const patient = patients.find((p) => url.searchParams.get('patient') === p.id);
    const type = url.pathname.split('/').pop();
    const body = type === 'Patient' ? bundle : type === 'Encounter' && patient !== undefined ? searchset([attendanceOf(patient)]) : type === 'RelatedPerson' && patient !== undefined ? searchset([motherOf(patient)]) : searchset([]);
    response.writeHead(200, { 'content-type': 'application/fhir+json' }).end(body);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const token = (role: Role, agency?: Agency): Promise<string> => signToken(loadOrCreateSigningKey(tmp.dir), { sub: `e2e-${role}-${agency ?? 'hub'}`, role, agency }, { issuer: 'mash-gateway', audience: 'mash-gateway' });

async function call(role: Role, agency: Agency | undefined, method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${gateway.url}${route}`, {
    method,
    headers: { authorization: `Bearer ${await token(role, agency)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function picture(role: Role, agency: Agency | undefined, id: string): Promise<Picture> {
  const response = await call(role, agency, 'GET', `/v1/referrals/${id}/picture`);
  expect(response.status).toBe(200);
  return (await response.json()) as Picture;
}

beforeAll(async () => {
  fhir = await startPdsLikeServer();
  fhirUrl = `http://127.0.0.1:${(fhir.address() as AddressInfo).port}`;
  const connectorsFile = path.join(tmp.dir, 'connectors.json');
  writeFileSync(connectorsFile, JSON.stringify({ connectors: [{ id: 'health-pds', agency: 'health', type: 'fhir-r4', sourceSystem: 'NHS PDS (sandbox data)', baseUrl: fhirUrl, autoReveal: [] }] }));
  seedEmbeddedStore(tmp.dir); // the run's empty PGlite cluster (test/support/templates.ts)
  gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: tmp.dir, MASH_CONNECTORS: connectorsFile, MASH_SIMULATORS: 'off', MASH_MASTER_KEY: randomBytes(32).toString('base64') } });
}, 120_000);

afterAll(async () => {
  await gateway.kill('SIGTERM');
  await new Promise((resolve) => fhir.close(resolve));
  tmp.remove();
});

describe('a referral for Sam Smith, born 2000-05-05, against PDS-like data', () => {
  let referralId: string;

  it('attaches none of the five candidates to the child, and lists them to the health practitioner only', async () => {
    const submitted = await call('referral-intake', undefined, 'POST', '/v1/referrals', {
      concern: { summary: 'Synthetic concern.' },
      rag: 'red',
      threshold: 'child-protection',
      consent: { obtained: false },
      subjects: [{ ref: 'child-1', role: 'child', name: { given: ['Sam'], family: 'Smith' }, birthDate: '2000-05-05' }],
    });
    expect(submitted.status).toBe(202);
    referralId = ((await submitted.json()) as { id: string }).id;
    await waitForPicture(gateway.url, await token('hub-manager'), referralId);

    const manager = await picture('hub-manager', undefined, referralId);
    // One wave: no household search from records that may be other children.
    expect(manager.lookups.map((l) => l.wave)).toEqual([1]);
    expect(manager.possibleMatches).toEqual([]);
    expect(manager.facts).toEqual([]);
    expect(manager.persons).toEqual([expect.objectContaining({ subjectRef: 'child-1', records: [], awaitingDecision: [{ agency: 'health', records: CANDIDATE_CAP }] })]);

    const health = await picture('hub-practitioner', 'health', referralId);
    expect(health.facts).toEqual([]);
    expect(health.possibleMatches.map((m) => [m.kind, m.agency, m.reason])).toEqual(Array(CANDIDATE_CAP).fill(['subject', 'health', '5 distinct people match this subject']));
    expect(health.possibleMatches.map((m) => m.candidate?.identifiers[0]?.value).sort()).toEqual(patients.slice(0, CANDIDATE_CAP).map(nhsNumberOf).sort());
  });

  it('takes the confirmed candidate into the picture and rejects the others', async () => {
    const [first] = patients;
    const listed = (await picture('hub-practitioner', 'health', referralId)).possibleMatches;
    const chosen = listed.find((m) => m.candidate?.identifiers[0]?.value === nhsNumberOf(first!));
    const confirmed = await call('hub-practitioner', 'health', 'POST', `/v1/referrals/${referralId}/possible-matches/${chosen!.id}`, { decision: 'confirm', reason: 'The GP confirms the NHS number.' });
    expect(confirmed.status).toBe(200);
    expect(((await confirmed.json()) as { alsoRejected: string[] }).alsoRejected).toHaveLength(CANDIDATE_CAP - 1);

    const health = await picture('hub-practitioner', 'health', referralId);
    expect(health.possibleMatches).toEqual([]);
    expect(new Set(health.facts.map((f) => f.personRef))).toEqual(new Set([`Patient/${first!.id}`]));
    expect(health.facts.map((f) => f.kind).sort()).toEqual(['event', 'person', 'relationship']);
    expect(health.persons[0]).toMatchObject({ awaitingDecision: [], records: [expect.objectContaining({ outcome: 'confirmed', agency: 'health' })] });
  });
});
