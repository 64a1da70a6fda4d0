/**
 * Blocking: the keys under which a record is filed, so that candidates for a comparison are
 * the records sharing a key rather than every record there is.
 *
 * Why several keys: each one misses pairs where its own fields are wrong (a typo in the
 * surname, a swapped birth date), so a true pair need share only one of them. Each key is a
 * strict, cheap summary, so blocks stay small as the index grows:
 * - birth date with day and month in either order; phonetic surname or first-name form (Bob →
 *   robert) with birth year or with birth day and month;
 * - the name pair in either order, as phonetic codes and as three-letter prefixes;
 * - postcode with an initial, the phonetic surname or the street word; UPRN;
 * - a name within a town (coarse: used only while the block is small);
 * - e-mail, its local part and its first six characters; identifiers (NHS number, UPN, PNC id,
 *   other id).
 * The same keys serve batch linkage (src/linkage/) and, digested, the hub person index
 * (src/identity/person-index.ts). They are built from personal data and belong in the
 * confidential store only.
 */
import { formalNamesOf } from './nicknames.ts';
import { prepareRecord, type PersonRecord, type PreparedRecord } from './record.ts';

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * The version of the keys `blockingKeys` gives. Change it whenever the keys a record gets change:
 * the person index then writes every stored record's keys again before it serves
 * (docs/decisions.md "Blocking keys are re-keyed when they change").
 */
export const BLOCKING_SCHEME = '2';

/** A stable key for a first name: its formal form when it has one (Bob → robert), else its phonetic code. */
function givenKey(p: PreparedRecord): string | undefined {
  const g = p.givenFirst;
  if (g === undefined || g.length < 2) return undefined;
  const formal = formalNamesOf(g);
  return formal.length === 1 ? formal[0] : p.givenCodes[0] ?? g;
}

/**
 * The blocking keys of a record. Records that share any key are compared; keys are prefixed
 * by kind so that they can be stored in one index column.
 */
export function blockingKeys(record: PersonRecord | PreparedRecord): string[] {
  const p = 'record' in record ? record : prepareRecord(record);
  const keys = new Set<string>();
  const family = p.familyCodes[0];
  const given = givenKey(p);
  const initial = p.givenFirst?.[0];
  // Name keys are filed by the name alone, not by which field held it: given and family written
  // the wrong way round (one side's family name missing, so the comparators cannot see the
  // cross) still share them.
  const names = [...new Set([given, family].filter((n): n is string => n !== undefined))];
  const prefixes = [...new Set([p.givenFirst, p.family].filter((n): n is string => n !== undefined && n.length >= 4).map((n) => n.slice(0, 4)))];
  const b = p.birth;
  if (b !== undefined) {
    const lo = Math.min(b.m, b.d);
    const hi = Math.max(b.m, b.d);
    keys.add(`dob:${b.y}-${pad2(lo)}-${pad2(hi)}`);
    for (const name of names) {
      keys.add(`ny:${name}:${b.y}`);
      keys.add(`nd:${name}:${pad2(b.m)}${pad2(b.d)}`);
    }
    // A name's first four letters survive the slips that change its phonetic code (Deagford, Deagfofd).
    for (const prefix of prefixes) keys.add(`py:${prefix}:${b.y}`);
  }
  if (given !== undefined && family !== undefined) keys.add(`nm:${[given, family].sort().join('|')}`);
  if (p.town !== undefined) for (const name of names) keys.add(`nt:${name}:${p.town}`);
  if (p.emailLocal !== undefined && p.emailLocal.length >= 3) keys.add(`el:${p.emailLocal}`);
  // Prefixes survive the slips that change a phonetic code or an e-mail's tail.
  if (p.email !== undefined && p.email.length >= 8) keys.add(`ep:${p.email.slice(0, 6)}`);
  if (p.givenFirst !== undefined && p.givenFirst.length >= 2 && p.family !== undefined && p.family.length >= 2) {
    keys.add(`np:${[p.givenFirst.slice(0, 3), p.family.slice(0, 3)].sort().join('|')}`);
  }
  if (p.postcode !== undefined) {
    if (initial !== undefined) keys.add(`pg:${p.postcode}:${initial}`);
    if (family !== undefined) keys.add(`pf:${p.postcode}:${family}`);
  }
  if (p.uprn !== undefined) keys.add(`up:${p.uprn}`);
  const street = p.addressTokens.find((t) => t.length >= 3 && !/\d/.test(t));
  if (p.postcode !== undefined && street !== undefined) keys.add(`pa:${p.postcode}:${street}`);
  if (p.email !== undefined) keys.add(`em:${p.email}`);
  if (p.otherId !== undefined) keys.add(`id:${p.otherId}`);
  if (p.nhsNumber !== undefined) keys.add(`nhs:${p.nhsNumber}`);
  else if (p.nhsDigits !== undefined) keys.add(`nu:${p.nhsDigits}`);
  if (p.upn !== undefined) keys.add(`upn:${p.upn}`);
  if (p.pncId !== undefined) keys.add(`pnc:${p.pncId}`);
  return [...keys];
}

