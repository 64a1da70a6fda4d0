/**
 * The housing adapter's HTTP client: one authorised GET, and a paged collection read that
 * follows `links.next` (or `page`/`totalPages`) and parses every item with its schema.
 *
 * Why this file exists: the housing API is plain REST JSON, so the rules that keep a lookup
 * bounded and honest live here, over the shared transport (`exchange`, `authorize`): a refused
 * cached token is refreshed once; a `next` link may only lead back under the connector's base
 * URL (our Authorization header must not travel elsewhere) and may not loop; paging stops at
 * `maxPages`; error bodies are recognised but never echoed; and every item must belong to the
 * person or tenancy it was asked for — a server that ignored the filter would otherwise pin
 * someone else's records on the subject.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../../lib/result.ts';
import { candidateCapCut, lastPageCut, pageCapCut } from '../cuts.ts';
import type { AdapterFailure, AnswerCut } from '../port.ts';
import { adapterFailure, decodeJson, statusFailure } from '../http/exchange.ts';
import { describeIssue, type ItemSchema } from '../http/issues.ts';
import { sameServerUrl } from '../http/links.ts';
import { authorizedGet, type LookupRun } from '../http/lookup-run.ts';
import type { SearchParams } from '../search-plan.ts';
import { pageOf, ProblemDocument } from './types.ts';

export interface Collection<T> {
  readonly items: readonly T[];
  /** Why further items were left unread (`limit`, `maxPages`, or the server's own), if they were. */
  readonly cut: AnswerCut | undefined;
}

export interface CollectionRequest<T> {
  /** Orchestration name, e.g. "Tenancies" — no personal data. */
  readonly name: string;
  /** Path under the base URL, e.g. "/persons". */
  readonly path: string;
  readonly params: SearchParams;
  readonly schema: ItemSchema<T>;
  readonly pageSize: number;
  /** Stop once this many distinct items are in hand. */
  readonly limit: number;
  /** Identity of an item, to drop repeats across pages. */
  readonly key: (item: T) => string;
  /** False for an item that does not concern what was asked for (the server ignored the filter). */
  readonly belongs?: (item: T) => boolean;
}

const Envelope = pageOf(z.unknown());

/**
 * Reads a paged collection, following its pages up to `maxPages`. What it leaves unread is its
 * cut, counted against the server's `totalItems` where it gives one.
 */
export async function readCollection<T>(run: LookupRun, request: CollectionRequest<T>): Promise<Result<Collection<T>, AdapterFailure>> {
  const first = new URLSearchParams([...request.params.map(([k, v]): [string, string] => [k, v]), ['page', '1'], ['pageSize', String(request.pageSize)]]);
  let url = `${run.base}${request.path}?${first.toString()}`;
  const visited = new Set<string>();
  const byKey = new Map<string, T>();
  let received = 0;
  for (let pageNumber = 1; ; pageNumber += 1) {
    const name = pageNumber === 1 ? request.name : `${request.name} page ${pageNumber}`;
    visited.add(url);
    const fetched = await getJson(run, name, url);
    if (!fetched.ok) return fetched;
    const envelope = Envelope.safeParse(fetched.value);
    if (!envelope.success) return malformed(name, `response is not a page of results (${describeIssue(envelope.error.issues)})`);

    for (const [index, raw] of envelope.data.items.entries()) {
      const parsed = request.schema.safeParse(raw);
      if (!parsed.success) return malformed(name, `item ${index} is not valid (${describeIssue(parsed.error.issues)})`);
      if (request.belongs !== undefined && !request.belongs(parsed.data)) {
        return err(adapterFailure('protocol-error', `${name}: item ${index} is not about the record asked for`));
      }
      received += 1;
      byKey.set(request.key(parsed.data), parsed.data);
    }

    const next = nextPage(run.base, url, envelope.data);
    if (!next.ok) return err(adapterFailure('protocol-error', `${name}: ${next.error}`));
    const nextUrl = next.value;
    const reported = envelope.data.totalItems;
    if (byKey.size >= request.limit) {
      const items = [...byKey.values()];
      return ok({ items: items.slice(0, request.limit), cut: candidateCapCut(request.name, request.limit, items.length, nextUrl !== undefined, reported) });
    }
    if (nextUrl === undefined) return ok({ items: [...byKey.values()], cut: lastPageCut(request.name, received, byKey.size, reported) });
    if (pageNumber >= run.settings.maxPages) return ok({ items: [...byKey.values()], cut: pageCapCut(request.name, byKey.size, reported) });
    if (visited.has(nextUrl)) return err(adapterFailure('protocol-error', `${name}: the next page link repeats a page already read`));
    url = nextUrl;
  }
}

/**
 * The next page's URL (undefined after the last page), or why the link cannot be followed:
 * `links.next` when given (it must stay under the base URL), else — for servers that only count
 * pages — this URL with `page` + 1 while `page < totalPages`.
 */
function nextPage(base: string, current: string, envelope: z.infer<typeof Envelope>): Result<string | undefined, string> {
  const link = envelope.links?.next;
  if (link !== undefined && link !== '') {
    const url = sameServerUrl(base, link);
    return url === undefined ? err("next link points outside the connector's base URL") : ok(url);
  }
  if (envelope.totalPages !== undefined && envelope.page < envelope.totalPages && envelope.items.length > 0) {
    const url = new URL(current);
    url.searchParams.set('page', String(envelope.page + 1));
    return ok(url.toString());
  }
  return ok(undefined);
}

/** GET one JSON document, authorising (and once re-authorising, for a refused cached token). */
export async function getJson(run: LookupRun, name: string, url: string): Promise<Result<unknown, AdapterFailure>> {
  const got = await authorizedGet(run, name, url, 'application/json', decodeJson);
  if (!got.ok) return got;
  const { status, body: json, retryAfterMs } = got.value;
  if (status >= 200 && status < 300) return ok(json);
  // RFC 9457 problem documents are recognised, but their text is the server's: not echoed.
  const problem = ProblemDocument.safeParse(json).success ? ', problem document' : '';
  return err(statusFailure(status, `${name}: HTTP ${status}${problem}`, retryAfterMs));
}

function malformed<T>(name: string, detail: string): Result<T, AdapterFailure> {
  return err(adapterFailure('malformed-response', `${name}: ${detail}`));
}
