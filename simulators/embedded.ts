/**
 * The agency simulators `npm start` runs in embedded mode, over one synthetic population, and
 * the connectors that point at them; plus the host case system and the agencies' outcome
 * endpoints. Also used by `serve.ts` (compose) and the end-to-end tests.
 */
import type { Agency } from '../src/model/agency.ts';
import { Connector, type ConnectorType } from '../src/model/connector.ts';
import { startFeedbackSink, type FeedbackSink } from './feedback.ts';
import { startHostSimulator, type HostSimulator } from './host/server.ts';
import { startHealthSimulator, type HealthSimulator } from './health/server.ts';
import { healthResources } from './health/resources.ts';
import { DEFAULT_SEED, generatePopulation } from './population/index.ts';
import type { SimulatorFaults } from './common/faults.ts';
import { startEducationSimulator } from './education/server.ts';
import { startHousingSimulator } from './housing/server.ts';
import { startPoliceSimulator } from './police/server.ts';
import { startSocialCareSimulator } from './social-care/server.ts';

/** What every agency simulator offers the harness. */
export interface AgencySimulator {
  readonly url: string;
  setFaults(faults: SimulatorFaults): void;
  close(): Promise<void>;
}

export interface EmbeddedSimulators {
  readonly connectors: readonly Connector[];
  readonly agencies: Readonly<Partial<Record<Agency, AgencySimulator>>>;
  readonly health: HealthSimulator;
  readonly feedback: FeedbackSink;
  /** The host children's services case system that receives published products. */
  readonly host: HostSimulator;
  close(): Promise<void>;
}

/** Where each simulator sits in a block of consecutive ports (compose: 9101–9107; serve.ts). */
export const SIMULATOR_PORT_ORDER = ['health', 'police', 'education', 'housing', 'social-care', 'feedback', 'host'] as const satisfies readonly (Agency | 'feedback' | 'host')[];

export interface EmbeddedSimulatorOptions {
  readonly host?: string;
  /** Fixed ports for deployments that name them; random when absent. */
  readonly ports?: Partial<Record<Agency | 'feedback' | 'host', number>>;
  /** The host name connectors use to reach the simulators, when not `host` (compose service name). */
  readonly advertisedHost?: string;
  readonly seed?: number;
}

const SOURCE_SYSTEMS: Readonly<Record<Agency, { type: ConnectorType; sourceSystem: string }>> = {
  health: { type: 'fhir-r4', sourceSystem: 'Simulated NHS trust and GP records (FHIR R4, UK Core)' },
  police: { type: 'police-soap', sourceSystem: 'Simulated police records management system (SOAP, POLE)' },
  education: { type: 'education-xml', sourceSystem: 'Simulated LA pupil database (CTF-shaped XML)' },
  housing: { type: 'housing-rest', sourceSystem: 'Simulated housing management system (REST)' },
  'social-care': { type: 'social-care-rest', sourceSystem: "Simulated children's services case system (MASH read API)" },
};

export async function startEmbeddedSimulators(options: EmbeddedSimulatorOptions = {}): Promise<EmbeddedSimulators> {
  const population = generatePopulation({ seed: options.seed ?? DEFAULT_SEED });
  const host = options.host ?? '127.0.0.1';
  const port = (name: Agency | 'feedback' | 'host'): number => options.ports?.[name] ?? 0;
  const advertise = (url: string): string => (options.advertisedHost === undefined ? url : url.replace(/\/\/[^/:]+/, `//${options.advertisedHost}`));

  const started: { agency: Agency; simulator: AgencySimulator }[] = [];
  const feedback = await startFeedbackSink({ host, port: port('feedback') });
  const hostSystem = await startHostSimulator({ host, port: port('host') });
  const closeAll = async (): Promise<void> => {
    await Promise.all([...started.map((s) => s.simulator.close()), feedback.close(), hostSystem.close()]);
  };
  try {
    const health = await startHealthSimulator({ resources: healthResources(population), host, port: port('health') });
    started.push({ agency: 'health', simulator: health });
    started.push({ agency: 'police', simulator: await startPoliceSimulator({ population, host, port: port('police') }) });
    started.push({ agency: 'education', simulator: await startEducationSimulator({ population, host, port: port('education') }) });
    started.push({ agency: 'housing', simulator: await startHousingSimulator({ population, host, port: port('housing') }) });
    started.push({ agency: 'social-care', simulator: await startSocialCareSimulator({ population, host, port: port('social-care') }) });

    // Parsed, so every setting this file does not name takes the model's default.
    const connectors: Connector[] = started.map(({ agency, simulator }) => Connector.parse({
      id: `${agency}-sim`,
      agency,
      type: SOURCE_SYSTEMS[agency].type,
      sourceSystem: SOURCE_SYSTEMS[agency].sourceSystem,
      baseUrl: advertise(simulator.url),
      auth: { kind: 'none' },
      enabled: true,
      timeoutMs: 10_000,
      maxResponseBytes: 5 * 1024 * 1024,
      maxPages: 10,
      maxCandidates: 5,
      feedbackUrl: `${advertise(feedback.url)}/agencies/${agency}`,
      // Demo policy: open and sensitive items reach the hub at once; restricted ones wait for their
      // agency's practitioner to reveal them (the production default reveals open items only).
      autoReveal: ['open', 'sensitive'],
    }));
    return {
      connectors,
      agencies: Object.fromEntries(started.map((s) => [s.agency, s.simulator])),
      health,
      feedback,
      host: hostSystem,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
