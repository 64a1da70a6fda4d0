/**
 * What the metrics suites compare: the lookup runs the API shows recorded, per connector, against
 * `mash_lookups_total` in a scrape — read side by side until they agree, since a lookup recovery
 * may run a lookup again between two reads (on a loaded machine a slow agency's lookup can time
 * out, and is run again once the agency answers).
 */
import { parseExposition, sumBy, type Sample } from '../support/exposition.ts';

export interface StatusLookups {
  status: string;
  lookups: { connectorId: string; agency: string; status: string; history: unknown[] }[];
}

/** The lookup statuses a run records (queued and running are not finished; not-permitted never runs). */
const RUN_OUTCOMES = new Set(['done', 'partial', 'failed', 'timed-out']);

/** Per connector: each lookup's earlier runs (its history) and its current one once finished. */
export function runsByConnector(statuses: readonly StatusLookups[]): Record<string, number> {
  const runs: Record<string, number> = {};
  for (const lookup of statuses.flatMap((s) => s.lookups)) {
    const recorded = lookup.history.length + (RUN_OUTCOMES.has(lookup.status) ? 1 : 0);
    if (recorded > 0) runs[lookup.connectorId] = (runs[lookup.connectorId] ?? 0) + recorded;
  }
  return runs;
}

function equalCounts(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].every((key) => a[key] === b[key]);
}

/**
 * The referrals' runs (GET /v1/referrals/{id} on `apiUrl`) and a scrape of `scrapeUrl`, once the
 * scrape's lookups equal the runs, or the last pair read after `timeoutMs`.
 */
export async function runsAndScrape(
  options: { readonly apiUrl: string; readonly apiToken: string; readonly ids: readonly string[]; readonly scrapeUrl: string; readonly scrapeToken?: string; readonly timeoutMs?: number },
): Promise<{ expected: Record<string, number>; samples: Sample[] }> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  for (;;) {
    const statuses: StatusLookups[] = [];
    for (const id of options.ids) statuses.push((await (await fetch(`${options.apiUrl}/v1/referrals/${id}`, { headers: { authorization: `Bearer ${options.apiToken}` } })).json()) as StatusLookups);
    const expected = runsByConnector(statuses);
    const response = await fetch(options.scrapeUrl, options.scrapeToken === undefined ? {} : { headers: { authorization: `Bearer ${options.scrapeToken}` } });
    const samples = parseExposition(await response.text());
    if (equalCounts(sumBy(samples, 'mash_lookups_total', 'connector'), expected) || Date.now() > deadline) return { expected, samples };
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
