/**
 * The hostile-input suite (DESIGN.md "Bad input gets a clear error and loses nothing"): every /v1
 * route of the app's own OpenAPI document is walked, as a caller the policy lets in, with input
 * that is bad for that route — no or a wrong Content-Type, invalid UTF-8, malformed JSON, JSON of
 * the wrong type, deep nesting, huge numbers and strings, unknown fields, bad path parameters and
 * query values, oversized bodies — fixed cases and fast-check generated ones. Every answer must be
 * an RFC 9457 problem document with a status below 500 and a stable code of ERROR_STATUS.
 *
 * In-process over a real embedded store, seeded with a referral whose ids fill the paths, so a
 * request that gets past validation reaches the firewall and the store.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../../src/lib/errors.ts';
import type { Agency } from '../../src/model/agency.ts';
import type { Role } from '../../src/model/principal.ts';
import { EXAMPLE, startFirewallHarness, type FirewallHarness } from '../case/harness.ts';

interface Parameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required?: boolean;
  readonly schema: { type?: string; format?: string; pattern?: string; enum?: string[]; minLength?: number; maxLength?: number; minimum?: number; maximum?: number };
}

interface Operation {
  readonly method: string;
  readonly path: string;
  readonly parameters: readonly Parameter[];
  readonly body: 'required' | 'optional' | 'none';
}

/** Who calls each route, and with what otherwise-good request: the routes' happy path. */
interface Caller {
  readonly role: Role;
  readonly agency?: Agency;
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string>>;
}

const CONNECTOR = { id: 'police-hostile', agency: 'police', type: 'police-soap', sourceSystem: 'Synthetic RMS', baseUrl: 'http://127.0.0.1:9/soap' };

const CALLERS: Readonly<Record<string, Caller>> = {
  'POST /v1/referrals': { role: 'referral-intake', body: EXAMPLE },
  'GET /v1/referrals': { role: 'hub-manager', query: { sla: 'at-risk', rag: 'red', limit: '10' } },
  'GET /v1/referrals/{id}': { role: 'hub-manager' },
  'GET /v1/referrals/{id}/picture': { role: 'hub-manager' },
  'POST /v1/referrals/{id}/items/{itemId}/reveal': { role: 'hub-practitioner', agency: 'police' },
  'PUT /v1/referrals/{id}/items/{itemId}/release': { role: 'hub-practitioner', agency: 'police', body: { decision: 'redact', rationale: 'Synthetic.', redactions: [{ field: 'detail', replacement: 'Withheld.' }] } },
  'GET /v1/referrals/{id}/items/{itemId}/release/revisions': { role: 'hub-practitioner', agency: 'police' },
  'POST /v1/referrals/{id}/decision': { role: 'hub-manager', body: { rag: 'amber', outcome: 'early-help', rationale: 'Synthetic.' } },
  'POST /v1/referrals/{id}/products': { role: 'hub-manager', body: { withholdUndecided: { rationale: 'Synthetic.' } } },
  'POST /v1/referrals/{id}/possible-matches/{matchId}': { role: 'hub-manager', body: { decision: 'reject', reason: 'Synthetic.' } },
  'POST /v1/referrals/{id}/close': { role: 'hub-manager', body: { rationale: 'Synthetic.' } },
  'POST /v1/referrals/{id}/assignments': { role: 'hub-manager', body: { subject: 'someone' } },
  'GET /v1/products/{productId}': { role: 'host-system' },
  'GET /v1/products': { role: 'host-system' },
  'GET /v1/connectors': { role: 'connector-admin', agency: 'police' },
  'PUT /v1/connectors/{connectorId}': { role: 'connector-admin', agency: 'police', body: CONNECTOR },
  'POST /v1/connectors': { role: 'connector-admin', agency: 'police', body: { connector: { ...CONNECTOR, id: 'police-hostile-new', auth: { kind: 'bearer', token: { value: 'synthetic-token' } } }, reason: 'Synthetic.' } },
  'GET /v1/connectors/{connectorId}': { role: 'connector-admin', agency: 'police' },
  'PATCH /v1/connectors/{connectorId}': { role: 'connector-admin', agency: 'police', body: { changes: { timeoutMs: 5000 }, reason: 'Synthetic.' } },
  'DELETE /v1/connectors/{connectorId}': { role: 'connector-admin', agency: 'police', query: { reason: 'Synthetic.' } },
  'POST /v1/connectors/{connectorId}/enable': { role: 'connector-admin', agency: 'police', body: { reason: 'Synthetic.' } },
  'POST /v1/connectors/{connectorId}/disable': { role: 'connector-admin', agency: 'police', body: { reason: 'Synthetic.' } },
  'GET /v1/connectors/{connectorId}/versions': { role: 'connector-admin', agency: 'police' },
  'POST /v1/connectors/{connectorId}/versions/{version}/restore': { role: 'connector-admin', agency: 'police', body: { reason: 'Synthetic.' } },
  'POST /v1/connectors/{connectorId}/test': { role: 'connector-admin', agency: 'police' },
  'GET /v1/connectors/{connectorId}/health': { role: 'connector-admin', agency: 'police' },
  'GET /v1/admin/failures': { role: 'hub-manager', query: { kind: 'lookup,notification', limit: '20' } },
  'POST /v1/admin/failures/reprocess': { role: 'hub-manager', body: { items: [{ kind: 'lookup', id: 'lkp_none' }] } },
  'GET /v1/audit/verify': { role: 'auditor' },
  'GET /v1/audit/entries': { role: 'auditor' },
  'GET /v1/audit/export': { role: 'auditor', query: { format: 'fhir-ndjson' } },
  'GET /v1/audit/report': { role: 'auditor', query: { from: '2026-01-01T00:00:00Z', to: '2027-01-01T00:00:00Z' } },
  'GET /v1/reports/performance': { role: 'hub-manager', query: { from: '2026-01-01', to: '2026-12-31T00:00:00Z' } },
  'GET /v1/possible-matches': { role: 'hub-practitioner', agency: 'police', query: { kind: 'subject', agency: 'police', limit: '10' } },
  'POST /v1/possible-matches/{matchId}': { role: 'hub-manager', body: { decision: 'reject', reason: 'Synthetic.' } },
  'GET /v1/person-index/models': { role: 'hub-manager' },
  'POST /v1/person-index/models/estimate': { role: 'hub-manager' },
};

