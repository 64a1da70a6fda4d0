/**
 * Runs the agency simulators on their own, on fixed ports, for the `simulators` service of
 * compose.yaml and for manual testing: `node test/simulators/serve.ts`.
 * health 9101, police 9102, education 9103, housing 9104, social care 9105, outcome
 * notifications 9106, host case system 9107.
 */
import { startEmbeddedSimulators } from './embedded.ts';

const host = process.env.MASH_SIMULATOR_HOST ?? '127.0.0.1';
const simulators = await startEmbeddedSimulators({
  host,
  ports: { health: 9101, police: 9102, education: 9103, housing: 9104, 'social-care': 9105, feedback: 9106, host: 9107 },
  advertisedHost: process.env.MASH_SIMULATOR_ADVERTISED_HOST,
});
for (const connector of simulators.connectors) process.stdout.write(`${connector.agency} simulator: ${connector.baseUrl}\n`);
process.stdout.write(`host case system simulator: ${simulators.host.url}\n`);
const stop = (): void => {
  void simulators.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
