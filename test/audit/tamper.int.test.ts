/**
 * The audit chain detects tampering done directly in PostgreSQL — one byte of
 * any entry altered, one entry deleted, or two entries swapped — for 1,000 random tamperings, each
 * named by its first bad entry; `audit:verify` exits 0 on an intact log and non-zero naming the
 * entry otherwise; and a failing audit write makes the action it records fail.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointIfDue } from '../../src/audit/checkpoints.ts';
import { appendAudit, type AuditAction } from '../../src/audit/log.ts';
import { AUDIT_KEY_FILE, loadAuditSigner } from '../../src/audit/signing.ts';
import { verifyAuditLog } from '../../src/audit/verify.ts';
import { sealAll } from '../../src/audit/seal.ts';
import { createApp } from '../../src/gateway/app.ts';
import { createTokenVerifier } from '../../src/gateway/token-verifier.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Db } from '../../src/store/db.ts';
import { openStore } from '../../src/store/open.ts';
import { createVault } from '../../src/store/vault.ts';
import { testIdentity } from '../support/identity.ts';
import { startPostgres, type TestPostgres } from '../support/postgres.ts';
import { makeTempDir } from '../support/tmp.ts';
import { testSigningKey, tokenFor, TEST_AUDIENCE, TEST_ISSUER, TEST_TOKEN_LIFETIME } from '../support/tokens.ts';
import { testSla } from '../support/sla.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ENTRIES = 400;
const COLUMNS = ['at', 'actor', 'action', 'referral_id', 'agency', 'subject', 'detail', 'prev_hash', 'hash'] as const;
const ACTIONS: AuditAction[] = ['referral.received', 'lookup.completed', 'picture.viewed', 'access.denied', 'referral.picture-ready'];

let postgres: TestPostgres;
let db: Db;
let client: pg.Client;
const tmp = makeTempDir('mash-audit-');
const signer = loadAuditSigner({ dataDir: tmp.dir, embedded: true });
const keys = new Map([[signer.keyId, signer.publicKeyPem]]);
const clock = fixedClock(new Date('2026-11-21T10:00:00Z'));

beforeAll(async () => {
  postgres = await startPostgres();
  db = await openStore({ databaseUrl: postgres.url, dataDir: tmp.dir });
  const referrals = Array.from({ length: 12 }, () => randomUUID());
  for (let i = 0; i < ENTRIES; i += 1) {
    clock.advance(1_000);
    await db.transaction((tx) =>
      appendAudit(tx, {
        at: clock.now(),
        actor: i % 3 === 0 ? 'system:worker' : `practitioner-${i % 7}`,
        action: ACTIONS[i % ACTIONS.length]!,
        referralId: i % 5 === 4 ? undefined : referrals[i % referrals.length],
        agency: i % 4 === 0 ? undefined : ['health', 'police', 'education'][i % 3],
        subject: i % 2 === 0 ? `lkp_${i}` : undefined,
        detail: { factCount: i % 11, status: i % 2 === 0 ? 'done' : 'failed', ids: [`fact_${i}`, `fact_${i + 1}`] },
      }),
    );
    if (i % 100 === 99) await checkpointIfDue(db, signer, { every: 100, maxAgeMs: 3_600_000 }, clock);
  }
  await sealAll(db);
  client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
}, 120_000);

afterAll(async () => {
  await client.end();
  await db.close();
  await postgres.stop();
  tmp.remove();
});

const inClient = { query: async <Row extends object>(text: string, params?: readonly unknown[]) => (await client.query<Row>(text, params === undefined ? undefined : [...params])).rows };

/** Change one character of a text value, keeping it the same length. */
const flipOneChar = (value: string, index: number): string => {
  const i = index % value.length;
  const c = value[i]!;
  const replacement = /[0-9a-f]/.test(c) ? (c === 'a' ? 'b' : 'a') : c === 'x' ? 'y' : 'x';
  return value.slice(0, i) + replacement + value.slice(i + 1);
};

/** Change one hex digit of a UUID, so it stays a valid UUID. */
const flipHexDigit = (value: string, index: number): string => {
  const positions = Array.from({ length: value.length }, (_, i) => i).filter((i) => /[0-9a-f]/.test(value.charAt(i)));
  return flipOneChar(value, positions[index % positions.length]!);
};

type Tampering =
  | { kind: 'alter'; seq: number; column: (typeof COLUMNS)[number]; index: number }
  | { kind: 'delete'; seq: number }
  | { kind: 'swap'; first: number; second: number };