let harness: FirewallHarness;
let operations: Operation[];
let pathValues: Record<string, string>;
const tokens = new Map<string, string>();

beforeAll(async () => {
  harness = await startFirewallHarness();
  const seeded = await harness.seedReferral();
  pathValues = {
    id: seeded.referralId,
    itemId: seeded.items.find((i) => i.agency === 'police')?.id ?? '',
    productId: `prd_${'0'.repeat(32)}`,
    matchId: 'pm-unknown',
    connectorId: CONNECTOR.id,
    version: '1',
  };
  const document = (await (await harness.app.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { required?: boolean } }>>;
  };
  operations = Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\/$/, ''),
        parameters: op.parameters ?? [],
        body: op.requestBody === undefined ? ('none' as const) : op.requestBody.required === true ? ('required' as const) : ('optional' as const),
      })),
    );
  for (const caller of Object.values(CALLERS)) {
    const key = `${caller.role}:${caller.agency ?? ''}`;
    if (!tokens.has(key)) tokens.set(key, await harness.token(caller.role, caller.agency));
  }
}, 60_000);

afterAll(async () => {
  await harness.close();
});

const nameOf = (op: Operation): string => `${op.method} ${op.path}`;

function callerOf(op: Operation): Caller {
  const caller = CALLERS[nameOf(op)];
  if (caller === undefined) throw new Error(`no caller for ${nameOf(op)}: add it to CALLERS`);
  return caller;
}

