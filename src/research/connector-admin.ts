/**
 * Connector administration (docs/decisions.md "Connector administration"): every change to a
 * connector — create, update, enable, disable, delete, restore, or a boot's declaration — is a new
 * version (who, when, which field paths, why) written with its audit entry in one transaction.
 * Who owns a connector decides who may change it: one declared in `MASH_CONNECTORS` (or started
 * with the embedded simulators) is the declaration's, and the API refuses to change it; one
 * created through the API is the store's, and boots leave it alone. Access (which agency's
 * administrator) is the policy's, asked by the route before anything here runs.
 */
import { appendAudit } from '../audit/log.ts';
import { recordConnectorTest } from '../store/connector-health.ts';
import { runConnectorCheck, type CheckResult } from './connector-check.ts';
import { defaultRegistry } from './kits.ts';
import type { Clock } from '../lib/clock.ts';
import { MashError } from '../lib/errors.ts';
import { Connector } from '../model/connector.ts';
import { changedPaths } from '../model/connector-diff.ts';
import { fillCredentials, openCredentials, sealCredentials, withdrawCredentials, type Credentials } from '../store/connector-credentials.ts';
import { getConnectorVersion, lockConnector, writeConnectorVersion, type ConnectorChange, type ConnectorOrigin, type StoredConnector } from '../store/connectors.ts';
import type { Db, Sql } from '../store/db.ts';
import type { Vault } from '../store/vault.ts';

export interface ConnectorAdminDeps {
  readonly db: Db;
  readonly vault: Vault;
  readonly clock: Clock;
}

/** Who asks for a change, and why (the reason is required: governance rule 6, every decision with its rationale). */
export interface ChangeBy {
  readonly actor: string;
  readonly reason: string;
}

/** The result of a change: the connector as it now stands, and whether a version was written (a no-op writes none). */
export interface ChangeResult {
  readonly stored: StoredConnector;
  readonly changed: boolean;
}

/** What the boot declares and in whose name: `MASH_CONNECTORS`, or the embedded simulators. */
export const DECLARED_BY: Readonly<Record<Exclude<ConnectorOrigin, 'database'>, string>> = { file: 'config:MASH_CONNECTORS', embedded: 'config:embedded-simulators' };

/** The API may change only what the store owns: a declared connector is changed where it is declared. */
function requireStoreOwned(current: StoredConnector | undefined): void {
  if (current === undefined || current.deletedAt !== null) return;
  if (current.origin === 'file') {
    throw new MashError('CONNECTOR.DECLARED_IN_FILE', `connector ${current.connector.id} is declared in MASH_CONNECTORS: change it in that file (the next start records the change as a new version)`);
  }
  if (current.origin === 'embedded') {
    throw new MashError('CONNECTOR.DECLARED_IN_FILE', `connector ${current.connector.id} belongs to the embedded simulators and is declared again at every start: create a connector of your own instead`);
  }
}

/** Paths changed from `before` to `after`, the credentials compared by their plaintext (in memory; only paths leave). */
function pathsChanged(before: StoredConnector | undefined, beforeCredentials: Credentials, after: Connector, afterCredentials: Credentials, afterDeleted: boolean): string[] {
  const paths = new Set(changedPaths(before?.connector, after));
  for (const path of new Set([...Object.keys(beforeCredentials), ...Object.keys(afterCredentials)])) {
    if (beforeCredentials[path] !== afterCredentials[path]) paths.add(path);
  }
  if ((before?.deletedAt !== null && before !== undefined) !== afterDeleted) paths.add('deleted');
  return [...paths].sort();
}

interface Proposed {
  readonly connector: Connector;
  readonly credentials: Credentials;
  readonly deleted: boolean;
  readonly origin: ConnectorOrigin;
  readonly action: ConnectorChange;
  readonly restoredFrom?: number | undefined;
}

