/**
 * Person index benchmark: `npm exec -- node bench/person-index.ts`.
 *
 * Why: a lookup against 1,000,000 indexed persons must stay fast — p95 match latency ≤ 50 ms on
 * this 2-core machine and ≤ 3× the p95 at 10,000. This builds both indexes in a real PostgreSQL
 * (test/support/postgres.ts), bulk-loaded with the index's own codec and identity's own blocking
 * keys (bench/support/bulk-load.ts), then times `resolve` — the production path, identity's
 * policy over the store's rows, in a transaction rolled back so the index does not grow — for
 * noisy records of indexed persons and for persons never indexed. It prints the latency
 * percentiles, their ratio, how many candidates blocking found and compared, and whether each
 * query came back to the right person. Exits 1 when a target is missed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { blockingKeys, createMatcher, createPersonIndex, defaultModel, type Matcher, type Resolution } from '../src/identity/index.ts';
import type { IndexedRecord } from '../src/model/person-index.ts';
import type { Db, Sql } from '../src/store/db.ts';
import { openStore } from '../src/store/open.ts';
import { createIndexCodec, createPersonIndexStore, deriveIndexKey, type IndexCodec } from '../src/store/person-index.ts';
import { startPostgres } from '../test/support/postgres.ts';
import { createRng } from '../simulators/population/rng.ts';
import { bulkLoad, type LoadReport } from './support/bulk-load.ts';
import { createPersonGenerator, noisyQuery, type QueryNoise } from './support/synthetic-persons.ts';

/** Index sizes: 10,000 and 1,000,000 (two other sizes may be given on the command line for a quick look). */
// Flags such as --quick (bench/run.ts hands them to every bench) are not sizes.
const sizeArgs = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const SIZES: readonly [number, number] = sizeArgs.length >= 2 ? [Number(sizeArgs[0]), Number(sizeArgs[1])] : [10_000, 1_000_000];
const SEED = 20261121;
const QUERIES = 500;
const UNSEEN_SHARE = 0.1;
const WARMUP = 60;
const TARGET_P95_MS = 50;
const TARGET_RATIO = 3;

interface Query {
  readonly record: IndexedRecord;
  /** The hub person it should come back to; undefined for a person never indexed. */
  readonly expected: string | undefined;
  readonly noise: readonly QueryNoise[];
}

interface Measured {
  readonly ms: number;
  readonly resolution: Resolution;
  readonly candidatePerson: string | undefined;
  readonly query: Query;
}

interface SizeResult {
  readonly size: number;
  readonly load: LoadReport;
  readonly bytes: number;
  readonly blocks: string;
  readonly measured: Measured[];
}

/** A loaded index, ready to be queried. */
interface Built {
  readonly result: SizeResult;
  readonly warmup: readonly Query[];
  readonly queries: readonly Query[];
  run(query: Query): Promise<Measured>;
  close(): Promise<void>;
}

/** Thrown to roll a measured transaction back, carrying what was measured. */
class Rollback extends Error {
  readonly measured: Measured;
  constructor(measured: Measured) {
    super('rollback');
    this.measured = measured;
  }
}

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const sortedOf = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

async function newReferral(sql: Sql): Promise<string> {
  const id = randomUUID();
  await sql.query(
    `INSERT INTO referrals (id, status, rag, threshold, received_at, sla_due_at, submitted_by, sealed_body)
     VALUES ($1, 'received', 'green', 'child-protection', now(), now(), 'bench', '\\x00'::bytea)`,
    [id],
  );
  return id;
}

/** The block sizes of a common name's keys: what blocking has to cope with at this size. */
async function blockSizes(sql: Sql, codec: IndexCodec): Promise<string> {
  const probe: IndexedRecord = { id: 'probe', given: ['Oliver'], family: 'Smith', birthDate: '2017-05-04', sex: 'male', addressLines: ['1 Oak Road'], postcode: 'HD1 1AA', town: 'Huddersfield' };
  const sizes: string[] = [];
  for (const key of blockingKeys(probe)) {
    const rows = await sql.query<{ n: number }>('SELECT count(*)::int AS n FROM person_index_keys WHERE digest = $1', [codec.digest(key)]);
    sizes.push(`${key.slice(0, key.indexOf(':'))} ${rows[0]?.n ?? 0}`);
  }
  return sizes.join(', ');
}

