/** The registry of every connector type this build speaks: adapter paired with mapper. */
import { createEducationAdapter } from '../adapters/education/adapter.ts';
import { createFhirAdapter } from '../adapters/fhir/adapter.ts';
import { createHousingAdapter } from '../adapters/housing/adapter.ts';
import { createPoliceSoapAdapter } from '../adapters/police/adapter.ts';
import { createSocialCareAdapter } from '../adapters/social-care/adapter.ts';
import { mapEducation } from '../mapping/education.ts';
import { mapHealth } from '../mapping/health.ts';
import { mapHousing } from '../mapping/housing.ts';
import { mapPolice } from '../mapping/police.ts';
import { mapSocialCare } from '../mapping/social-care.ts';
import { connectorKit, createRegistry, type ConnectorRegistry } from './registry.ts';

/** One adapter instance per type: each holds its own token cache, so build the registry once. */
export function defaultRegistry(): ConnectorRegistry {
  return createRegistry([
    connectorKit('fhir-r4', createFhirAdapter(), mapHealth),
    connectorKit('police-soap', createPoliceSoapAdapter(), mapPolice),
    connectorKit('education-xml', createEducationAdapter(), mapEducation),
    connectorKit('housing-rest', createHousingAdapter(), mapHousing),
    connectorKit('social-care-rest', createSocialCareAdapter(), mapSocialCare),
  ]);
}
