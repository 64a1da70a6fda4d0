/**
 * Runs the health simulator on its own, serving the synthetic population — for benchmarks,
 * manual exploration and tests that drive a separate process (faults then go through
 * `POST /_sim/faults`).
 *
 *   npm exec -- node simulators/health/main.ts [--port 8081] [--host 127.0.0.1]
 *       [--seed 20261121] [--households 2000] [--client-id ID --client-secret SECRET] [--static-token T]
 *
 * Prints one JSON line `{"url":…,"tokenUrl":…,"resources":…}` once listening; stops on SIGINT/SIGTERM.
 * With `--client-id`/`--client-secret` or `--static-token`, FHIR endpoints need a bearer token.
 */
import { parseArgs } from 'node:util';
import { closeOnSignal, OAUTH_OPTIONS, oauthAuthOf, populationOf, SIMULATOR_OPTIONS } from '../common/cli.ts';
import { healthResources } from './resources.ts';
import { startHealthSimulator } from './server.ts';

const { values } = parseArgs({ options: { ...SIMULATOR_OPTIONS, ...OAUTH_OPTIONS } });

const resources = healthResources(populationOf(values));
const simulator = await startHealthSimulator({
  resources,
  port: Number(values.port),
  host: values.host,
  ...oauthAuthOf(values),
});
console.log(JSON.stringify({ url: simulator.url, tokenUrl: simulator.tokenUrl, resources: resources.length }));

closeOnSignal(simulator);
