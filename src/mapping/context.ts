/** What every agency mapper is told about the lookup whose records it maps. */
import type { LawfulBasis } from '../model/provenance.ts';

export interface MappingContext {
  readonly connectorId: string;
  readonly sourceSystem: string;
  readonly lookupId: string;
  /** ISO 8601 instant the records were retrieved. */
  readonly retrievedAt: string;
  readonly lawfulBasis: LawfulBasis;
}
