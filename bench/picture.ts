/**
 * The picture under load: the hub console will ask for a referral's picture on every page, so the
 * example referral's picture (about 146 KB) must be served quickly to many readers at once.
 * Target: p95 ≤ 50 ms under 20 concurrent connections.
 *
 * The real product: `node src/main.ts` (the composition root, embedded PostgreSQL, in-process jobs,
 * the five agency simulators) in a fresh data directory, run as its own process; the example
 * referral is submitted and researched to `picture-ready`; then 20 connections (keep-alive, from
 * this process) ask `GET /v1/referrals/{id}/picture` as the hub manager, each as soon as its last
 * answer arrived, for the window (node:http keep-alive agent). Every answer must be a 200 with the whole picture.
 * Prints one JSON line per figure, with its target where it has one; exits non-zero on a miss.
 * Run: npm run bench picture [-- windowSeconds]   (or node bench/picture.ts [windowSeconds]);
 * MASH_BENCH_CPU_PROF=<dir> also profiles the gateway (node --cpu-prof).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Agent, get } from 'node:http';
import { loadOrCreateSigningKey, signToken } from '../src/gateway/embedded-key.ts';
import { startGatewayProcess, waitFor } from '../test/support/gateway-process.ts';
import { makeTempDir } from '../test/support/tmp.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const TARGET_P95_MS = 50;
const CONNECTIONS = 20;
const WARMUP_MS = 2_000;
const WINDOW_MS = Number(process.argv.slice(2).find((a) => !a.startsWith('--')) ?? 10) * 1_000;
const EXAMPLE = readFileSync(path.join(ROOT, 'examples', 'referral.json'), 'utf8');

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
const round = (n: number): number => Math.round(n * 10) / 10;
const figure = (name: string, value: number, unit: string, target?: { op: '<=' | '>='; value: number }): boolean => {
  const met = target === undefined ? undefined : target.op === '<=' ? value <= target.value : value >= target.value;
  console.log(JSON.stringify({ bench: 'picture', figure: name, value: round(value), unit, ...(target === undefined ? {} : { target: `${target.op} ${target.value}`, met }) }));
  return met !== false;
};

const tmp = makeTempDir('mash-bench-picture-');
// MASH_BENCH_CPU_PROF=<dir>: the gateway writes a V8 CPU profile there when it stops (where the time goes).
const profileDir = process.env.MASH_BENCH_CPU_PROF;
const gateway = await startGatewayProcess({
  env: { MASH_DATA_DIR: tmp.dir, LOG_LEVEL: 'warn', ...(profileDir === undefined ? {} : { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}` }) },
  timeoutMs: 60_000,
});
const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });

/** One GET over the keep-alive pool: status and body. */
const fetchText = (url: string, headers: Record<string, string>): Promise<{ status: number; text: string }> =>
  new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    }).on('error', reject);
  });

/**
 * One GET under load: status and the bytes received, counted rather than decoded, so that the
 * load generator (on the same two cores) spends as little as it can of the time it measures.
 */
const fetchBytes = (url: string, headers: Record<string, string>): Promise<{ status: number; bytes: number }> =>
  new Promise((resolve, reject) => {
    get(url, { agent, headers }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, bytes }));
      response.on('error', reject);
    }).on('error', reject);
  });
// A failure before the figures is a miss too.
process.exitCode = 1;
try {
  const key = loadOrCreateSigningKey(tmp.dir);
  const options = { issuer: 'mash-gateway', audience: 'mash-gateway' };
  const intake = await signToken(key, { sub: 'bench-intake', role: 'referral-intake' }, options);
  const manager = await signToken(key, { sub: 'bench-manager', role: 'hub-manager' }, options);
  const posted = await fetch(`${gateway.url}/v1/referrals`, { method: 'POST', headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' }, body: EXAMPLE });
  const { id } = (await posted.json()) as { id: string };
  await waitFor(
    async () => {
      const view = (await (await fetch(`${gateway.url}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${manager}` } })).json()) as { status: string };
      return view.status === 'picture-ready' ? true : undefined;
    },
    120_000,
    'the example referral to be researched',
  );
  const url = `${gateway.url}/v1/referrals/${id}/picture`;
  const headers = { authorization: `Bearer ${manager}` };
  const first = await fetchText(url, headers);
  const body = first.text;
  if (first.status !== 200) throw new Error(`GET picture answered ${first.status}`);
  const pictureBytes = Buffer.byteLength(body);
  const facts = (JSON.parse(body) as { facts: unknown[] }).facts.length;

  /** Each connection asks again as soon as its answer is read; latencies are kept after the warm-up. */
  const run = async (until: number, latencies: number[] | undefined): Promise<void> => {
    while (performance.now() < until) {
      const started = performance.now();
      const answer = await fetchBytes(url, headers);
      // The case does not change during the run: every answer is the whole picture, byte for byte as long as the first.
      if (answer.status !== 200 || answer.bytes !== pictureBytes) throw new Error(`GET picture answered ${answer.status} (${answer.bytes} of ${pictureBytes} bytes)`);
      latencies?.push(performance.now() - started);
    }
  };
  const warm = performance.now() + WARMUP_MS;
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(warm, undefined)));
  const latencies: number[] = [];
  const began = performance.now();
  const end = began + WINDOW_MS;
  await Promise.all(Array.from({ length: CONNECTIONS }, () => run(end, latencies)));
  const elapsed = performance.now() - began;
  const sorted = [...latencies].sort((a, b) => a - b);

  console.log(`GET /v1/referrals/{id}/picture of the example referral (${Math.round(pictureBytes / 1024)} KB, ${facts} facts), embedded store, ${CONNECTIONS} connections, ${WINDOW_MS / 1000} s window after ${WARMUP_MS / 1000} s warm-up; node ${process.version}`);
  let met = true;
  met = figure('requests_per_second', (latencies.length * 1_000) / elapsed, 'req/s') && met;
  met = figure('p50_ms', quantile(sorted, 0.5), 'ms') && met;
  met = figure('p95_ms', quantile(sorted, 0.95), 'ms', { op: '<=', value: TARGET_P95_MS }) && met;
  met = figure('p99_ms', quantile(sorted, 0.99), 'ms') && met;
  figure('requests', latencies.length, 'requests');
  console.log(met ? 'all picture targets met' : 'MISSED: p95');
  process.exitCode = met ? 0 : 1;
} finally {
  agent.destroy();
  await gateway.kill();
  tmp.remove();
}