interface HostileRequest {
  readonly path?: Readonly<Record<string, string>>;
  readonly query?: string;
  /** Raw body bytes, or a stream (no Content-Length). */
  readonly body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Content-Type; null sends none. Defaults to application/json when there is a body. */
  readonly contentType?: string | null;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The route's path with its parameters filled: good values, or the hostile ones given (already encoded). */
function pathOf(op: Operation, overrides: Readonly<Record<string, string>> = {}): string {
  return op.path.replace(/\{(\w+)\}/g, (_m, name: string) => overrides[name] ?? encodeURIComponent(pathValues[name] ?? name));
}

function queryOf(op: Operation, extra?: string): string {
  const base = new URLSearchParams(callerOf(op).query ?? {}).toString();
  const parts = [base, extra ?? ''].filter((p) => p !== '');
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

async function send(op: Operation, request: HostileRequest): Promise<Response> {
  const caller = callerOf(op);
  const headers: Record<string, string> = { authorization: `Bearer ${tokens.get(`${caller.role}:${caller.agency ?? ''}`) ?? ''}`, ...request.headers };
  const contentType = request.contentType === undefined ? (request.body === undefined ? null : 'application/json') : request.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const url = `${pathOf(op, request.path)}${request.query ?? queryOf(op)}`;
  const body = request.body;
  // `duplex` lets a stream be a body (Fetch §5.3); DOM's RequestInit does not list it yet.
  const init: RequestInit & { duplex?: 'half' } = { method: op.method, headers, ...(body === undefined ? {} : { body, duplex: 'half' }) };
  return harness.app.request(url, init);
}

/** An RFC 9457 problem with a status below 500 and a stable code whose status it is. */
async function expectProblem(response: Response, label: string): Promise<void> {
  const text = await response.text();
  expect(response.status, `${label}: ${text.slice(0, 300)}`).toBeGreaterThanOrEqual(400);
  expect(response.status, `${label}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(response.headers.get('content-type'), label).toBe('application/problem+json');
  const problem = JSON.parse(text) as { code?: unknown; status?: unknown; type?: unknown; title?: unknown; detail?: unknown };
  expect(Object.keys(ERROR_STATUS), `${label}: code ${String(problem.code)}`).toContain(problem.code);
  expect(ERROR_STATUS[problem.code as keyof typeof ERROR_STATUS], label).toBe(response.status);
  expect(problem.status, label).toBe(response.status);
  expect(typeof problem.detail, label).toBe('string');
}

const utf8 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'utf8'));

/** Every path from the root to a leaf (or to an empty object or array) of a JSON value. */
function leafPaths(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value) && value.length > 0) return value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0) {
    return Object.entries(value).flatMap(([k, v]) => leafPaths(v, [...prefix, k]));
  }
  return [[...prefix]];
}

/** Every path to an object (the root included), where an unknown field can be planted. */
function objectPaths(value: unknown, prefix: readonly (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => objectPaths(v, [...prefix, i]));
  if (value !== null && typeof value === 'object') return [[...prefix], ...Object.entries(value).flatMap(([k, v]) => objectPaths(v, [...prefix, k]))];
  return [];
}

/** A copy of `value` with the node at `path` replaced (a raw JSON text is spliced in place). */
function withAt(value: unknown, path: readonly (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v: unknown, i) => (i === head ? withAt(v, rest, replacement) : v));
  const record = value as Record<string, unknown>;
  return { ...record, [String(head)]: withAt(record[String(head)], rest, replacement) };
}

/** A placeholder for raw JSON text (numbers JSON.stringify cannot write, nesting too deep to build). */
const RAW = '@@raw-json@@';

/** JSON text of `value` with every RAW placeholder replaced by `raw`. */
function jsonWithRaw(value: unknown, raw: string): string {
  const text = JSON.stringify(value);
  if (!text.includes(`"${RAW}"`)) throw new Error('no placeholder to replace');
  return text.replaceAll(`"${RAW}"`, raw);
}

const DEEP_ARRAY = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`;
const HUGE_NUMBERS = ['1e400', '-1e400', '123456789012345678901234567890', '1e-400', '-0'];
const HUGE_STRING = 'x'.repeat(200_000);

/** Bodies that are bad whatever the route: each with the Content-Type it is sent with. */
function structuralBodies(template: unknown): { label: string; body: Uint8Array; contentType?: string | null }[] {
  const good = utf8(JSON.stringify(template ?? {}));
  const withByte = (at: number, bytes: number[]): Uint8Array => new Uint8Array([...good.subarray(0, at), ...bytes, ...good.subarray(at)]);
  return [
    { label: 'no Content-Type', body: good, contentType: null },
    ...['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/octet-stream', 'application/json; charset=iso-8859-1', 'application/json; charset=utf-16le', 'not a media type', '*/*'].map((contentType) => ({ label: `Content-Type ${contentType}`, body: good, contentType })),
    { label: 'invalid UTF-8 at the start', body: withByte(0, [0xff]) },
    { label: 'invalid UTF-8 in the middle', body: withByte(Math.floor(good.length / 2), [0xc0, 0xaf]) },
    { label: 'an encoded surrogate at the end', body: withByte(good.length, [0xed, 0xa0, 0x80]) },
    ...['{', '}', '{"a":}', "{'a':1}", '[1,]', 'NaN', 'undefined', '\u0000', '{"a":1}{"b":2}', '\uFEFF{}', ' ', JSON.stringify(template ?? {}).slice(0, -1)].map((text) => ({ label: `malformed JSON ${JSON.stringify(text.slice(0, 20))}`, body: utf8(text) })),
    ...['[]', 'null', '"a string"', '42', 'true', `[${JSON.stringify(template ?? {})}]`].map((text) => ({ label: `JSON of the wrong type ${text.slice(0, 20)}`, body: utf8(text) })),
    { label: 'arrays nested 100,000 deep', body: utf8(DEEP_ARRAY) },
    { label: 'objects nested 50,000 deep', body: utf8(DEEP_OBJECT) },
    ...HUGE_NUMBERS.map((n) => ({ label: `the number ${n}`, body: utf8(n) })),
  ];
}

/** The route's good body with one field made bad: wrong type, deep, huge, or an unknown field beside it. */
function fieldBodies(template: unknown): { label: string; body: Uint8Array }[] {
  if (template === undefined) return [];
  const bodies: { label: string; body: Uint8Array }[] = [];
  for (const path of leafPaths(template)) {
    const at = path.join('.') || '(root)';
    bodies.push({ label: `${at} nested 50,000 deep`, body: utf8(jsonWithRaw(withAt(template, path, RAW), DEEP_OBJECT)) });
    bodies.push({ label: `${at} a 200,000-character string`, body: utf8(JSON.stringify(withAt(template, path, HUGE_STRING))) });
    for (const n of ['1e400', '123456789012345678901234567890']) bodies.push({ label: `${at} = ${n}`, body: utf8(jsonWithRaw(withAt(template, path, RAW), n)) });
    bodies.push({ label: `${at} = null`, body: utf8(JSON.stringify(withAt(template, path, null))) });
    bodies.push({ label: `${at} holding U+0000`, body: utf8(JSON.stringify(withAt(template, path, 'Synthetic\u0000text'))) });
    bodies.push({ label: `${at} holding an unpaired surrogate`, body: utf8(JSON.stringify(withAt(template, path, 'Synthetic \ud800 text'))) });
    bodies.push({ label: `${at} = []`, body: utf8(JSON.stringify(withAt(template, path, [[[]]]))) });
  }
  for (const path of objectPaths(template)) {
    const at = path.join('.') || '(root)';
    const target = path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], template);
    bodies.push({ label: `unknown field in ${at}`, body: utf8(JSON.stringify(withAt(template, path, { ...(target as object), unknownField: 'x' }))) });
  }
  return bodies;
}

/** Values a path parameter of this schema must refuse (already URL-encoded). */
const BAD_PATH_VALUES = ['not-an-id', '%00', '%FF', '%C3%28', '..%2F..%2Fadmin', 'a'.repeat(3000), encodeURIComponent('😀'), encodeURIComponent("' OR '1'='1"), '%20', 'NULL', encodeURIComponent('{"$ne":null}')];

/** Values a query parameter of this schema must refuse, URL-encoded. */
function badQueryValues(schema: Parameter['schema']): string[] {
  return badQueryTexts(schema).map((value) => encodeURIComponent(value)).concat(schema.type === 'string' ? ['a%ED%A0%80b', 'a%FFb', 'a%C0%AFb'] : []);
}

/** Values a query parameter of this schema must refuse, as text. */
function badQueryTexts(schema: Parameter['schema']): string[] {
  const values: string[] = [];
  if (schema.format === 'uuid') values.push('not-a-uuid', '00000000-0000-0000-0000-00000000000g');
  if (schema.format === 'date-time') values.push('yesterday', '2026-02-31T00:00:00Z', '2026-01-01T00:00:00', '2026-01-01T25:00:00Z', '+275760-09-13T00:00:00Z', '2026-01-01T00:00:00+99:99');
  if (schema.enum !== undefined) values.push('not-in-the-enum', schema.enum[0]?.toUpperCase() ?? 'X');
  if (schema.pattern !== undefined) {
    const pattern = new RegExp(schema.pattern);
    values.push(...['x!', '-1', '9'.repeat(19), '1e400', ' 1', '%'].filter((v) => !pattern.test(v)));
  }
  if (schema.type === 'integer' || schema.type === 'number') {
    values.push('abc', '1.5', '1e400', 'Infinity', 'NaN');
    if (schema.minimum !== undefined) values.push(String(schema.minimum - 1));
    if (schema.maximum !== undefined) values.push(String(schema.maximum + 1));
  }
  if (schema.maxLength !== undefined) values.push('x'.repeat(schema.maxLength + 1));
  if (schema.minLength !== undefined && schema.minLength > 0) values.push('');
  // A character no text column can keep (PostgreSQL refuses U+0000); invalid UTF-8 is added encoded.
  if (schema.type === 'string') values.push('a\u0000b');
  return values;
}

describe('hostile input to every /v1 route', () => {
  it('has a caller for every documented route, and every caller is a documented route', () => {
    expect(operations.length).toBeGreaterThan(15);
    expect(operations.map(nameOf).sort()).toEqual(Object.keys(CALLERS).sort());
  });

  it('answers the good request of every route below 500 (the baseline the bad ones are measured against)', async () => {
    for (const op of operations) {
      if (op.method !== 'GET') continue;
      const response = await send(op, {});
      expect(response.status, nameOf(op)).toBeLessThan(500);
    }
  });

  it('refuses structurally bad bodies on every route that takes a body, or none', async () => {
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      for (const bad of structuralBodies(callerOf(op).body)) {
        await expectProblem(await send(op, { body: bad.body, ...(bad.contentType === undefined ? {} : { contentType: bad.contentType }) }), `${nameOf(op)} ${bad.label}`);
      }
    }
  }, 120_000);

  it('refuses a body where the route takes none', async () => {
    for (const op of operations.filter((o) => o.method !== 'GET' && o.body === 'none')) {
      await expectProblem(await send(op, { body: utf8('{}') }), `${nameOf(op)} with a body`);
    }
  });

  it('refuses a route that takes a body sent neither body nor Content-Type', async () => {
    for (const op of operations.filter((o) => o.body === 'required')) {
      await expectProblem(await send(op, {}), `${nameOf(op)} with no body`);
    }
  });

  it('refuses each field made bad: deep, huge, of the wrong type, or beside an unknown field', async () => {
    for (const op of operations.filter((o) => o.body !== 'none')) {
      for (const bad of fieldBodies(callerOf(op).body)) await expectProblem(await send(op, { body: bad.body }), `${nameOf(op)} ${bad.label}`);
    }
  }, 120_000);

  it('refuses oversized bodies, with and without a Content-Length', async () => {
    const big = utf8(JSON.stringify({ filler: 'x'.repeat(1024 * 1024) }));
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      await expectProblem(await send(op, { body: big, headers: { 'content-length': String(big.length) } }), `${nameOf(op)} 1 MiB with Content-Length`);
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (let i = 0; i < big.length; i += 64 * 1024) controller.enqueue(big.subarray(i, i + 64 * 1024));
          controller.close();
        },
      });
      await expectProblem(await send(op, { body: stream }), `${nameOf(op)} 1 MiB streamed`);
    }
  }, 60_000);

  it('refuses bad path parameters', async () => {
    for (const op of operations) {
      for (const parameter of op.parameters.filter((p) => p.in === 'path')) {
        for (const value of BAD_PATH_VALUES) {
          const body = callerOf(op).body;
          await expectProblem(await send(op, { path: { [parameter.name]: value }, ...(body === undefined ? {} : { body: utf8(JSON.stringify(body)) }) }), `${nameOf(op)} ${parameter.name}=${value.slice(0, 30)}`);
        }
      }
    }
  }, 60_000);

  it('refuses bad query values, repeated query parameters and missing required ones', async () => {
    for (const op of operations) {
      const given = callerOf(op).query ?? {};
      for (const parameter of op.parameters.filter((p) => p.in === 'query')) {
        const others = new URLSearchParams(Object.entries(given).filter(([name]) => name !== parameter.name));
        /** The query with this parameter set to already-encoded values. */
        const query = (encoded: string | string[]): string => {
          const values = (Array.isArray(encoded) ? encoded : [encoded]).map((v) => `${encodeURIComponent(parameter.name)}=${v}`);
          return `?${[others.toString(), ...values].filter((p) => p !== '').join('&')}`;
        };
        for (const value of badQueryValues(parameter.schema)) await expectProblem(await send(op, { query: query(value) }), `${nameOf(op)} ?${parameter.name}=${value.slice(0, 30)}`);
        const good = encodeURIComponent(given[parameter.name] ?? (parameter.schema.enum?.[0] ?? '1'));
        await expectProblem(await send(op, { query: query([good, good]) }), `${nameOf(op)} ?${parameter.name} twice`);
        if (parameter.required === true) await expectProblem(await send(op, { query: `?${others.toString()}` }), `${nameOf(op)} without ${parameter.name}`);
      }
    }
  }, 60_000);

  it('refuses a well-formed URL too long to be an endpoint', async () => {
    const op = operations.find((o) => nameOf(o) === 'PUT /v1/connectors/{connectorId}');
    if (op === undefined) throw new Error('no connector route');
    const body = { ...CONNECTOR, baseUrl: `http://127.0.0.1:9/${'a'.repeat(100_000)}` };
    await expectProblem(await send(op, { body: utf8(JSON.stringify(body)) }), 'a 100,000-character baseUrl');
  });

  it('refuses a bad Idempotency-Key', async () => {
    const op = operations.find((o) => nameOf(o) === 'POST /v1/referrals');
    if (op === undefined) throw new Error('no intake route');
    for (const key of ['short', 'k'.repeat(201)]) await expectProblem(await send(op, { body: utf8(JSON.stringify(EXAMPLE)), headers: { 'idempotency-key': key } }), `Idempotency-Key ${key.slice(0, 10)}`);
  });
});

