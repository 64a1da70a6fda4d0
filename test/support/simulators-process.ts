/**
 * The agency simulators in a process of their own (`npm run simulators` semantics:
 * `node simulators/serve.ts`, every port chosen by the OS), and a connectors file naming them the
 * way `examples/connectors.compose.yaml` does. Benchmarks and the queue-order suites use it so the
 * simulators' CPU and event loop are never the gateway's (a simulator inside the gateway hides
 * where the gateway's CPU goes and slows its answers).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Agency } from '../../src/model/agency.ts';
import type { Connector } from '../../src/model/connector.ts';
import type { SimulatorFaults } from '../../simulators/common/faults.ts';
import type { TrafficProfile } from '../../simulators/common/traffic.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const AGENCIES = ['health', 'police', 'education', 'housing', 'social-care'] as const satisfies readonly Agency[];

/** The connector declarations of `examples/connectors.compose.yaml`, less the addresses. */
const DECLARED: Readonly<Record<Agency, Pick<Connector, 'type' | 'sourceSystem'>>> = {
  health: { type: 'fhir-r4', sourceSystem: 'Simulated NHS trust and GP records (FHIR R4, UK Core)' },
  police: { type: 'police-soap', sourceSystem: 'Simulated police records management system (SOAP, POLE)' },
  education: { type: 'education-xml', sourceSystem: 'Simulated LA pupil database (CTF-shaped XML)' },
  housing: { type: 'housing-rest', sourceSystem: 'Simulated housing management system (REST)' },
  'social-care': { type: 'social-care-rest', sourceSystem: "Simulated children's services case system (MASH read API)" },
};

/** A running simulators process. */
export interface SimulatorsProcess {
  readonly child: ChildProcess;
  /** Each agency simulator's base URL. */
  readonly agencies: Readonly<Record<Agency, string>>;
  readonly feedbackUrl: string;
  readonly hostUrl: string;
  /**
   * Writes a connectors file (`MASH_CONNECTORS`) for these simulators into `dir`; `extra` adds
   * fields per agency (a deadline, a rate limit, the demo reveal policy).
   */
  connectorsFile(dir: string, extra?: Partial<Record<Agency, Record<string, unknown>>>): string;
  /** `POST /_sim/traffic` on one agency (or all when `agency` is omitted). */
  setTraffic(profile: TrafficProfile, agency?: Agency): Promise<void>;
  /** `POST /_sim/faults` on one agency. */
  setFaults(agency: Agency, faults: SimulatorFaults): Promise<void>;
  /** `GET /_sim/requests` (`DELETE` with `reset`): agency requests answered and refused over the limit. */
  requests(agency: Agency, reset?: boolean): Promise<{ requests: number; overLimit: number }>;
  stop(): Promise<void>;
}

/** Starts `node simulators/serve.ts` on free ports and waits for every address it prints. */
export async function startSimulatorsProcess(options: { readonly env?: Readonly<Record<string, string>>; readonly timeoutMs?: number } = {}): Promise<SimulatorsProcess> {
  const child = spawn(process.execPath, ['simulators/serve.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', MASH_SIMULATOR_BASE_PORT: '0', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
  const addressOf = (label: string): string | undefined => new RegExp(`^${label} simulator: (http://\\S+)$`, 'm').exec(output)?.[1];
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (addressOf('host case system') === undefined) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`simulators exited during start:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`simulators did not start in time:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const need = (label: string): string => {
    const url = addressOf(label);
    if (url === undefined) throw new Error(`simulators did not print the ${label} address:\n${output}`);
    return url;
  };
  const agencies = Object.fromEntries(AGENCIES.map((a) => [a, need(a)])) as Record<Agency, string>;
  const feedbackUrl = need('outcome notifications');
  const hostUrl = need('host case system');

  const control = async (agency: Agency, pathname: string, method: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${agencies[agency]}${pathname}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }) });
    if (!response.ok) throw new Error(`${method} ${pathname} on the ${agency} simulator answered ${response.status}: ${await response.text()}`);
    const text = await response.text();
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
  return {
    child,
    agencies,
    feedbackUrl,
    hostUrl,
    connectorsFile(dir, extra = {}) {
      const connectors = AGENCIES.map((agency) => ({
        id: `${agency}-sim`,
        agency,
        ...DECLARED[agency],
        baseUrl: agencies[agency],
        feedbackUrl: `${feedbackUrl}/agencies/${agency}`,
        ...extra[agency],
      }));
      const file = path.join(dir, 'connectors.json');
      writeFileSync(file, JSON.stringify({ connectors }));
      return file;
    },
    async setTraffic(profile, agency) {
      for (const a of agency === undefined ? AGENCIES : [agency]) await control(a, '/_sim/traffic', 'POST', profile);
    },
    async setFaults(agency, faults) {
      await control(agency, '/_sim/faults', 'POST', faults);
    },
    async requests(agency, reset = false) {
      return (await control(agency, '/_sim/requests', reset ? 'DELETE' : 'GET')) as { requests: number; overLimit: number };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
