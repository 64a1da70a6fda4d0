/**
 * The connector catalogue in the store, with every version of each connector
 * (docs/decisions.md "Connector administration"). A connector's row is its current version; each
 * change writes the row and a `connector_versions` row in one transaction. Definitions are stored
 * with inline credentials sealed apart (src/store/connector-credentials.ts). A deleted connector
 * keeps its row and history — lookups and audit entries name it — and is neither planned nor run.
 */
import { MashError } from '../lib/errors.ts';
import { Connector } from '../model/connector.ts';
import { fillCredentials, hasInlineCredential, openCredentials } from './connector-credentials.ts';
import type { Sql } from './db.ts';
import type { Vault } from './vault.ts';

export type ConnectorOrigin = 'file' | 'database' | 'embedded';

export const CONNECTOR_CHANGES = ['created', 'updated', 'enabled', 'disabled', 'deleted', 'restored', 'declared'] as const;
/** What a version did: made by the API (`created` … `restored`) or by a boot's declarations (`declared`). */
export type ConnectorChange = (typeof CONNECTOR_CHANGES)[number];

/** A connector's current row: its definition with credentials sealed apart. */
export interface StoredConnector {
  /** The definition as stored: inline credentials show as `{"sealed": true}`. */
  readonly connector: Connector;
  readonly origin: ConnectorOrigin;
  readonly version: number;
  readonly deletedAt: Date | null;
  readonly updatedAt: Date;
  readonly sealedCredentials: Uint8Array | null;
}

/** One version of a connector: what it was, who made it, when, which paths changed and why. */
export interface ConnectorVersion {
  readonly connectorId: string;
  readonly version: number;
  readonly action: ConnectorChange;
  readonly origin: ConnectorOrigin;
  readonly connector: Connector;
  readonly sealedCredentials: Uint8Array | null;
  readonly deleted: boolean;
  /** Field paths that changed from the version before (`baseUrl`, `auth.token`): never values. */
  readonly changedPaths: readonly string[];
  readonly changedBy: string;
  readonly changedAt: Date;
  readonly reason: string;
  readonly restoredFrom: number | null;
}

interface ConnectorRow {
  definition: unknown;
  origin: ConnectorOrigin;
  version: number;
  deleted_at: Date | string | null;
  updated_at: Date | string;
  sealed_credentials: Uint8Array | null;
}

const CONNECTOR_COLUMNS = 'definition, origin, version, deleted_at, updated_at, sealed_credentials';

const toStored = (row: ConnectorRow): StoredConnector => ({
  connector: Connector.parse(row.definition),
  origin: row.origin,
  version: row.version,
  deletedAt: row.deleted_at === null ? null : new Date(row.deleted_at),
  updatedAt: new Date(row.updated_at),
  sealedCredentials: row.sealed_credentials,
});

/** A version to write: the row becomes it, and the history keeps it. */
export interface NewConnectorVersion {
  readonly connector: Connector;
  readonly sealedCredentials: Uint8Array | null;
  readonly origin: ConnectorOrigin;
  readonly version: number;
  readonly action: ConnectorChange;
  readonly deleted: boolean;
  readonly changedPaths: readonly string[];
  readonly changedBy: string;
  readonly at: Date;
  readonly reason: string;
  readonly restoredFrom?: number | undefined;
}

/**
 * Writes a new current version of a connector and keeps it in the history, in one statement. The
 * caller holds the row (`lockConnector`) in the same transaction, so versions are numbered one by one.
 */
export async function writeConnectorVersion(sql: Sql, change: NewConnectorVersion): Promise<void> {
  const { connector } = change;
  if (hasInlineCredential(connector)) throw new MashError('INTERNAL', 'a connector definition reached the store with an inline credential');
  const enabled = connector.enabled && !change.deleted;
  await sql.query(
    `WITH saved AS (
       INSERT INTO connectors (id, agency, type, origin, definition, enabled, updated_at, version, deleted_at, sealed_credentials)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, CASE WHEN $9::boolean THEN $7::timestamptz END, $10)
       ON CONFLICT (id) DO UPDATE SET agency = EXCLUDED.agency, type = EXCLUDED.type, origin = EXCLUDED.origin,
         definition = EXCLUDED.definition, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at, version = EXCLUDED.version,
         deleted_at = EXCLUDED.deleted_at, sealed_credentials = EXCLUDED.sealed_credentials
       RETURNING id
     )
     INSERT INTO connector_versions (connector_id, version, action, origin, definition, sealed_credentials, enabled, deleted, changed_paths, changed_by, changed_at, reason, restored_from)
     SELECT id, $8, $11, $4, $5, $10, $6, $9, $12, $13, $7, $14, $15 FROM saved`,
    [
      connector.id,
      connector.agency,
      connector.type,
      change.origin,
      JSON.stringify(connector),
      enabled,
      change.at,
      change.version,
      change.deleted,
      change.sealedCredentials,
      change.action,
      JSON.stringify(change.changedPaths),
      change.changedBy,
      change.reason,
      change.restoredFrom ?? null,
    ],
  );
}

/** The connector's row, held until the transaction ends (one change at a time); undefined when there is none. */
export async function lockConnector(sql: Sql, id: string): Promise<StoredConnector | undefined> {
  const rows = await sql.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] === undefined ? undefined : toStored(rows[0]);
}

/** The connector's row, deleted or not. */
export async function getStoredConnector(sql: Sql, id: string): Promise<StoredConnector | undefined> {
  const rows = await sql.query<ConnectorRow>(`SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE id = $1`, [id]);
  return rows[0] === undefined ? undefined : toStored(rows[0]);
}

