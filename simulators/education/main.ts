/**
 * Runs the education simulator on its own, serving the synthetic population — for benchmarks,
 * manual exploration and tests that drive a separate process (faults then go through
 * `POST /_sim/faults`).
 *
 *   npm exec -- node simulators/education/main.ts [--port 8083] [--host 127.0.0.1]
 *       [--seed 20261121] [--households 2000] [--bearer-token T] [--basic USER:PASSWORD]
 *       [--client-id ID --client-secret SECRET] [--max-page-size 50]
 *
 * Prints one JSON line `{"url":…,"tokenUrl":…,"pupils":…}` once listening; stops on SIGINT/SIGTERM.
 * With any credential option, `/pupils` needs one of the credentials given.
 */
import { parseArgs } from 'node:util';
import { closeOnSignal, populationOf, SIMULATOR_OPTIONS } from '../common/cli.ts';
import { startEducationSimulator, type EducationSimulatorAuth } from './server.ts';

const { values } = parseArgs({
  options: {
    ...SIMULATOR_OPTIONS,
    'bearer-token': { type: 'string' },
    basic: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
    'max-page-size': { type: 'string', default: '50' },
  },
});

const bearer = values['bearer-token'];
const basic = values.basic?.split(':');
const clientId = values['client-id'];
const clientSecret = values['client-secret'];
const auth: EducationSimulatorAuth = {
  ...(bearer === undefined ? {} : { bearerTokens: [bearer] }),
  ...(basic?.[0] === undefined || basic[1] === undefined ? {} : { basic: [{ username: basic[0], password: basic.slice(1).join(':') }] }),
  ...(clientId === undefined || clientSecret === undefined ? {} : { clients: [{ clientId, clientSecret }] }),
};
const population = populationOf(values);
const simulator = await startEducationSimulator({
  population,
  port: Number(values.port),
  host: values.host,
  maxPageSize: Number(values['max-page-size']),
  ...(Object.keys(auth).length === 0 ? {} : { auth }),
});
console.log(JSON.stringify({ url: simulator.url, tokenUrl: simulator.tokenUrl, pupils: population.views.education.persons.filter((p) => p.kind === 'pupil').length }));

closeOnSignal(simulator);
