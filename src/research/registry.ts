/**
 * The one explicit registry keyed by connector type (CONVENTIONS.md §5): each type pairs the adapter
 * that speaks the agency protocol with the pure mapper that turns its raw records into facts.
 * Pairing them here keeps each adapter's raw type matched to its mapper's input.
 */
import type { AdapterContext, AdapterFailure, AgencyAdapter, AnswerCut, ConnectorSettings, Orchestration, SubjectQuery } from '../adapters/port.ts';
import type { MappingContext } from '../mapping/context.ts';
import type { ConnectorType } from '../model/connector.ts';
import type { Fact } from '../model/fact.ts';

/** A found answer keeps the adapter's cuts beside the facts mapped from it: the lookup ends `partial` when there are any. */
export type KitOutcome =
  | { readonly kind: 'found'; readonly facts: readonly Fact[]; readonly cuts: readonly AnswerCut[]; readonly orchestrations: readonly Orchestration[] }
  | { readonly kind: 'failed'; readonly failure: AdapterFailure; readonly orchestrations: readonly Orchestration[] };

export interface ConnectorKit {
  readonly type: ConnectorType;
  lookup(query: SubjectQuery, settings: ConnectorSettings, mapping: MappingContext, context?: AdapterContext): Promise<KitOutcome>;
}

export function connectorKit<Raw>(type: ConnectorType, adapter: AgencyAdapter<Raw>, map: (raw: Raw, context: MappingContext) => Fact[]): ConnectorKit {
  return {
    type,
    async lookup(query, settings, mapping, context) {
      const outcome = await adapter.search(query, settings, context);
      if (outcome.kind === 'failed') return outcome;
      return { kind: 'found', facts: map(outcome.records, mapping), cuts: outcome.cuts, orchestrations: outcome.orchestrations };
    },
  };
}

export type ConnectorRegistry = ReadonlyMap<ConnectorType, ConnectorKit>;

export function createRegistry(kits: readonly ConnectorKit[]): ConnectorRegistry {
  const registry = new Map<ConnectorType, ConnectorKit>();
  for (const kit of kits) {
    if (registry.has(kit.type)) throw new Error(`connector type ${kit.type} registered twice`);
    registry.set(kit.type, kit);
  }
  return registry;
}
