/** The registry of every connector type this build speaks: adapter paired with mapper. */
import { createFhirAdapter } from '../adapters/fhir/adapter.ts';
import { createSocialCareAdapter } from '../adapters/social-care/adapter.ts';
import { mapHealth } from '../mapping/health.ts';
import { mapSocialCare } from '../mapping/social-care.ts';
import { connectorKit, createRegistry, type ConnectorRegistry } from './registry.ts';

/** One adapter instance per type: each holds its own token cache, so build the registry once. */
export function defaultRegistry(): ConnectorRegistry {
  return createRegistry([
    connectorKit('fhir-r4', createFhirAdapter(), mapHealth),
    connectorKit('social-care-rest', createSocialCareAdapter(), mapSocialCare),
  ]);
}
