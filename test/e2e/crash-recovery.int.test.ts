/**
 * The store is the source of truth (docs/decisions.md). The gateway is killed with SIGKILL while lookups
 * are in flight; after a restart on the same data directory the referral completes, and no
 * lookup is recorded twice (one completion audit entry and one set of facts per lookup).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/pglite.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { makeTempDir } from '../support/tmp.ts';
import { seedEmbeddedStore } from '../support/templates.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import { EXAMPLE_REFERRAL, tokenIn, waitForLookupsInFlight, waitForPicture } from './support.ts';

describe('SIGKILL while lookups are in flight (embedded: PGlite + in-process runner)', () => {
  const tmp = makeTempDir('mash-e2e-crash-');
  let simulators: EmbeddedSimulators;
  let gateway: GatewayProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    simulators = await startEmbeddedSimulators();
    const connectorsFile = path.join(tmp.dir, 'connectors.json');
    // What this suite checks is recovery, not agency deadlines: a loaded machine (three test forks
    // on two cores) must not turn a slow answer into a timed-out lookup (docs/decisions.md, "Test workers").
    writeFileSync(connectorsFile, JSON.stringify({ connectors: simulators.connectors.map((c) => ({ ...c, timeoutMs: 60_000 })) }));
    env = { MASH_DATA_DIR: path.join(tmp.dir, 'data'), MASH_CONNECTORS: connectorsFile, MASH_JOB_BACKOFF_MS: '100', MASH_WORKER_CONCURRENCY: '32' };
  }, 60_000);

  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    await simulators.close();
    tmp.remove();
  });

  it('completes the referral after a restart, with every lookup recorded exactly once', async () => {
    const dataDir = env.MASH_DATA_DIR!;
    // A slow agency keeps the lookups in flight long enough to kill the process under them.
    const slowAll = (latencyMs: number): void => {
      for (const simulator of Object.values(simulators.agencies)) simulator.setFaults({ latencyMs });
    };
    slowAll(4_000);
    seedEmbeddedStore(dataDir); // the run's empty PGlite cluster (test/support/templates.ts): recovery is the subject, not the first start
    gateway = await startGatewayProcess({ env });
    const referral = structuredClone(EXAMPLE_REFERRAL) as { subjects: unknown[] };
    referral.subjects.push({ ref: 'mother-1', role: 'parent', name: { given: ['Claire'], family: 'Smith' }, birthDate: '1991-02-17', sex: 'female' });
    const intake = await tokenIn(dataDir, 'referral-intake');
    const posted = await fetch(`${gateway.url}/v1/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${intake}`, 'content-type': 'application/json' },
      body: JSON.stringify(referral),
    });
    expect(posted.status).toBe(202);
    const { id } = (await posted.json()) as { id: string };
    const manager = await tokenIn(dataDir, 'hub-manager');
    await waitForLookupsInFlight(gateway.url, manager, id);

    await gateway.kill('SIGKILL');
    slowAll(50);

    // The lock file of the killed process is stale: the restart takes it over.
    gateway = await startGatewayProcess({ env });
    const done = await waitForPicture(gateway.url, manager, id);
    const firstWave = done.lookups.filter((l) => (l as { wave?: number }).wave === 1);
    expect(firstWave).toHaveLength(simulators.connectors.length * 2);
    // Answered, in full or cut short and saying so (a search may match more people than the connector reads).
    expect(done.lookups.filter((l) => l.status !== 'done' && l.status !== 'partial').map((l) => `${l.id} ${l.status} attempts ${l.attempts}: ${l.reason ?? ''}`)).toEqual([]);
    // Attempt 1 died with the process; attempt 2 ran after the restart.
    for (const lookup of firstWave) expect(lookup.attempts).toBe(2);
    await gateway.kill('SIGTERM');
    gateway = undefined;

    // DESIGN.md rule 6 (audit): after the flow, crash included, `audit:verify` finds the chain intact.
    const verify = spawnSync(process.execPath, ['src/cli/audit-verify.ts'], { cwd: path.resolve(import.meta.dirname, '..', '..'), env: { PATH: process.env.PATH ?? '', MASH_DATA_DIR: dataDir }, encoding: 'utf8', timeout: 60_000 });
    expect(verify.stdout).toMatch(/^audit log intact: /);
    expect(verify.status).toBe(0);

    const db = await openPglite(dataDir);
    try {
      const completions = await db.query<{ subject: string; n: number }>(
        "SELECT subject, count(*)::int AS n FROM audit_log WHERE action = 'lookup.completed' AND referral_id = $1 GROUP BY subject",
        [id],
      );
      expect(completions).toHaveLength(done.lookups.length);
      expect(completions.every((c) => c.n === 1)).toBe(true);
      const facts = await db.query<{ lookup_id: string; n: number; recorded: number }>(
        'SELECT f.lookup_id, count(*)::int AS n, max(l.fact_count) AS recorded FROM facts f JOIN lookups l ON l.id = f.lookup_id WHERE f.referral_id = $1 GROUP BY f.lookup_id',
        [id],
      );
      expect(facts.length).toBeGreaterThan(0);
      for (const row of facts) expect(row.n).toBe(row.recorded);
    } finally {
      await db.close();
    }
  }, 120_000);
});
