/**
 * Runs the police simulator on its own, serving the synthetic population — for benchmarks,
 * manual exploration (SoapUI and friends can read `GET /?wsdl`) and tests that drive a separate
 * process (faults then go through `POST /_sim/faults`).
 *
 *   npm exec -- node simulators/police/main.ts [--port 8082] [--host 127.0.0.1]
 *       [--seed 20261121] [--households 2000] [--username U --password P]
 *
 * Prints one JSON line `{"url":…,"wsdl":…,"nominals":…}` once listening; stops on SIGINT/SIGTERM.
 * With `--username`/`--password`, requests need a WS-Security UsernameToken.
 */
import { parseArgs } from 'node:util';
import { closeOnSignal, populationOf, SIMULATOR_OPTIONS } from '../common/cli.ts';
import { startPoliceSimulator } from './server.ts';

const { values } = parseArgs({
  options: {
    ...SIMULATOR_OPTIONS,
    username: { type: 'string' },
    password: { type: 'string' },
  },
});

const population = populationOf(values);
const { username, password } = values;
const simulator = await startPoliceSimulator({
  population,
  port: Number(values.port),
  host: values.host,
  ...(username !== undefined && password !== undefined ? { auth: { users: [{ username, password }] } } : {}),
});
console.log(JSON.stringify({ url: simulator.url, wsdl: `${simulator.url}/?wsdl`, nominals: population.views.police.nominals.length }));

closeOnSignal(simulator);