async function build(adminUrl: string, size: number, matcher: Matcher): Promise<Built> {
  const name = `bench_${size}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = adminUrl.replace(/\/[^/]*$/, `/${name}`);
  const db: Db = await openStore({ databaseUrl: url, dataDir: '' });
  const indexKey = deriveIndexKey(randomBytes(32));
  const codec = createIndexCodec(indexKey);
  // As the composition root builds it: identity's policy over the store's rows, with the model's matcher.
  const index = createPersonIndex({ store: createPersonIndexStore(indexKey), matcher });
  const referralId = await newReferral(db);
  const queryReferral = await newReferral(db);

  // Which persons the queries will be about, chosen before the load so their hub ids are kept.
  const pick = createRng(SEED ^ size);
  const indexedQueries = Math.round(QUERIES * (1 - UNSEEN_SHARE));
  const wanted = new Set<number>();
  while (wanted.size < indexedQueries + WARMUP) wanted.add(pick.int(0, size - 1));
  const kept = new Map<number, { record: IndexedRecord; hub: string }>();
  const generator = createPersonGenerator({ seed: SEED });
  const load = await bulkLoad({
    url, codec, blockingKeys, referralId, persons: size, at: new Date(),
    nextHousehold: () => generator.nextHousehold(),
    loaded: (person, hub) => {
      if (wanted.has(person.index)) kept.set(person.index, { record: person.record, hub });
    },
  });
  // Persons never indexed: the households after the last one loaded.
  const unseen: IndexedRecord[] = [];
  while (unseen.length < QUERIES - indexedQueries) unseen.push(...generator.nextHousehold().map((p) => p.record));
  const noise = createRng(SEED ^ 0x9e37 ^ size);
  const queries: Query[] = noise.shuffle([
    ...[...kept.values()].map((k, i) => ({ ...noisyQuery(noise, k.record, `Q${i}`), expected: k.hub })),
    ...unseen.slice(0, QUERIES - indexedQueries).map((r, i) => ({ ...noisyQuery(noise, r, `U${i}`), expected: undefined })),
  ]);
  const bytes = (await db.query<{ b: number }>("SELECT sum(pg_total_relation_size(c.oid))::float8 AS b FROM pg_class AS c WHERE c.relname IN ('person_index_keys', 'person_index_records', 'person_links', 'person_index_sightings', 'hub_persons') AND c.relkind = 'r'"))[0]?.b ?? 0;

  const run = async (query: Query): Promise<Measured> => {
    try {
      await db.transaction(async (tx) => {
        const started = performance.now();
        const resolution = await index.resolve(tx, { recordKey: `bench:query:${query.record.id}`, referralId: queryReferral, record: query.record }, new Date());
        const ms = performance.now() - started;
        const candidate = resolution.possibleMatchId === undefined
          ? undefined
          : (await tx.query<{ c: string }>('SELECT candidate_person_id AS c FROM possible_matches WHERE id = $1', [resolution.possibleMatchId]))[0]?.c;
        throw new Rollback({ ms, resolution, candidatePerson: candidate, query });
      });
    } catch (error) {
      if (error instanceof Rollback) return error.measured;
      throw error;
    }
    throw new Error('the benchmark transaction was not rolled back');
  };
  return {
    result: { size, load, bytes, blocks: await blockSizes(db, codec), measured: [] },
    warmup: queries.slice(0, WARMUP),
    queries: queries.slice(WARMUP, WARMUP + QUERIES),
    run,
    close: () => db.close(),
  };
}

function accuracy(measured: readonly Measured[]): string {
  let right = 0;
  let possibleRight = 0;
  let wrong = 0;
  let missed = 0;
  let unseenNew = 0;
  let unseenLinked = 0;
  let unseenPossible = 0;
  for (const m of measured) {
    const r = m.resolution;
    if (m.query.expected === undefined) {
      if (r.outcome === 'new') unseenNew++;
      else if (r.outcome === 'match') unseenLinked++;
      else unseenPossible++;
    } else if (r.outcome === 'match') {
      if (r.hubPersonId === m.query.expected) right++;
      else wrong++;
    } else if (r.outcome === 'possible' && m.candidatePerson === m.query.expected) possibleRight++;
    else if (r.outcome === 'possible') wrong++;
    else missed++;
  }
  const indexed = right + possibleRight + wrong + missed;
  const missedNoise = measured
    .filter((m) => m.query.expected !== undefined && m.resolution.outcome === 'new')
    .map((m) => (m.query.noise.length === 0 ? 'none' : m.query.noise.join('+')));
  return `indexed persons (${indexed}): ${right} matched to the right person, ${possibleRight} possible naming the right person, ` +
    `${missed} not found (new${missedNoise.length === 0 ? '' : `: noise ${missedNoise.join(', ')}`}), ${wrong} to a wrong person; never indexed (${unseenNew + unseenLinked + unseenPossible}): ${unseenNew} new, ${unseenPossible} possible, ${unseenLinked} matched`;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

const server = await startPostgres({ stepTimeoutMs: 120_000 });
let missed = 0;
try {
  const matcher = createMatcher(defaultModel());
  const built: Built[] = [];
  try {
    for (const size of SIZES) {
      const started = performance.now();
      built.push(await build(server.url, size, matcher));
      console.log(`built an index of ${size.toLocaleString('en-GB')} persons in ${f1((performance.now() - started) / 1000)} s`);
    }
    // Warm both, then measure the two sizes in turn, query by query, so that anything else
    // running on the machine weighs on both alike and the ratio stays fair.
    for (const b of built) for (const q of b.warmup) await b.run(q);
    for (let i = 0; i < QUERIES; i++) {
      for (const b of built) {
        const q = b.queries[i];
        if (q !== undefined) b.result.measured.push(await b.run(q));
      }
    }
  } finally {
    for (const b of built) await b.close();
  }
  const results = built.map((b) => b.result);

  console.log('\nPerson index: match latency of one `resolve` (noisy record; transaction rolled back), PostgreSQL, 2 cores.');
  console.log('persons     load (copy / index / vacuum) s   key rows     size MB  queries  p50 ms  p95 ms  p99 ms  max ms');
  for (const r of results) {
    const ms = sortedOf(r.measured.map((m) => m.ms));
    console.log(
      `${r.size.toLocaleString('en-GB').padEnd(11)} ${`${f1(r.load.generateSeconds)} / ${f1(r.load.indexSeconds)} / ${f1(r.load.vacuumSeconds)}`.padEnd(32)} ` +
        `${r.load.keyRows.toLocaleString('en-GB').padEnd(12)} ${f1(r.bytes / 1048576).padEnd(8)} ${String(ms.length).padEnd(8)} ` +
        `${f2(percentile(ms, 50)).padEnd(7)} ${f2(percentile(ms, 95)).padEnd(7)} ${f2(percentile(ms, 99)).padEnd(7)} ${f2(ms[ms.length - 1] ?? Number.NaN)}`,
    );
  }
  console.log('\nBlocking (per query): keys; common keys (block > 100, used only in pairs); ignored keys (block > 1,000);');
  console.log('records found through usable keys; records opened and compared (at most 40).');
  for (const r of results) {
    const c = r.measured.map((m) => m.resolution.candidates);
    const line = (name: string, xs: readonly number[]): string => {
      const s = sortedOf(xs);
      return `${name} p50 ${percentile(s, 50)} p95 ${percentile(s, 95)} max ${s[s.length - 1] ?? 0}`;
    };
    console.log(`${r.size.toLocaleString('en-GB').padEnd(11)} ${line('keys', c.map((x) => x.keys))}; ${line('common', c.map((x) => x.commonKeys))}; ${line('ignored', c.map((x) => x.ignoredKeys))}`);
    console.log(`${''.padEnd(11)} ${line('found', c.map((x) => x.found))}; ${line('compared', c.map((x) => x.compared))}`);
    console.log(`${''.padEnd(11)} ${accuracy(r.measured)}`);
    console.log(`${''.padEnd(11)} block sizes of an Oliver Smith born 2017 in Huddersfield, by key kind: ${r.blocks}`);
  }

  const p95 = (r: SizeResult | undefined): number => percentile(sortedOf(r?.measured.map((m) => m.ms) ?? []), 95);
  const small = p95(results[0]);
  const large = p95(results[1]);
  const ratio = large / small;
  const absoluteMet = large <= TARGET_P95_MS;
  const ratioMet = ratio <= TARGET_RATIO;
  if (!absoluteMet) missed++;
  if (!ratioMet) missed++;
  console.log(`\np95 at ${(results[1]?.size ?? 0).toLocaleString('en-GB')}: ${f2(large)} ms (target ≤ ${TARGET_P95_MS} ms): ${absoluteMet ? 'met' : 'MISSED'}`);
  console.log(`p95(${(results[1]?.size ?? 0).toLocaleString('en-GB')}) / p95(${(results[0]?.size ?? 0).toLocaleString('en-GB')}) = ${f2(large)} / ${f2(small)} = ${f2(ratio)} (target ≤ ${TARGET_RATIO}): ${ratioMet ? 'met' : 'MISSED'}`);
  console.log(missed === 0 ? 'all targets met' : `${missed} target(s) missed`);
} finally {
  await server.stop();
}
process.exitCode = missed === 0 ? 0 : 1;
