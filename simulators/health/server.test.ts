/**
 * The health simulator as a FHIR server: start-up time, real search semantics, paging links
 * that lead back to it (followed by an independent client, fhir-kit-client), /metadata, the
 * fault control endpoint, the token endpoint's checks, and the bearer requirement.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { Client } from 'fhir-kit-client';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { familyResources } from '../../test/health/fixtures.ts';
import { startHealthSimulator, type HealthSimulator } from './server.ts';

const SearchBundle = z.object({
  resourceType: z.literal('Bundle'),
  type: z.literal('searchset'),
  total: z.number().optional(),
  link: z.array(z.object({ relation: z.string(), url: z.string() })).default([]),
  entry: z.array(z.object({ resource: z.looseObject({ resourceType: z.string(), id: z.string() }) })).default([]),
});

/** Thirty patients called "Pagewell", to page through. */
const pagewells = Array.from({ length: 30 }, (_, i): fhir4.Patient => ({
  resourceType: 'Patient',
  id: `pw-${i + 1}`,
  name: [{ family: 'Pagewell', given: [`Child${i + 1}`] }],
  birthDate: '2015-05-05',
}));

let sim: HealthSimulator;

beforeAll(async () => {
  sim = await startHealthSimulator({ resources: [...familyResources(), ...pagewells] });
});
afterAll(async () => {
  await sim.close();
});
afterEach(() => {
  sim.setFaults({});
});