async function tamper(t: Tampering): Promise<number> {
  switch (t.kind) {
    case 'alter': {
      const [row] = await inClient.query<Record<string, string | Date | null>>(`SELECT ${t.column}::text AS value FROM audit_log WHERE seq = $1`, [t.seq]);
      const value = row?.value;
      if (t.column === 'at') await client.query("UPDATE audit_log SET at = at + interval '1 millisecond' WHERE seq = $1", [t.seq]);
      else if (t.column === 'referral_id') await client.query('UPDATE audit_log SET referral_id = $2 WHERE seq = $1', [t.seq, typeof value === 'string' ? flipHexDigit(value, t.index) : randomUUID()]);
      else await client.query(`UPDATE audit_log SET ${t.column} = $2 WHERE seq = $1`, [t.seq, typeof value === 'string' && value.length > 0 ? flipOneChar(value, t.index) : 'x']);
      return t.seq;
    }
    case 'delete':
      await client.query('DELETE FROM audit_log WHERE seq = $1', [t.seq]);
      return t.seq;
    case 'swap': {
      const [a, b] = t.first < t.second ? [t.first, t.second] : [t.second, t.first];
      const cols = COLUMNS.join(', ');
      await client.query(
        `UPDATE audit_log AS target SET (${cols}) = (SELECT ${cols} FROM audit_log WHERE seq = CASE WHEN target.seq = $1 THEN $2::bigint ELSE $1::bigint END) WHERE target.seq IN ($1, $2)`,
        [a, b],
      );
      return a;
    }
    default:
      return t satisfies never;
  }
}

const seqArb = fc.integer({ min: 1, max: ENTRIES });
const tamperingArb: fc.Arbitrary<Tampering> = fc.oneof(
  fc.record({ kind: fc.constant('alter' as const), seq: seqArb, column: fc.constantFrom(...COLUMNS), index: fc.nat(200) }),
  fc.record({ kind: fc.constant('delete' as const), seq: seqArb }),
  fc.record({ kind: fc.constant('swap' as const), first: seqArb, second: seqArb }).filter((s) => s.first !== s.second),
);

describe('the audit hash chain in PostgreSQL', () => {
  it('verifies intact, with its signed checkpoints', async () => {
    const result = await verifyAuditLog(db, keys);
    expect(result).toMatchObject({ ok: true, entries: ENTRIES, headSeq: ENTRIES });
    expect(result.checkpoints).toBe(4);
  });

  it('detects 1,000 random tamperings (alter a byte, delete, swap), naming the first bad entry', async () => {
    let detected = 0;
    await fc.assert(
      fc.asyncProperty(tamperingArb, async (tampering) => {
        await client.query('BEGIN');
        try {
          const expected = await tamper(tampering);
          const result = await verifyAuditLog(inClient, keys);
          expect(result.ok, JSON.stringify(tampering)).toBe(false);
          expect(result.failure?.seq, JSON.stringify(tampering)).toBe(expected);
          detected += 1;
        } finally {
          await client.query('ROLLBACK');
        }
      }),
      { numRuns: 1_000, seed: 20_261_121 },
    );
    expect(detected).toBe(1_000);
    expect((await verifyAuditLog(db, keys)).ok).toBe(true);
  }, 300_000);

  it('audit:verify exits 0 on the intact log and 1 naming the entry after tampering', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: postgres.url, MASH_DATA_DIR: tmp.dir, MASH_AUDIT_SIGNING_KEY: path.join(tmp.dir, AUDIT_KEY_FILE) };
    const intact = spawnSync(process.execPath, ['src/cli/audit-verify.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(intact.stdout).toMatch(/^audit log intact: 400 entries/);
    expect(intact.status).toBe(0);

    await client.query("UPDATE audit_log SET actor = 'someone-else' WHERE seq = 137");
    const broken = spawnSync(process.execPath, ['src/cli/audit-verify.ts'], { cwd: ROOT, env, encoding: 'utf8', timeout: 60_000 });
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/^audit log BROKEN at entry 137: /);
  }, 120_000);
});

describe('a failing audit write', () => {
  it('makes the action fail: no referral is stored when its audit entry cannot be written', async () => {
    const key = testSigningKey();
    const vault = createVault(randomBytes(32));
    const app = createApp({ sla: testSla,
      db,
      vault,
      identity: testIdentity({ db, vault, clock, masterKey: randomBytes(32) }),
      scheduler: { schedule: () => Promise.resolve(), reprioritise: () => Promise.resolve(), ping: () => Promise.resolve(true) },
      clock,
      logger: silentLogger(),
      auditKeys: keys,
      verifyToken: createTokenVerifier({ publicKey: key.publicKey, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, ...TEST_TOKEN_LIFETIME }),
    });
    const before = await inClient.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals');
    await client.query(`CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit store refuses writes'; END $$`);
    await client.query('CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()');
    try {
      const response = await app.request('/v1/referrals', {
        method: 'POST',
        headers: { authorization: `Bearer ${await tokenFor(key, 'referral-intake')}`, 'content-type': 'application/json' },
        body: readFileSync(path.join(ROOT, 'examples', 'referral.json'), 'utf8'),
      });
      expect(response.status).toBe(500);
      expect(((await response.json()) as { code: string }).code).toBe('INTERNAL');
      const after = await inClient.query<{ n: number }>('SELECT count(*)::int AS n FROM referrals');
      expect(after[0]?.n).toBe(before[0]?.n);
    } finally {
      await client.query('DROP TRIGGER refuse_audit ON audit_log');
      await client.query('DROP FUNCTION refuse_audit()');
    }
  });
});
