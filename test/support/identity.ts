/**
 * Identity wired for in-process tests exactly as the composition root wires it (src/main.ts):
 * the prior's matcher and the person index's live model, the store's identity and person index rows, the audit
 * log, the case's policy and mapping's family and chronology builders.
 */
import { appendAudit } from '../../src/audit/log.ts';
import { createIdentityAccess } from '../../src/case/identity-access.ts';
import { createIdentity, createLiveModel, type Identity } from '../../src/identity/index.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { buildChronology } from '../../src/mapping/chronology.ts';
import { buildFamily } from '../../src/mapping/family.ts';
import type { Db } from '../../src/store/db.ts';
import { createIdentityStore } from '../../src/store/identity.ts';
import { createPersonIndexStore, deriveIndexKey } from '../../src/store/person-index.ts';
import { createModelStore } from '../../src/store/person-index-models.ts';
import type { Vault } from '../../src/store/vault.ts';

/** Identity over a store, its vault, a clock and the master key the person index is keyed from. */
export function testIdentity(options: { readonly db: Db; readonly vault: Vault; readonly clock: Clock; readonly masterKey: Uint8Array }): Identity {
  const { db, vault, clock } = options;
  const models = createLiveModel({ db, store: createModelStore(deriveIndexKey(options.masterKey)), audit: appendAudit, clock });
  return createIdentity({
    db,
    clock,
    matcher: models.prior,
    models,
    store: createIdentityStore(vault),
    personIndexStore: createPersonIndexStore(deriveIndexKey(options.masterKey)),
    audit: appendAudit,
    access: createIdentityAccess({ db, vault, clock }),
    pictureSections: { chronology: buildChronology, family: buildFamily },
  });
}