async function search(path: string, headers: Record<string, string> = {}): Promise<z.infer<typeof SearchBundle>> {
  const response = await fetch(`${sim.url}${path}`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/fhir+json');
  return SearchBundle.parse(await response.json());
}

describe('health simulator', () => {
  // How fast it starts is a benchmark figure (bench/startup.ts: `npm start`, simulators included), not a test's.
  it('starts on loopback, definitions indexing included', () => {
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('searches Patient by NHS number identifier', async () => {
    const bundle = await search('/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9991000003');
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(['hc-child-1']);
    expect((await search('/Patient?identifier=https://fhir.nhs.uk/Id/nhs-number|9991000038')).entry).toEqual([]);
  });

  it('searches Patient by family, given, birthdate and postcode with FHIR string semantics (case-insensitive prefix)', async () => {
    const bundle = await search(`/Patient?family=feather&given=KAY&birthdate=2017-03-14&address-postalcode=${encodeURIComponent('NT1 4AB')}`);
    expect(bundle.entry.map((e) => e.resource.id)).toEqual(['hc-child-1']);
    expect((await search('/Patient?family=featherstone&birthdate=2017-03-15')).entry).toEqual([]);
  });

  it.each(['Encounter', 'Condition', 'Flag', 'EpisodeOfCare', 'RelatedPerson'])('searches %s by patient (id or Patient/id)', async (type) => {
    const byId = await search(`/${type}?patient=hc-child-1`);
    const byReference = await search(`/${type}?patient=Patient/hc-child-1`);
    expect(byId.entry.length).toBeGreaterThan(0);
    expect(byReference.entry.map((e) => e.resource.id)).toEqual(byId.entry.map((e) => e.resource.id));
    expect(byId.entry.every((e) => e.resource.resourceType === type)).toBe(true);
    expect((await search(`/${type}?patient=hc-mother-1`)).entry.filter((e) => e.resource.id.startsWith('hc-enc'))).toEqual([]);
  });

  it('pages with _count, and next links lead back to this server until the last page', async () => {
    const first = await search('/Patient?family=Pagewell&_count=10');
    expect(first.total).toBe(30);
    const next = first.link.find((l) => l.relation === 'next')?.url;
    expect(next).toBe(`${sim.url}/Patient?family=Pagewell&_count=10&_offset=10`);
    const third = await search('/Patient?family=Pagewell&_count=10&_offset=20');
    expect(third.entry).toHaveLength(10);
    expect(third.link.find((l) => l.relation === 'next')).toBeUndefined();
  });

  it('links back to the host name the client used (compose: http://health-sim:…), or to publicUrl', async () => {
    const viaHost = await new Promise<string>((resolve, reject) => {
      const req = request(`${sim.url}/Patient?family=Pagewell&_count=10`, { headers: { host: 'health-sim:8081' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve(Buffer.concat(chunks).toString('utf8'));
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(SearchBundle.parse(JSON.parse(viaHost)).link.find((l) => l.relation === 'next')?.url).toBe('http://health-sim:8081/Patient?family=Pagewell&_count=10&_offset=10');

    const proxied = await startHealthSimulator({ resources: pagewells, publicUrl: 'https://fhir.example.test/R4/' });
    try {
      const page = SearchBundle.parse(await (await fetch(`${proxied.url}/Patient?family=Pagewell&_count=10`)).json());
      expect(page.link.find((l) => l.relation === 'next')?.url).toBe('https://fhir.example.test/R4/Patient?family=Pagewell&_count=10&_offset=10');
    } finally {
      await proxied.close();
    }
  });

  it('is a FHIR server an independent client can page through (fhir-kit-client)', async () => {
    const client = new Client({ baseUrl: sim.url });
    const ids: string[] = [];
    let pages = 0;
    let bundle: unknown = await client.search({ resourceType: 'Patient', searchParams: { family: 'Pagewell', _count: 7 } });
    while (bundle !== undefined) {
      const page = SearchBundle.parse(bundle);
      pages += 1;
      ids.push(...page.entry.map((e) => e.resource.id));
      bundle = await client.nextPage({ bundle: page });
    }
    expect(pages).toBe(5);
    expect(new Set(ids).size).toBe(30);
    const metadata = z.object({ resourceType: z.literal('CapabilityStatement'), fhirVersion: z.literal('4.0.1') }).safeParse(await client.capabilityStatement());
    expect(metadata.success).toBe(true);
  });

  it('reads a resource by id and answers an unknown one with a 404 OperationOutcome', async () => {
    const found = await fetch(`${sim.url}/Patient/hc-child-1`);
    expect(found.status).toBe(200);
    const missing = await fetch(`${sim.url}/Patient/nope`);
    expect(missing.status).toBe(404);
    expect(z.object({ resourceType: z.literal('OperationOutcome') }).safeParse(await missing.json()).success).toBe(true);
  });

  it('serves reads and searches only', async () => {
    const response = await fetch(`${sim.url}/Patient`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
  });
});

describe('health simulator fault control', () => {
  it('sets, shows and clears faults over HTTP, and rejects an invalid fault set', async () => {
    const post = (body: string) => fetch(`${sim.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(JSON.stringify({ latencyMs: 150, match: '/Flag' }))).status).toBe(204);
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toEqual({ latencyMs: 150, match: '/Flag' });
    const started = performance.now();
    await search('/Flag?patient=hc-child-1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);

    const invalid = await post(JSON.stringify({ status: 99, bogus: true }));
    expect(invalid.status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status).toBe(204);
    expect(await (await fetch(`${sim.url}/_sim/faults`)).json()).toEqual({});
  });

  it('streams an oversized response without Content-Length', async () => {
    sim.setFaults({ oversizeBytes: 300_000 });
    const response = await fetch(`${sim.url}/Patient?family=Pagewell`);
    expect(response.headers.get('content-length')).toBeNull();
    const body = await response.text();
    expect(body.length).toBe(300_000);
    expect(SearchBundle.safeParse(JSON.parse(body)).success).toBe(true);
  });

  it('a hanging response sends its head, then stalls; closing the simulator does not wait for it', async () => {
    const local = await startHealthSimulator({ resources: pagewells });
    local.setFaults({ hangMs: 60_000 });
    const response = await fetch(`${local.url}/Patient?family=Pagewell`);
    expect(response.status).toBe(200);
    const reading = response.text().then(
      () => 'completed',
      () => 'aborted',
    );
    const started = performance.now();
    await local.close();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(await reading).toBe('aborted');
  });
});

describe('health simulator auth', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let secured: HealthSimulator;

  beforeAll(async () => {
    secured = await startHealthSimulator({
      resources: pagewells,
      auth: {
        clients: [
          { clientId: 'secret-client', clientSecret: 'pw' },
          { clientId: 'jwt-client', publicKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
        ],
      },
    });
  });
  afterAll(async () => {
    await secured.close();
  });

  const token = (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(secured.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  const TokenBody = z.object({ access_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number() });
  const assertion = (overrides: { aud?: string; expiresIn?: number; jti?: string } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: 'RS384', typ: 'JWT' })
      .setIssuer('jwt-client')
      .setSubject('jwt-client')
      .setAudience(overrides.aud ?? secured.tokenUrl)
      .setJti(overrides.jti ?? randomUUID())
      .setExpirationTime(now + (overrides.expiresIn ?? 240))
      .sign(rsa.privateKey);
  };
  const jwtForm = async (jwt: Promise<string>) => ({
    grant_type: 'client_credentials',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: await jwt,
  });

  it('requires a bearer token on FHIR endpoints, but not on /metadata', async () => {
    const refused = await fetch(`${secured.url}/Patient?family=Pagewell`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer');
    expect((await fetch(`${secured.url}/metadata`)).status).toBe(200);
  });

  it('issues tokens for client_secret_basic and client_secret_post, and accepts them', async () => {
    const basic = await token({ grant_type: 'client_credentials' }, { authorization: `Basic ${Buffer.from('secret-client:pw').toString('base64')}` });
    expect(basic.status).toBe(200);
    const issued = TokenBody.parse(await basic.json());
    const ok = await fetch(`${secured.url}/Patient?family=Pagewell`, { headers: { authorization: `Bearer ${issued.access_token}` } });
    expect(ok.status).toBe(200);

    const post = await token({ grant_type: 'client_credentials', client_id: 'secret-client', client_secret: 'pw' });
    expect(post.status).toBe(200);
    expect((await token({ grant_type: 'client_credentials', client_id: 'secret-client', client_secret: 'nope' })).status).toBe(401);
    expect((await token({ grant_type: 'password', client_id: 'secret-client', client_secret: 'pw' })).status).toBe(400);
  });

  it('verifies JWT client assertions: signature, audience, lifetime at most five minutes, no replay', async () => {
    const jti = randomUUID();
    expect((await token(await jwtForm(assertion({ jti })))).status).toBe(200);
    expect((await token(await jwtForm(assertion({ jti })))).status).toBe(401);
    expect((await token(await jwtForm(assertion({ aud: 'http://elsewhere/token' })))).status).toBe(401);
    expect((await token(await jwtForm(assertion({ expiresIn: 3_600 })))).status).toBe(401);
    const forged = new SignJWT({})
      .setProtectedHeader({ alg: 'RS384' })
      .setIssuer('jwt-client')
      .setSubject('jwt-client')
      .setAudience(secured.tokenUrl)
      .setJti(randomUUID())
      .setExpirationTime('2m')
      .sign(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    expect((await token(await jwtForm(forged))).status).toBe(401);
  });
});