describe('generated hostile input (fast-check)', () => {
  /** Any JSON that cannot be a good body: not an object, or an object with a field no schema has. */
  const badJson = fc.oneof(
    fc.jsonValue().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
    fc.tuple(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 5 }), fc.jsonValue()).map(([record, extra]) => ({ ...record, 'x-hostile': extra })),
  );

  it('refuses any JSON that cannot be a body, on every route that takes one', async () => {
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      await fc.assert(
        fc.asyncProperty(badJson, async (value) => {
          await expectProblem(await send(op, { body: utf8(JSON.stringify(value)) }), `${nameOf(op)} ${JSON.stringify(value).slice(0, 80)}`);
        }),
        { numRuns: 25 },
      );
    }
  }, 120_000);

  it('refuses random bytes sent as JSON', async () => {
    for (const op of operations.filter((o) => o.method !== 'GET')) {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (bytes) => {
          await expectProblem(await send(op, { body: bytes }), `${nameOf(op)} bytes ${Buffer.from(bytes).toString('hex').slice(0, 40)}`);
        }),
        { numRuns: 25 },
      );
    }
  }, 120_000);

  /** Any bytes, every one percent-encoded: text of every script, invalid UTF-8, NUL, '/', '?'. */
  const encodedBytes = (minLength: number): fc.Arbitrary<string> =>
    fc.oneof(fc.uint8Array({ minLength, maxLength: 60 }), fc.string({ unit: 'grapheme', minLength, maxLength: 30 }).map((t) => new Uint8Array(Buffer.from(t, 'utf8')))).map((bytes) => Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join(''));

  it('answers any path parameter below 500 with a problem', async () => {
    for (const op of operations) {
      for (const parameter of op.parameters.filter((p) => p.in === 'path')) {
        await fc.assert(
          fc.asyncProperty(encodedBytes(1), async (value) => {
            const body = callerOf(op).body;
            await expectProblem(await send(op, { path: { [parameter.name]: value }, ...(body === undefined ? {} : { body: utf8(JSON.stringify(body)) }) }), `${nameOf(op)} ${parameter.name}=${value}`);
          }),
          { numRuns: 15 },
        );
      }
    }
  }, 120_000);

  it('answers any query value below 500, and with a problem whenever it refuses', async () => {
    for (const op of operations) {
      for (const parameter of op.parameters.filter((p) => p.in === 'query')) {
        await fc.assert(
          fc.asyncProperty(encodedBytes(0), async (value) => {
            const others = new URLSearchParams(Object.entries(callerOf(op).query ?? {}).filter(([name]) => name !== parameter.name)).toString();
            const response = await send(op, { query: `?${[others, `${parameter.name}=${value}`].filter((p) => p !== '').join('&')}` });
            if (response.status >= 400) await expectProblem(response, `${nameOf(op)} ?${parameter.name}=${value}`);
            else expect(response.status, `${nameOf(op)} ?${parameter.name}=${value}`).toBeLessThan(300);
          }),
          { numRuns: 20 },
        );
      }
    }
  }, 120_000);
});
