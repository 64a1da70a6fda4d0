/**
 * The person index's model versions for the hub manager: the list (status, counts, reasons) and
 * an estimation run now. The policy decides first (CONVENTIONS.md §7: `model:read`,
 * `model:estimate`); identity's live model does the work (src/identity/live-model.ts), audited in
 * the transaction that records the version (docs/decisions.md "The live person index trains its
 * own model"). Nothing here is personal data: counts, versions, field names and reason codes.
 */
import { MashError } from '../lib/errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { ModelVersionSummary } from '../model/person-index-model.ts';
import type { Principal } from '../model/principal.ts';
import type { Db } from '../store/db.ts';
import type { EstimationOutcome, Identity, LiveModel } from '../identity/index.ts';
import { enforce } from './access.ts';

/** What the model operations need. */
export interface ModelOperationsDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly identity: Pick<Identity, 'models'>;
}

const liveModelOf = (identity: Pick<Identity, 'models'>): LiveModel => {
  if (identity.models === undefined) throw new MashError('ROUTE.NOT_FOUND', 'this gateway matches with a fixed model: there are no model versions');
  return identity.models;
};

/** Every model version, newest first; the hub manager's. */
export async function listModelVersions(deps: ModelOperationsDeps, principal: Principal): Promise<ModelVersionSummary[]> {
  await enforce(deps, principal, 'model:read', {});
  return liveModelOf(deps.identity).list();
}

/** Estimates a model now from the index's records: activated, refused (recorded, audited) or unchanged. */
export async function estimateModelNow(deps: ModelOperationsDeps, principal: Principal): Promise<EstimationOutcome> {
  await enforce(deps, principal, 'model:estimate', {});
  return liveModelOf(deps.identity).estimate({ trigger: 'request', actor: principal.sub });
}
