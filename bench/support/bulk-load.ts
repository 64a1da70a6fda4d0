/**
 * Bulk loading of a person index into PostgreSQL with COPY FROM STDIN, for the benchmark.
 *
 * Why COPY through psql: a million persons are some fourteen million blocking-key rows, and
 * row-by-row `resolve` would take hours; COPY is PostgreSQL's bulk path, and psql (installed
 * with the server) speaks it without a new dependency. Rows are exactly what `resolve` writes —
 * records sealed and keys digested by the index's own codec and the engine's own blocking keys —
 * so the benchmark measures the index production builds, only built faster. The usual bulk-load
 * practice applies: foreign-key triggers off for the loading sessions
 * (session_replication_role = replica), the big key index dropped before and built after, then
 * VACUUM ANALYZE so lookups run index-only with fresh statistics.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { once } from 'node:events';
import pg from 'pg';
import type { IndexedRecord } from '../../src/model/person-index.ts';
import type { IndexCodec } from '../../src/store/person-index.ts';
import type { SyntheticPerson } from './synthetic-persons.ts';

/** psql of the newest PostgreSQL under /usr/lib/postgresql (as test/support/postgres.ts picks the server). */
export function psqlPath(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(path.join(root, v, 'bin', 'psql'))).sort((a, b) => Number(b) - Number(a)) : [];
  const newest = versions[0];
  if (newest === undefined) throw new Error('no psql under /usr/lib/postgresql');
  return path.join(root, newest, 'bin', 'psql');
}

/** One COPY stream into one table through a psql child. */
class CopyStream {
  private readonly child: ChildProcess;
  private readonly exited: Promise<[number | null]>;
  private buffer: string[] = [];
  private size = 0;
  private stderr = '';

  constructor(url: string, table: string, columns: readonly string[]) {
    this.child = spawn(psqlPath(), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', `COPY ${table} (${columns.join(', ')}) FROM STDIN`], {
      stdio: ['pipe', 'ignore', 'pipe'],
      env: { ...process.env, PGOPTIONS: '-c session_replication_role=replica -c synchronous_commit=off' },
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = once(this.child, 'exit') as Promise<[number | null]>;
  }

  row(line: string): void {
    this.buffer.push(line);
    this.size += line.length;
  }

  /** Writes the buffered rows once there is about a megabyte, waiting while psql catches up. */
  async flushIfFull(): Promise<void> {
    if (this.size >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const chunk = `${this.buffer.join('\n')}\n`;
    this.buffer = [];
    this.size = 0;
    const stdin = this.child.stdin;
    if (stdin === null) throw new Error('psql has no stdin');
    if (!stdin.write(chunk)) await once(stdin, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    this.child.stdin?.end();
    const [code] = await this.exited;
    if (code !== 0) throw new Error(`COPY failed (psql exit ${String(code)}): ${this.stderr}`);
  }
}

/** What a load did. */
export interface LoadReport {
  readonly persons: number;
  readonly keyRows: number;
  readonly generateSeconds: number;
  readonly indexSeconds: number;
  readonly vacuumSeconds: number;
}

/** Loads `persons` synthetic persons (one record and one hub person each) into an empty index. */
export async function bulkLoad(options: {
  readonly url: string;
  readonly codec: IndexCodec;
  /** Identity's blocking keys (`blockingKeys` of src/identity), which the index files records under. */
  readonly blockingKeys: (record: IndexedRecord) => readonly string[];
  readonly referralId: string;
  readonly persons: number;
  readonly nextHousehold: () => SyntheticPerson[];
  /** Called with every loaded person and the hub person made for it. */
  readonly loaded: (person: SyntheticPerson, hubPersonId: string) => void;
  readonly at: Date;
}): Promise<LoadReport> {
  const admin = new pg.Client({ connectionString: options.url });
  await admin.connect();
  try {
    // The key table's primary key is rebuilt after the load: one sort instead of 14M random inserts.
    await admin.query('ALTER TABLE person_index_keys DROP CONSTRAINT person_index_keys_pkey');
    await admin.query('DROP INDEX person_links_by_person');

    const started = performance.now();
    const at = options.at.toISOString();
    const streams = {
      persons: new CopyStream(options.url, 'hub_persons', ['id', 'created_at']),
      records: new CopyStream(options.url, 'person_index_records', ['id', 'record_key', 'first_referral_id', 'sealed_record', 'key_digests', 'created_at']),
      sightings: new CopyStream(options.url, 'person_index_sightings', ['record_id', 'referral_id', 'seen_at']),
      keys: new CopyStream(options.url, 'person_index_keys', ['digest', 'record_id']),
      links: new CopyStream(options.url, 'person_links', ['record_id', 'hub_person_id', 'outcome', 'evidence', 'linked_at']),
    };
    let loaded = 0;
    let keyRows = 0;
    while (loaded < options.persons) {
      for (const person of options.nextHousehold()) {
        if (loaded === options.persons) break;
        const recordId = loaded + 1;
        const recordKey = `bench:synthetic:${person.record.id}`;
        const record = { ...person.record, id: recordKey };
        const digests = [...new Set(options.blockingKeys(record).map((k) => options.codec.digest(k)))];
        const hubPersonId = randomUUID();
        // COPY text format: a backslash is escaped, so bytea's `\x…` is written `\\x…`.
        const sealed = options.codec.sealRecord(recordKey, record).toString('hex');
        streams.persons.row(`${hubPersonId}\t${at}`);
        streams.records.row(`${recordId}\t${recordKey}\t${options.referralId}\t\\\\x${sealed}\t{${digests.join(',')}}\t${at}`);
        streams.sightings.row(`${recordId}\t${options.referralId}\t${at}`);
        for (const d of digests) streams.keys.row(`${d}\t${recordId}`);
        streams.links.row(`${recordId}\t${hubPersonId}\tnew\t[]\t${at}`);
        keyRows += digests.length;
        loaded += 1;
        options.loaded(person, hubPersonId);
      }
      for (const stream of Object.values(streams)) await stream.flushIfFull();
    }
    await Promise.all(Object.values(streams).map((s) => s.end()));
    const generateSeconds = (performance.now() - started) / 1000;

    const indexing = performance.now();
    await admin.query("SET maintenance_work_mem = '1GB'");
    await admin.query('ALTER TABLE person_index_keys ADD CONSTRAINT person_index_keys_pkey PRIMARY KEY (digest, record_id)');
    await admin.query('CREATE INDEX person_links_by_person ON person_links (hub_person_id)');
    await admin.query("SELECT setval(pg_get_serial_sequence('person_index_records', 'id'), (SELECT max(id) FROM person_index_records))");
    const indexSeconds = (performance.now() - indexing) / 1000;
    const vacuuming = performance.now();
    await admin.query('VACUUM (ANALYZE) person_index_keys, person_index_records, person_links, person_index_sightings, hub_persons');
    return { persons: loaded, keyRows, generateSeconds, indexSeconds, vacuumSeconds: (performance.now() - vacuuming) / 1000 };
  } finally {
    await admin.end();
  }
}