/** Writes `proposed` as the next version with its audit entry, unless nothing would change. */
async function commitVersion(tx: Sql, deps: ConnectorAdminDeps, current: StoredConnector | undefined, proposed: Proposed, by: ChangeBy): Promise<ChangeResult> {
  const beforeCredentials = current === undefined ? {} : openCredentials(deps.vault, current.connector.id, current.sealedCredentials);
  const paths = pathsChanged(current, beforeCredentials, proposed.connector, proposed.credentials, proposed.deleted);
  const originChanged = current !== undefined && current.origin !== proposed.origin;
  if (current !== undefined && paths.length === 0 && !originChanged) return { stored: current, changed: false };
  const at = deps.clock.now();
  const version = (current?.version ?? 0) + 1;
  const sealed = sealCredentials(deps.vault, proposed.connector.id, proposed.credentials);
  await writeConnectorVersion(tx, {
    connector: proposed.connector,
    sealedCredentials: sealed,
    origin: proposed.origin,
    version,
    action: proposed.action,
    deleted: proposed.deleted,
    changedPaths: paths,
    changedBy: by.actor,
    at,
    reason: by.reason,
    restoredFrom: proposed.restoredFrom,
  });
  await appendAudit(tx, {
    at,
    actor: by.actor,
    action: 'connector.declared',
    agency: proposed.connector.agency,
    subject: proposed.connector.id,
    // Paths, never values: a credential's path says it changed, not what it is.
    detail: {
      change: proposed.action,
      version,
      created: current === undefined,
      enabled: proposed.connector.enabled && !proposed.deleted,
      deleted: proposed.deleted,
      changedPaths: paths,
      reason: by.reason,
      origin: proposed.origin,
      ...(proposed.restoredFrom === undefined ? {} : { restoredFrom: proposed.restoredFrom }),
    },
  });
  return {
    stored: { connector: proposed.connector, origin: proposed.origin, version, deletedAt: proposed.deleted ? at : null, updatedAt: at, sealedCredentials: sealed },
    changed: true,
  };
}

/** The stored row of a connector that exists and is not deleted; CONNECTOR.NOT_FOUND otherwise. */
function requireLive(current: StoredConnector | undefined, id: string): StoredConnector {
  if (current === undefined || current.deletedAt !== null) throw new MashError('CONNECTOR.NOT_FOUND', `no connector ${id}`);
  return current;
}

/**
 * Creates or replaces a store-owned connector with `given` (its credentials sealed). `mode`
 * `create` refuses one that exists (CONNECTOR.EXISTS); `replace` refuses one that does not
 * (CONNECTOR.NOT_FOUND); `upsert` does either (PUT). A deleted connector may be created again: its
 * history goes on.
 */
export async function saveConnector(deps: ConnectorAdminDeps, given: Connector, by: ChangeBy, mode: 'create' | 'replace' | 'upsert'): Promise<ChangeResult & { created: boolean }> {
  return deps.db.transaction(async (tx) => {
    const current = await lockConnector(tx, given.id);
    requireStoreOwned(current);
    const live = current !== undefined && current.deletedAt === null;
    if (mode === 'create' && live) throw new MashError('CONNECTOR.EXISTS', `connector ${given.id} exists: change it with PATCH or PUT`);
    if (mode === 'replace' && !live) throw new MashError('CONNECTOR.NOT_FOUND', `no connector ${given.id}`);
    if (current !== undefined && current.connector.agency !== given.agency) throw new MashError('REQUEST.INVALID', 'a connector stays with its agency', { invalidParams: [{ name: 'json.agency', reason: 'differs from the stored connector' }] });
    const kept = current === undefined || !live ? {} : openCredentials(deps.vault, given.id, current.sealedCredentials);
    const { definition, credentials } = withdrawCredentials(given, kept);
    const result = await commitVersion(tx, deps, current, { connector: definition, credentials, deleted: false, origin: 'database', action: live ? 'updated' : 'created' }, by);
    return { ...result, created: !live };
  });
}

