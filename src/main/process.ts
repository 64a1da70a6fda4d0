/**
 * The process around the composition root: listening for HTTP and saying where, the start-up
 * banner, exiting with a one-line reason, and the orderly shutdown on SIGTERM/SIGINT. Split from
 * src/main.ts by responsibility: main wires the parts, this runs the process they live in.
 */
import { serve, type ServerType } from '@hono/node-server';
import type { Config } from '../config.ts';
import { describeError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';

/** Something to close at shutdown, in order. */
export type Closer = () => Promise<void>;

/** Ends the process with a one-line reason on stderr (exit code 1). */
export function exitWith(message: string): never {
  process.stderr.write(`mash: ${message}\n`);
  process.exit(1);
}

export function listen(fetch: (request: Request) => Response | Promise<Response>, config: Config): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: config.host, port: config.port }, () => resolve(server));
    server.once('error', reject);
  });
}

export function serverUrl(server: ServerType, config: Config): string {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export function printBanner(config: Config, url: string, hostSimulatorUrl: string | undefined): void {
  const embeddedKey = config.jwt.jwksUrl === undefined && config.jwt.publicKeyPem === undefined;
  const lines = [
    `MASH Gateway listening on ${url}  (role ${config.role}, store ${config.databaseUrl === undefined ? `PGlite in ${config.dataDir}` : 'PostgreSQL'}, jobs ${config.redisUrl === undefined ? 'in-process' : 'BullMQ'})`,
    `  ready:    curl ${url}/readyz`,
    `  API docs: ${url}/docs`,
  ];
  if (config.console !== undefined && config.role !== 'worker') lines.push(`  console:  ${url}/console${config.console.demoSignIn ? ' (demonstration sign-in: choose a role)' : ''}`);
  // Products are pushed to the host simulator unless MASH_HOST_URL names a real host.
  if (hostSimulatorUrl !== undefined && config.hostSystem.url === undefined) lines.push(`  host case system simulator: ${hostSimulatorUrl} (what it received: curl ${hostSimulatorUrl}/mash-products)`);
  if (embeddedKey) {
    lines.push(
      '  send the example referral:',
      '    TOKEN=$(npm run --silent token -- --role referral-intake)',
      `    curl -s -X POST ${url}/v1/referrals -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data @examples/referral.json`,
      '  then read its picture (use the id from the answer):',
      '    TOKEN=$(npm run --silent token -- --role hub-manager)',
      `    curl -s ${url}/v1/referrals/<id>/picture -H "Authorization: Bearer $TOKEN"`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * SIGTERM/SIGINT: stop taking work, let what is running finish, close the store, exit 0
 * (docs/decisions.md, "Crash recovery in seconds"). The HTTP server stops accepting and finishes
 * its requests, and the job engine stops taking jobs and waits for the running ones — together
 * for at most the grace period less a reserve for closing the rest. Jobs still running then are
 * left for recovery, as after a crash (their rows say unfinished; BullMQ's lock on them lapses), and
 * the process still exits 0: leaving them is the design, not a failure. Only a close that overruns
 * the whole grace period exits 1. A signal that arrives while shutting down is ignored, not fatal:
 * Ctrl-C on `npm start` delivers SIGINT twice (from the terminal, and forwarded by npm), and the
 * second must not cut the first's orderly close of the store short.
 */
export function installShutdown(closers: Closer[], logger: Logger, graceMs: number): void {
  let stopping = false;
  const shutdown = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    const startedAt = Date.now();
    // What closing the store and the connections may still need after the drain.
    const drainUntil = startedAt + graceMs - Math.min(2_000, Math.floor(graceMs / 4));
    const force = setTimeout(() => {
      logger.error({ code: 'SHUTDOWN.TIMEOUT' }, 'shutdown took too long; exiting');
      process.exit(1);
    }, graceMs);
    force.unref();
    logger.info({ graceMs }, 'shutting down: finishing running work');
    for (const close of closers) {
      const until = Date.now() < drainUntil ? drainUntil : startedAt + graceMs - 250;
      try {
        if ((await settlesBy(close(), until)) === 'late') {
          logger.warn({ code: 'SHUTDOWN.DRAIN_INCOMPLETE' }, 'work still running at the end of the grace period is left for recovery');
        }
      } catch (error) {
        logger.warn({ code: 'SHUTDOWN.CLOSE_FAILED', error: describeError(error) }, 'a component failed to close');
      }
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}

/** Whether `promise` settles before the clock reaches `until` (a rejection is thrown at once). */
async function settlesBy(promise: Promise<void>, until: number): Promise<'settled' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, until - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => 'settled' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
