/**
 * Console sessions in the store (migration 018): a session is found by the SHA-256 of the id the
 * browser holds, and only while it has neither ended nor expired.
 */
import { PrincipalClaims, type Principal } from '../model/principal.ts';
import type { Sql } from './db.ts';

export interface ConsoleSession {
  readonly principal: Principal;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

export async function insertConsoleSession(sql: Sql, session: { idSha256: string; principal: Principal; csrfToken: string; at: Date; expiresAt: Date }): Promise<void> {
  await sql.query('INSERT INTO console_sessions (id_sha256, principal, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
    session.idSha256,
    JSON.stringify(session.principal),
    session.csrfToken,
    session.at,
    session.expiresAt,
  ]);
}

/** The live session with this id hash at `now`; undefined when unknown, ended or expired. */
export async function findConsoleSession(sql: Sql, idSha256: string, now: Date): Promise<ConsoleSession | undefined> {
  const rows = await sql.query<{ principal: unknown; csrf_token: string; expires_at: Date }>(
    'SELECT principal, csrf_token, expires_at FROM console_sessions WHERE id_sha256 = $1 AND ended_at IS NULL AND expires_at > $2',
    [idSha256, now],
  );
  const row = rows[0];
  if (row === undefined) return undefined;
  // The principal was checked when the session began; parsed again, as every boundary is.
  const principal = PrincipalClaims.safeParse(row.principal);
  return principal.success ? { principal: principal.data, csrfToken: row.csrf_token, expiresAt: new Date(row.expires_at) } : undefined;
}

/** Ends a session (sign-out); returns whether one was live. Expired and ended sessions older than a day go too. */
export async function endConsoleSession(sql: Sql, idSha256: string, at: Date): Promise<boolean> {
  const rows = await sql.query<{ id_sha256: string }>('UPDATE console_sessions SET ended_at = $2 WHERE id_sha256 = $1 AND ended_at IS NULL RETURNING id_sha256', [idSha256, at]);
  await sql.query(`DELETE FROM console_sessions WHERE expires_at < $1 OR ended_at < $1`, [new Date(at.getTime() - 86_400_000)]);
  return rows.length === 1;
}
