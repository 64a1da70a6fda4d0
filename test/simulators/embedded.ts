/**
 * The agency simulators `npm start` runs in embedded mode, over one synthetic population, and
 * the connectors that point at them. Also used by `serve.ts` (compose) and the end-to-end tests.
 */
import type { Connector } from '../../src/model/connector.ts';
import { startHealthSimulator, type HealthSimulator } from './health/server.ts';
import { healthResources } from './health/resources.ts';
import { DEFAULT_SEED, generatePopulation } from './population/index.ts';

export interface EmbeddedSimulators {
  readonly connectors: readonly Connector[];
  readonly health: HealthSimulator;
  close(): Promise<void>;
}

export interface EmbeddedSimulatorOptions {
  readonly host?: string;
  /** Fixed ports, in agency order, for deployments that name them; random when absent. */
  readonly ports?: { readonly health?: number };
  /** The host name connectors use to reach the simulators, when not `host` (compose service name). */
  readonly advertisedHost?: string;
  readonly seed?: number;
}

export async function startEmbeddedSimulators(options: EmbeddedSimulatorOptions = {}): Promise<EmbeddedSimulators> {
  const population = generatePopulation({ seed: options.seed ?? DEFAULT_SEED });
  const host = options.host ?? '127.0.0.1';
  const health = await startHealthSimulator({ resources: healthResources(population), host, port: options.ports?.health ?? 0 });
  const advertise = (url: string): string => (options.advertisedHost === undefined ? url : url.replace(/\/\/[^/:]+/, `//${options.advertisedHost}`));
  const connectors: Connector[] = [
    {
      id: 'health-sim',
      agency: 'health',
      type: 'fhir-r4',
      sourceSystem: 'Simulated NHS trust and GP records (FHIR R4, UK Core)',
      baseUrl: advertise(health.url),
      auth: { kind: 'none' },
      enabled: true,
      timeoutMs: 10_000,
      maxResponseBytes: 5 * 1024 * 1024,
      maxPages: 10,
      autoReveal: ['open'],
    },
  ];
  return {
    connectors,
    health,
    async close() {
      await health.close();
    },
  };
}
