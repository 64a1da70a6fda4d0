/**
 * A distributed deployment for end-to-end suites, as the README's "Distributed deployment" runs it:
 * PostgreSQL and Redis started by the test, the agency simulators, a connectors file naming them,
 * and the real processes — one `MASH_ROLE=gateway` and N `MASH_ROLE=worker` — with the keys every
 * process of a deployment shares (master key, audit signing key).
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { TEST_AUDIT_SIGNING_KEY } from '../support/audit-key.ts';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.ts';
import { startPostgres, type StartPostgresOptions, type TestPostgres } from '../support/postgres.ts';
import { startRedis, type TestRedis } from '../support/redis.ts';
import { makeTempDir } from '../support/tmp.ts';
import { startEmbeddedSimulators, type EmbeddedSimulators } from '../../simulators/embedded.ts';
import type { Connector } from '../../src/model/connector.ts';

export interface DistributedStack {
  readonly postgres: TestPostgres;
  readonly redis: TestRedis;
  readonly simulators: EmbeddedSimulators;
  readonly gateway: GatewayProcess;
  readonly workers: readonly GatewayProcess[];
  /** The environment every process was started with (without MASH_ROLE). */
  readonly env: Readonly<Record<string, string>>;
  /** The data directory the processes share (embedded token key for tests). */
  readonly dataDir: string;
  /** Stops the processes (SIGTERM), the simulators and the servers, and removes the data. */
  stop(): Promise<void>;
}

export interface DistributedOptions {
  readonly tmpPrefix: string;
  readonly workers?: number;
  readonly postgres?: StartPostgresOptions;
  /** Extra environment for every process (given the simulators, e.g. for the host's address). */
  readonly env?: Readonly<Record<string, string>> | ((simulators: EmbeddedSimulators) => Readonly<Record<string, string>>);
  /** Extra environment for the workers only. */
  readonly workerEnv?: Readonly<Record<string, string>>;
  /** Runs once the simulators are up, before any process starts (e.g. to set their faults). */
  readonly prepare?: (simulators: EmbeddedSimulators) => void;
  /** Changes the connectors declared for the simulators (retries, rate limits…). */
  readonly connectors?: (declared: readonly Connector[]) => readonly Connector[];
}

export async function startDistributedStack(options: DistributedOptions): Promise<DistributedStack> {
  const tmp = makeTempDir(options.tmpPrefix);
  const processes: GatewayProcess[] = [];
  let servers: [TestPostgres, TestRedis, EmbeddedSimulators] | undefined;
  const stop = async (): Promise<void> => {
    for (const p of [...processes].reverse()) await p.kill('SIGTERM');
    await servers?.[2].close();
    await servers?.[1].stop();
    await servers?.[0].stop();
    tmp.remove();
  };
  try {
    servers = await Promise.all([startPostgres(options.postgres), startRedis(), startEmbeddedSimulators()]);
    const [postgres, redis, simulators] = servers;
    options.prepare?.(simulators);
    const connectorsFile = path.join(tmp.dir, 'connectors.json');
    writeFileSync(connectorsFile, JSON.stringify({ connectors: options.connectors?.(simulators.connectors) ?? simulators.connectors }));
    const env = {
      MASH_DATA_DIR: tmp.dir,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      MASH_CONNECTORS: connectorsFile,
      MASH_MASTER_KEY: randomBytes(32).toString('base64'),
      MASH_AUDIT_SIGNING_KEY: TEST_AUDIT_SIGNING_KEY,
      ...(typeof options.env === 'function' ? options.env(simulators) : options.env),
    };
    const gateway = await startGatewayProcess({ env: { ...env, MASH_ROLE: 'gateway' } });
    processes.push(gateway);
    const workers: GatewayProcess[] = [];
    for (let n = 0; n < (options.workers ?? 1); n += 1) {
      const worker = await startGatewayProcess({ env: { ...env, ...options.workerEnv, MASH_ROLE: 'worker' }, waitFor: 'worker' });
      processes.push(worker);
      workers.push(worker);
    }
    return { postgres, redis, simulators, gateway, workers, env, dataDir: tmp.dir, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