/** Applies `changes` (top-level fields of the connector, id and agency excluded) to a store-owned connector. */
export async function updateConnector(deps: ConnectorAdminDeps, id: string, changes: Readonly<Record<string, unknown>>, by: ChangeBy): Promise<ChangeResult> {
  return deps.db.transaction(async (tx) => {
    const current = requireLive(await lockConnector(tx, id), id);
    requireStoreOwned(current);
    const parsed = Connector.safeParse({ ...current.connector, ...changes, id, agency: current.connector.agency });
    if (!parsed.success) {
      throw new MashError('REQUEST.INVALID', 'the changed connector is not valid', { invalidParams: parsed.error.issues.map((i) => ({ name: `json.changes.${i.path.join('.')}`, reason: i.message })) });
    }
    const { definition, credentials } = withdrawCredentials(parsed.data, openCredentials(deps.vault, id, current.sealedCredentials));
    return commitVersion(tx, deps, current, { connector: definition, credentials, deleted: false, origin: current.origin, action: 'updated' }, by);
  });
}

/** Enables or disables a store-owned connector: a disabled one is not planned for new referrals. */
export async function setConnectorEnabled(deps: ConnectorAdminDeps, id: string, enabled: boolean, by: ChangeBy): Promise<ChangeResult> {
  return deps.db.transaction(async (tx) => {
    const current = requireLive(await lockConnector(tx, id), id);
    requireStoreOwned(current);
    const credentials = openCredentials(deps.vault, id, current.sealedCredentials);
    return commitVersion(tx, deps, current, { connector: { ...current.connector, enabled }, credentials, deleted: false, origin: current.origin, action: enabled ? 'enabled' : 'disabled' }, by);
  });
}

/** Deletes a store-owned connector: no longer listed, planned or run; its row and history stay. */
export async function deleteConnector(deps: ConnectorAdminDeps, id: string, by: ChangeBy): Promise<ChangeResult> {
  return deps.db.transaction(async (tx) => {
    const current = requireLive(await lockConnector(tx, id), id);
    requireStoreOwned(current);
    const credentials = openCredentials(deps.vault, id, current.sealedCredentials);
    return commitVersion(tx, deps, current, { connector: current.connector, credentials, deleted: true, origin: current.origin, action: 'deleted' }, by);
  });
}

/**
 * Makes version `version` current again, as a new version (`restored`, naming the one restored),
 * credentials included; a deleted connector restored is live again.
 */
export async function restoreConnectorVersion(deps: ConnectorAdminDeps, id: string, version: number, by: ChangeBy): Promise<ChangeResult> {
  return deps.db.transaction(async (tx) => {
    const current = await lockConnector(tx, id);
    if (current === undefined) throw new MashError('CONNECTOR.NOT_FOUND', `no connector ${id}`);
    requireStoreOwned(current);
    const earlier = await getConnectorVersion(tx, id, version);
    if (earlier === undefined) throw new MashError('CONNECTOR.VERSION_NOT_FOUND', `connector ${id} has no version ${version}`);
    const credentials = openCredentials(deps.vault, id, earlier.sealedCredentials);
    return commitVersion(tx, deps, current, { connector: earlier.connector, credentials, deleted: false, origin: 'database', action: 'restored', restoredFrom: version }, by);
  });
}

/**
 * A boot's declarations (docs/decisions.md "Connector administration", precedence): each declared
 * connector becomes the declaration's, recorded as a new version by `MASH_CONNECTORS` (or the
 * embedded simulators) when it differs from what is stored — even if the API had created it: the
 * file wins. A connector the file (or the simulators) owned and no longer declares passes to the
 * store, as it stood, so administrators can change or delete it. Connectors created through the
 * API are left alone.
 */
