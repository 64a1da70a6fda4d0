/**
 * What the adapters' search plans share: a search's query parameters, an ordered list of
 * searches without repeats, and a postcode in the form agency systems keep it.
 *
 * Why this file exists: each adapter tries a list of person searches from most to least
 * specific and stops at the first that finds anyone; which searches is protocol knowledge and
 * stays with each adapter, but the list's bookkeeping and the postcode form are the same for
 * all of them. Pure: no I/O.
 */

/** One search's query parameters, in the order they are sent. */
export type SearchParams = readonly (readonly [string, string])[];

/** An ordered list of searches, built by `add`. */
export interface SearchList {
  readonly searches: SearchParams[];
  /** Appends a search unless it repeats one already listed or has fewer than `minParams` parameters. */
  readonly add: (params: SearchParams) => void;
}

/** An empty search list whose searches need at least `minParams` parameters each. */
export function searchList(minParams: number): SearchList {
  const searches: SearchParams[] = [];
  const seen = new Set<string>();
  return {
    searches,
    add: (params) => {
      const key = JSON.stringify(params);
      if (params.length >= minParams && !seen.has(key)) {
        seen.add(key);
        searches.push(params);
      }
    },
  };
}

/**
 * "wf132qp" → "WF13 2QP": upper case, the space before the inward code. Anything not
 * postcode-length is sent as given, upper-cased and without spaces; undefined when empty.
 */
export function normalisePostcode(raw: string): string | undefined {
  const compact = raw.replace(/\s+/g, '').toUpperCase();
  if (compact === '') return undefined;
  return compact.length >= 5 && compact.length <= 7 ? `${compact.slice(0, -3)} ${compact.slice(-3)}` : compact;
}
