/**
 * SIGTERM drains (docs/decisions.md, "Crash recovery in seconds"), driven through the real process
 * (`node src/main.ts`, embedded: PGlite and the in-process runner). With lookups in flight, SIGTERM
 * lets them finish within the grace period and the process exits 0; lookups that outlast the grace
 * period are left for recovery — the process still exits 0, promptly, and the next start completes
 * them, each recorded once.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/pglite.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { submitExample, tokenIn, waitForLookupsInFlight, waitForPicture } from './support.ts';

describe('SIGTERM with lookups in flight (embedded)', () => {
  const tmp = makeTempDir('mash-e2e-drain-');
  let simulators: EmbeddedSimulators;
  let gateway: GatewayProcess | undefined;
  let connectorsFile: string;

  const slowAll = (latencyMs: number): void => {
    for (const simulator of Object.values(simulators.agencies)) simulator?.setFaults({ latencyMs });
  };

  beforeAll(async () => {
    simulators = await startEmbeddedSimulators();
    connectorsFile = path.join(tmp.dir, 'connectors.json');
    writeFileSync(connectorsFile, JSON.stringify({ connectors: simulators.connectors }));
  }, 60_000);

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await simulators.close();
    tmp.remove();
  });

  /** Starts the gateway on `dataDir`, submits the example referral, and waits until its lookups all run. */
  async function startWithLookupsInFlight(dataDir: string, graceMs: number): Promise<{ id: string; manager: string }> {
    seedEmbeddedStore(dataDir); // the run's empty PGlite cluster (test/support/templates.ts): the drain is the subject, not the first start
    gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: dataDir, MASH_CONNECTORS: connectorsFile, MASH_FAMILY_DEPTH: '0', MASH_SHUTDOWN_GRACE_MS: String(graceMs), MASH_WORKER_CONCURRENCY: '16' } });
    const id = await submitExample(gateway.url, await tokenIn(dataDir, 'referral-intake'));
    const manager = await tokenIn(dataDir, 'hub-manager');
    await waitForLookupsInFlight(gateway.url, manager, id);
    return { id, manager };
  }

  async function lookupsOf(dataDir: string, id: string): Promise<{ statuses: string[]; completions: number[] }> {
    const db = await openPglite(dataDir);
    try {
      const lookups = await db.query<{ status: string }>('SELECT status FROM lookups WHERE referral_id = $1 ORDER BY id', [id]);
      const completions = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'lookup.completed' AND referral_id = $1 GROUP BY subject", [id]);
      return { statuses: lookups.map((l) => l.status), completions: completions.map((c) => c.n) };
    } finally {
      await db.close();
    }
  }

  it('lets running lookups finish within the grace period, then exits 0', async () => {
    const dataDir = path.join(tmp.dir, 'finish');
    slowAll(2_000);
    const { id } = await startWithLookupsInFlight(dataDir, 15_000);
    const running = gateway;
    gateway = undefined;
    const code = await running?.kill('SIGTERM');
    expect(code, running?.output().slice(-2_000)).toBe(0);
    const { statuses, completions } = await lookupsOf(dataDir, id);
    expect(statuses.length).toBeGreaterThan(0);
    // Every lookup running at SIGTERM finished and was recorded, once.
    expect(statuses.filter((s) => s !== 'done' && s !== 'partial')).toEqual([]);
    expect(completions).toEqual(statuses.map(() => 1));
  }, 90_000);

  it('leaves lookups that outlast the grace period for recovery, exits 0 within it, and the next start completes them', async () => {
    const dataDir = path.join(tmp.dir, 'outlast');
    slowAll(30_000);
    const { id, manager } = await startWithLookupsInFlight(dataDir, 3_000);
    const running = gateway;
    gateway = undefined;
    const signalledAt = Date.now();
    const code = await running?.kill('SIGTERM');
    const tookMs = Date.now() - signalledAt;
    expect(code, running?.output().slice(-2_000)).toBe(0);
    expect(tookMs).toBeLessThan(3_000 + 1_500);
    expect((await lookupsOf(dataDir, id)).statuses.every((s) => s === 'running')).toBe(true);

    slowAll(0);
    gateway = await startGatewayProcess({ env: { MASH_DATA_DIR: dataDir, MASH_CONNECTORS: connectorsFile, MASH_FAMILY_DEPTH: '0' } });
    const done = await waitForPicture(gateway.url, manager, id, 60_000);
    expect(done.lookups.filter((l) => l.status !== 'done' && l.status !== 'partial')).toEqual([]);
    await gateway.kill('SIGTERM');
    gateway = undefined;
    const { completions } = await lookupsOf(dataDir, id);
    expect(completions).toEqual(done.lookups.map(() => 1));
  }, 120_000);
});
