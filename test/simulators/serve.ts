/**
 * Runs the agency simulators on their own, on fixed ports (health 9101, …), for the `simulators`
 * service of compose.yaml and for manual testing: `node test/simulators/serve.ts`.
 */
import { startEmbeddedSimulators } from './embedded.ts';

const host = process.env.MASH_SIMULATOR_HOST ?? '127.0.0.1';
const simulators = await startEmbeddedSimulators({ host, ports: { health: 9101 } });
for (const connector of simulators.connectors) process.stdout.write(`${connector.agency} simulator: ${connector.baseUrl}\n`);
const stop = (): void => {
  void simulators.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
