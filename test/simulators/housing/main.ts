/**
 * Runs the housing simulator on its own, serving the synthetic population — for benchmarks,
 * manual exploration and tests that drive a separate process (faults then go through
 * `POST /_sim/faults`).
 *
 *   npm exec -- node test/simulators/housing/main.ts [--port 9104] [--host 127.0.0.1]
 *       [--seed 20261121] [--households 2000] [--client-id ID --client-secret SECRET] [--static-token T]
 *
 * Prints one JSON line `{"url":…,"tokenUrl":…,"persons":…}` once listening; stops on SIGINT/SIGTERM.
 * With `--client-id`/`--client-secret` or `--static-token`, API calls need a bearer token.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_HOUSEHOLDS, DEFAULT_SEED, generatePopulation } from '../population/index.ts';
import { startHousingSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string', default: String(DEFAULT_SEED) },
    households: { type: 'string', default: String(DEFAULT_HOUSEHOLDS) },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'static-token': { type: 'string' },
  },
});

const clientId = values['client-id'];
const clientSecret = values['client-secret'];
const staticToken = values['static-token'];
const secured = (clientId !== undefined && clientSecret !== undefined) || staticToken !== undefined;
const population = generatePopulation({ seed: Number(values.seed), households: Number(values.households) });
const simulator = await startHousingSimulator({
  population,
  port: Number(values.port),
  host: values.host,
  ...(secured
    ? {
        auth: {
          clients: clientId !== undefined && clientSecret !== undefined ? [{ clientId, clientSecret }] : [],
          ...(staticToken === undefined ? {} : { staticTokens: [staticToken] }),
        },
      }
    : {}),
});
console.log(JSON.stringify({ url: simulator.url, tokenUrl: simulator.tokenUrl, persons: population.views.housing.persons.length }));

const stop = (): void => {
  void simulator.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
