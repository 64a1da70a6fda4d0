/** The connector catalogue in the store: declared ones (file, embedded) are upserted at boot. */
import { Connector } from '../model/connector.ts';
import type { Sql } from './db.ts';

export type ConnectorOrigin = 'file' | 'database' | 'embedded';

export async function upsertConnector(sql: Sql, connector: Connector, origin: ConnectorOrigin, at: Date): Promise<void> {
  await sql.query(
    `INSERT INTO connectors (id, agency, type, origin, definition, enabled, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (id) DO UPDATE SET agency = EXCLUDED.agency, type = EXCLUDED.type, origin = EXCLUDED.origin,
       definition = EXCLUDED.definition, enabled = EXCLUDED.enabled, updated_at = EXCLUDED.updated_at`,
    [connector.id, connector.agency, connector.type, origin, JSON.stringify(connector), connector.enabled, at],
  );
}

export async function listConnectors(sql: Sql, options: { enabledOnly?: boolean } = {}): Promise<Connector[]> {
  const rows = await sql.query<{ definition: unknown }>(
    `SELECT definition FROM connectors ${options.enabledOnly === true ? 'WHERE enabled' : ''} ORDER BY agency, id`,
  );
  return rows.map((row) => Connector.parse(row.definition));
}

/** Enabled connectors of these agencies that take outcome notifications. */
export async function feedbackConnectorIds(sql: Sql, agencies: readonly string[]): Promise<string[]> {
  const connectors = await listConnectors(sql, { enabledOnly: true });
  return connectors.filter((c) => agencies.includes(c.agency) && c.feedbackUrl !== undefined).map((c) => c.id);
}

export async function getConnector(sql: Sql, id: string): Promise<Connector | undefined> {
  const rows = await sql.query<{ definition: unknown }>('SELECT definition FROM connectors WHERE id = $1', [id]);
  return rows[0] === undefined ? undefined : Connector.parse(rows[0].definition);
}