export async function declareConnectors(deps: ConnectorAdminDeps, declared: readonly Connector[], origin: Exclude<ConnectorOrigin, 'database'>): Promise<number> {
  const actor = DECLARED_BY[origin];
  let versions = 0;
  for (const given of declared) {
    const changed = await deps.db.transaction(async (tx) => {
      // Two processes starting at once declare the same connector: the row's lock orders them.
      await tx.query(`INSERT INTO connectors (id, agency, type, origin, definition, enabled, version, deleted_at) VALUES ($1, $2, $3, $4, '{}'::jsonb, false, 0, NULL) ON CONFLICT (id) DO NOTHING`, [given.id, given.agency, given.type, origin]);
      const placeholder = await tx.query<{ version: number }>('SELECT version FROM connectors WHERE id = $1 FOR UPDATE', [given.id]);
      const current = placeholder[0]?.version === 0 ? undefined : await lockConnector(tx, given.id);
      const kept = current === undefined ? {} : openCredentials(deps.vault, given.id, current.sealedCredentials);
      const { definition, credentials } = withdrawCredentials(given, kept);
      const result = await commitVersion(tx, deps, current, { connector: definition, credentials, deleted: false, origin, action: 'declared' }, { actor, reason: origin === 'file' ? 'declared in MASH_CONNECTORS' : 'declared by the embedded simulators' });
      return result.changed;
    });
    if (changed) versions += 1;
  }
  versions += await releaseUndeclared(deps, declared.map((c) => c.id), origin);
  return versions;
}

/** Connectors of `origin` it no longer declares pass to the store, as they stood: administrators may change or delete them. */
async function releaseUndeclared(deps: ConnectorAdminDeps, declaredIds: readonly string[], origin: Exclude<ConnectorOrigin, 'database'>): Promise<number> {
  const orphans = await deps.db.query<{ id: string }>(`SELECT id FROM connectors WHERE origin = $1 AND deleted_at IS NULL AND NOT (id = ANY($2::text[]))`, [origin, declaredIds]);
  const reason = origin === 'file' ? 'no longer declared in MASH_CONNECTORS: now managed through the API' : 'the embedded simulators no longer run: now managed through the API';
  let released = 0;
  for (const { id } of orphans) {
    const changed = await deps.db.transaction(async (tx) => {
      const current = await lockConnector(tx, id);
      if (current === undefined || current.origin !== origin || current.deletedAt !== null) return false;
      const credentials = openCredentials(deps.vault, id, current.sealedCredentials);
      const result = await commitVersion(tx, deps, current, { connector: current.connector, credentials, deleted: false, origin: 'database', action: 'declared' }, { actor: DECLARED_BY[origin], reason });
      return result.changed;
    });
    if (changed) released += 1;
  }
  return released;
}

/**
 * Runs the live test of a stored connector (src/research/connector-check.ts) with its credentials
 * opened in memory, and keeps the run — counted in the connector's health — with its audit entry
 * (`connector.tested`: the outcome, the failed step and the time; never a credential or a record).
 * A fresh adapter registry each time, so a token cached by an earlier run proves nothing.
 */
export async function testConnector(
  deps: ConnectorAdminDeps & { readonly env: Readonly<Record<string, string | undefined>> },
  stored: StoredConnector,
  actor: string,
): Promise<CheckResult & { readonly testedAt: Date }> {
  const id = stored.connector.id;
  if (stored.deletedAt !== null) throw new MashError('CONNECTOR.NOT_FOUND', `connector ${id} is deleted`);
  const connector = fillCredentials(stored.connector, openCredentials(deps.vault, id, stored.sealedCredentials));
  const result = await runConnectorCheck(connector, { registry: defaultRegistry(), env: deps.env, clock: deps.clock });
  const testedAt = deps.clock.now();
  await deps.db.transaction(async (tx) => {
    await recordConnectorTest(tx, { connectorId: id, version: stored.version, at: testedAt, ok: result.ok, durationMs: result.durationMs, failedStep: result.failedStep, testedBy: actor });
    await appendAudit(tx, {
      at: testedAt,
      actor,
      action: 'connector.tested',
      agency: stored.connector.agency,
      subject: id,
      detail: { version: stored.version, ok: result.ok, failedStep: result.failedStep, durationMs: result.durationMs },
    });
  });
  return { ...result, testedAt };
}