/** Every connector's row (of one agency when given), deleted ones only when asked. */
export async function listStoredConnectors(sql: Sql, options: { agency?: string; includeDeleted?: boolean } = {}): Promise<StoredConnector[]> {
  const rows = await sql.query<ConnectorRow>(
    `SELECT ${CONNECTOR_COLUMNS} FROM connectors WHERE ($1::text IS NULL OR agency = $1) AND ($2::boolean OR deleted_at IS NULL) ORDER BY agency, id`,
    [options.agency ?? null, options.includeDeleted === true],
  );
  return rows.map(toStored);
}

interface VersionRow {
  connector_id: string;
  version: number;
  action: ConnectorChange;
  origin: ConnectorOrigin;
  definition: unknown;
  sealed_credentials: Uint8Array | null;
  deleted: boolean;
  changed_paths: unknown;
  changed_by: string;
  changed_at: Date | string;
  reason: string;
  restored_from: number | null;
}

const toVersion = (row: VersionRow): ConnectorVersion => ({
  connectorId: row.connector_id,
  version: row.version,
  action: row.action,
  origin: row.origin,
  connector: Connector.parse(row.definition),
  sealedCredentials: row.sealed_credentials,
  deleted: row.deleted,
  changedPaths: Array.isArray(row.changed_paths) ? row.changed_paths.filter((p): p is string => typeof p === 'string') : [],
  changedBy: row.changed_by,
  changedAt: new Date(row.changed_at),
  reason: row.reason,
  restoredFrom: row.restored_from,
});

const VERSION_COLUMNS = 'connector_id, version, action, origin, definition, sealed_credentials, deleted, changed_paths, changed_by, changed_at, reason, restored_from';

/** A connector's versions, newest first. */
export async function listConnectorVersions(sql: Sql, id: string): Promise<ConnectorVersion[]> {
  const rows = await sql.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM connector_versions WHERE connector_id = $1 ORDER BY version DESC`, [id]);
  return rows.map(toVersion);
}

export async function getConnectorVersion(sql: Sql, id: string, version: number): Promise<ConnectorVersion | undefined> {
  const rows = await sql.query<VersionRow>(`SELECT ${VERSION_COLUMNS} FROM connector_versions WHERE connector_id = $1 AND version = $2`, [id, version]);
  return rows[0] === undefined ? undefined : toVersion(rows[0]);
}

/**
 * Stores a connector declared outside the API (tests, benchmarks) as a new version by `system`.
 * Credentials must be references here: inline ones go through src/research/connector-admin.ts,
 * which seals them.
 */
export async function upsertConnector(sql: Sql, connector: Connector, origin: ConnectorOrigin, at: Date): Promise<void> {
  if (hasInlineCredential(connector)) throw new MashError('INTERNAL', 'upsertConnector stores references only: declare inline credentials through the connector administration');
  await sql.query(
    `WITH saved AS (
       INSERT INTO connectors (id, agency, type, origin, definition, enabled, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET agency = EXCLUDED.agency, type = EXCLUDED.type, origin = EXCLUDED.origin,
         definition = EXCLUDED.definition, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at,
         version = connectors.version + 1, deleted_at = NULL, sealed_credentials = NULL
       RETURNING id, version
     )
     INSERT INTO connector_versions (connector_id, version, action, origin, definition, enabled, changed_by, changed_at, reason)
     SELECT id, version, 'declared', $4, $5, $6, 'system', $7, 'declared by the operator' FROM saved`,
    [connector.id, connector.agency, connector.type, origin, JSON.stringify(connector), connector.enabled, at],
  );
}

/** Enabled connectors not deleted: what research plans lookups on (definitions as stored: credentials sealed). */
export async function listConnectors(sql: Sql, options: { enabledOnly?: boolean } = {}): Promise<Connector[]> {
  const rows = await sql.query<{ definition: unknown }>(
    `SELECT definition FROM connectors WHERE deleted_at IS NULL ${options.enabledOnly === true ? 'AND enabled' : ''} ORDER BY agency, id`,
  );
  return rows.map((row) => Connector.parse(row.definition));
}

/** Enabled connectors of these agencies that take outcome notifications. */
export async function feedbackConnectorIds(sql: Sql, agencies: readonly string[]): Promise<string[]> {
  const connectors = await listConnectors(sql, { enabledOnly: true });
  return connectors.filter((c) => agencies.includes(c.agency) && c.feedbackUrl !== undefined).map((c) => c.id);
}

/** A connector not deleted, as stored (credentials sealed). */
export async function getConnector(sql: Sql, id: string): Promise<Connector | undefined> {
  const rows = await sql.query<{ definition: unknown }>('SELECT definition FROM connectors WHERE id = $1 AND deleted_at IS NULL', [id]);
  return rows[0] === undefined ? undefined : Connector.parse(rows[0].definition);
}

/** A connector not deleted, ready for use: its sealed credentials opened, in memory only. */
export async function getConnectorForUse(sql: Sql, vault: Vault, id: string): Promise<Connector | undefined> {
  const rows = await sql.query<{ definition: unknown; sealed_credentials: Uint8Array | null }>('SELECT definition, sealed_credentials FROM connectors WHERE id = $1 AND deleted_at IS NULL', [id]);
  const row = rows[0];
  if (row === undefined) return undefined;
  return fillCredentials(Connector.parse(row.definition), openCredentials(vault, id, row.sealed_credentials));
}

/** A stored definition as text for use: sealed credentials opened in memory (the lookup path parses text it caches). */
export function definitionForUse(vault: Vault, id: string, definition: string, sealed: Uint8Array | null): string {
  if (sealed === null) return definition;
  return JSON.stringify(fillCredentials(Connector.parse(JSON.parse(definition)), openCredentials(vault, id, sealed)));
}
