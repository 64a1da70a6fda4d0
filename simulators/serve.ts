/**
 * Runs the agency simulators on their own: the `simulators` service of compose.yaml, and
 * `npm run simulators` for trying the distributed deployment on one machine (README
 * "Distributed deployment"). They listen on MASH_SIMULATOR_BASE_PORT (default 9101) and the six
 * ports after it, in the order of SIMULATOR_PORT_ORDER: health, police, education, housing,
 * social care, outcome notifications, host case system. `0` lets the OS choose a free port for
 * each, so suites running side by side never collide; the lines printed name every address.
 */
import { z } from 'zod';
import { SIMULATOR_PORT_ORDER, startEmbeddedSimulators } from './embedded.ts';

const Env = z.object({
  MASH_SIMULATOR_HOST: z.string().min(1).default('127.0.0.1'),
  MASH_SIMULATOR_ADVERTISED_HOST: z.string().min(1).optional(),
  MASH_SIMULATOR_BASE_PORT: z.coerce.number().int().min(0).max(65_535 - SIMULATOR_PORT_ORDER.length).default(9101),
});
const parsed = Env.safeParse(Object.fromEntries(Object.entries(process.env).filter(([, value]) => value !== '')));
if (!parsed.success) {
  const issue = parsed.error.issues[0];
  process.stderr.write(`simulators: configuration error: ${String(issue?.path[0] ?? 'environment')}: ${issue?.message ?? 'invalid'}\n`);
  process.exit(1);
}
const env = parsed.data;
const base = env.MASH_SIMULATOR_BASE_PORT;
const simulators = await startEmbeddedSimulators({
  host: env.MASH_SIMULATOR_HOST,
  ports: Object.fromEntries(SIMULATOR_PORT_ORDER.map((name, offset) => [name, base === 0 ? 0 : base + offset])),
  advertisedHost: env.MASH_SIMULATOR_ADVERTISED_HOST,
});
for (const connector of simulators.connectors) process.stdout.write(`${connector.agency} simulator: ${connector.baseUrl}\n`);
process.stdout.write(`outcome notifications simulator: ${simulators.feedback.url}\n`);
process.stdout.write(`host case system simulator: ${simulators.host.url}\n`);
const stop = (): void => {
  void simulators.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