/**
 * Key kinds that speak for the *person* (birth date, names, identifiers, e-mail) rather than
 * the home. Pairs sharing one of these train the model; pairs sharing only a postcode or town
 * are mostly household members and neighbours, among whom "same person" is not the natural
 * second class, so EM would learn households instead of people from them.
 */
export const PERSON_KEY_KINDS: ReadonlySet<string> = new Set(['dob', 'ny', 'nd', 'py', 'nm', 'np', 'em', 'el', 'ep', 'id', 'nhs', 'nu', 'upn', 'pnc']);

const kindOf = (key: string): string => key.slice(0, key.indexOf(':'));

/**
 * Key kinds that are coarse by nature (a name within a whole town): useful where nothing finer
 * is known, wasteful where it is, so their blocks are expanded only while small.
 */
export const COARSE_KEY_KINDS: ReadonlySet<string> = new Set(['nt', 'pa', 'ep']);

/** Options of candidate generation. */
export interface BlockingOptions {
  /** Blocks with more records than this are not expanded into pairs (default 400). */
  readonly maxBlockSize?: number;
  /** The same for blocks of COARSE_KEY_KINDS (default 40). */
  readonly maxCoarseBlockSize?: number;
}

/** Candidate pairs as parallel arrays (i < j, ascending), with whether each shares a person-level key. */
export interface Candidates {
  readonly left: Uint32Array;
  readonly right: Uint32Array;
  /** 1 when the pair shares a key of PERSON_KEY_KINDS. */
  readonly personal: Uint8Array;
}

/**
 * Candidate pairs of a batch: every pair of records sharing a blocking key (within the block
 * size limit), each once.
 */
export function candidatePairs(records: readonly PreparedRecord[], options: BlockingOptions = {}): Candidates {
  const maxBlock = options.maxBlockSize ?? 400;
  const maxCoarse = options.maxCoarseBlockSize ?? 40;
  const blocks = new Map<string, number[]>();
  records.forEach((r, i) => {
    for (const key of blockingKeys(r)) {
      const block = blocks.get(key);
      if (block === undefined) blocks.set(key, [i]);
      else block.push(i);
    }
  });
  const n = records.length;
  // Every pair as one number, (i·n + j)·2 + personal, in a growable typed array: sorted, a pair's
  // entries sit together and are merged in one pass (far cheaper than a Map of millions of pairs).
  let codes = new Float64Array(1 << 16);
  let count = 0;
  for (const [key, block] of blocks) {
    const kind = kindOf(key);
    if (block.length < 2 || block.length > (COARSE_KEY_KINDS.has(kind) ? maxCoarse : maxBlock)) continue;
    const personal = PERSON_KEY_KINDS.has(kind) ? 1 : 0;
    const needed = count + (block.length * (block.length - 1)) / 2;
    if (needed > codes.length) {
      const grown = new Float64Array(Math.max(needed, codes.length * 2));
      grown.set(codes.subarray(0, count));
      codes = grown;
    }
    for (let x = 0; x < block.length; x++) {
      for (let y = x + 1; y < block.length; y++) {
        const i = block[x] ?? 0;
        const j = block[y] ?? 0;
        codes[count++] = (i < j ? i * n + j : j * n + i) * 2 + personal;
      }
    }
  }
  const sorted = codes.subarray(0, count).sort();
  let unique = 0;
  for (let k = 0; k < count; k++) if (k === 0 || Math.floor((sorted[k] ?? 0) / 2) !== Math.floor((sorted[k - 1] ?? 0) / 2)) unique++;
  const left = new Uint32Array(unique);
  const right = new Uint32Array(unique);
  const personal = new Uint8Array(unique);
  let at = -1;
  let last = -1;
  for (let k = 0; k < count; k++) {
    const code = sorted[k] ?? 0;
    const pair = Math.floor(code / 2);
    if (pair !== last) {
      at++;
      last = pair;
      left[at] = Math.floor(pair / n);
      right[at] = pair % n;
    }
    personal[at] = (personal[at] ?? 0) | (code % 2);
  }
  return { left, right, personal };
}
