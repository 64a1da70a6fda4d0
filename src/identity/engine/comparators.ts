/**
 * Field comparators: for each field, the graded levels of agreement two records can show.
 *
 * Why: Fellegi–Sunter needs each comparison reduced to a level per field, and how well the
 * levels separate the same person from a different one decides everything downstream. The
 * levels here follow the errors agency records really contain: names with a
 * one-letter slip, a nickname (Bobby for Robert), a spelling that sounds the same (Smyth for
 * Smith), a hyphenated or previous family name, given and family names written the wrong way
 * round, an initial only; birth dates with day and month swapped or one digit wrong; a postcode
 * with one character wrong or only the district right; address lines with words missing. The
 * levels are ordered from strongest agreement to clear disagreement, and a comparator returns the
 * first that holds. MISSING (−1) means one side has no value: no evidence either way.
 */
import { areNicknameEquivalent } from './nicknames.ts';
import type { PreparedRecord } from './record.ts';
import { jaroWinkler, shareCode, withinEdits } from './strings.ts';

/** The probabilistic fields, in the order comparison vectors hold them. */
export const FIELDS = ['given', 'family', 'birthDate', 'sex', 'address', 'town', 'email', 'otherId', 'nhsUnchecked'] as const;
export type FieldName = (typeof FIELDS)[number];

/**
 * The levels of each field, strongest agreement first, clear disagreement last. Level 0 is
 * exact agreement (the level term frequencies adjust), except `address`, whose level 0 is UPRN.
 */
export const LEVELS = {
  given: ['exact', 'nickname', 'typo', 'similar', 'middle-name', 'initial', 'swapped', 'different'],
  family: ['exact', 'typo', 'phonetic', 'part', 'similar', 'different'],
  birthDate: ['exact', 'day-month-swap', 'one-digit', 'same-year-month', 'within-year', 'different'],
  sex: ['same', 'different'],
  address: ['uprn', 'same-address', 'same-lines', 'same-postcode', 'near', 'same-district', 'different'],
  town: ['exact', 'typo', 'different'],
  email: ['exact', 'typo', 'same-local-part', 'different'],
  otherId: ['exact', 'typo', 'different'],
  nhsUnchecked: ['exact', 'typo', 'different'],
} as const satisfies Record<FieldName, readonly string[]>;

/** No value on one side or both. */
export const MISSING = -1;

/** Thresholds of the string metrics, named so tests and evidence can refer to them. */
export const THRESHOLDS = {
  /** Jaro–Winkler at or above which two names differ by a slip of the pen. */
  nameTypo: 0.92,
  /** Jaro–Winkler at or above which two names are alike but not a simple slip. */
  nameSimilar: 0.85,
  familySimilar: 0.8,
  /** Soft token overlap of address lines. */
  addressHigh: 0.8,
  addressMedium: 0.5,
  townTypo: 0.85,
  emailTypo: 0.93,
} as const;

const lvl = <F extends FieldName>(field: F, level: (typeof LEVELS)[F][number]): number => (LEVELS[field] as readonly string[]).indexOf(level);

const G = {
  exact: lvl('given', 'exact'), nickname: lvl('given', 'nickname'), typo: lvl('given', 'typo'), similar: lvl('given', 'similar'),
  middle: lvl('given', 'middle-name'), initial: lvl('given', 'initial'), swapped: lvl('given', 'swapped'), different: lvl('given', 'different'),
};
const F = {
  exact: lvl('family', 'exact'), typo: lvl('family', 'typo'), phonetic: lvl('family', 'phonetic'), part: lvl('family', 'part'),
  similar: lvl('family', 'similar'), different: lvl('family', 'different'),
};

/** Whether a name is a typo-level match for another (equal or Jaro–Winkler ≥ nameTypo). */
function nameClose(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined || a.length < 2 || b.length < 2) return false;
  return a === b || jaroWinkler(a, b) >= THRESHOLDS.nameTypo;
}

/**
 * Given and family written the wrong way round on one side: each record's given name is the
 * other's family name. Both crosses must hold; one alone (a given name that is also someone's
 * surname, "Thomas") happens by chance far too often to be evidence.
 */
export function namesCrossed(a: PreparedRecord, b: PreparedRecord): boolean {
  return nameClose(a.givenFirst, b.family) && nameClose(b.givenFirst, a.family);
}

/** First given names. A bare initial agrees only as `initial`. */
export function compareGiven(a: PreparedRecord, b: PreparedRecord): number {
  const ga = a.givenFirst;
  const gb = b.givenFirst;
  if (ga === undefined || gb === undefined) return MISSING;
  if (ga === gb) return ga.length === 1 ? G.initial : G.exact;
  if (ga.length === 1 || gb.length === 1) return ga[0] === gb[0] ? G.initial : G.different;
  if (areNicknameEquivalent(ga, gb)) return G.nickname;
  const jw = jaroWinkler(ga, gb);
  if (jw >= THRESHOLDS.nameTypo) return G.typo;
  if (jw >= THRESHOLDS.nameSimilar || shareCode(a.givenCodes, b.givenCodes)) return G.similar;
  if (a.givenAll.some((t) => t.length > 1 && b.givenAll.includes(t))) return G.middle;
  if (namesCrossed(a, b)) return G.swapped;
  return G.different;
}

/**
 * Family names, including hyphenated and double-barrelled forms (Smith-Jones vs Smith). When
 * the names are crossed the family name is no separate evidence: the given name's `swapped`
 * level stands for both (fields must be independent for their weights to add up).
 */
export function compareFamily(a: PreparedRecord, b: PreparedRecord): number {
  const fa = a.family;
  const fb = b.family;
  if (fa === undefined || fb === undefined) return MISSING;
  if (fa === fb) return F.exact;
  const jw = jaroWinkler(fa, fb);
  if (jw >= THRESHOLDS.nameTypo) return F.typo;
  if (shareCode(a.familyCodes, b.familyCodes)) return F.phonetic;
  if ((a.familyTokens.length > 1 || b.familyTokens.length > 1) && a.familyTokens.some((t) => t.length > 1 && b.familyTokens.includes(t))) return F.part;
  if (namesCrossed(a, b) && compareGiven(a, b) === G.swapped) return MISSING;
  if (jw >= THRESHOLDS.familySimilar) return F.similar;
  return F.different;
}

const D = {
  exact: lvl('birthDate', 'exact'), swap: lvl('birthDate', 'day-month-swap'), digit: lvl('birthDate', 'one-digit'),
  yearMonth: lvl('birthDate', 'same-year-month'), year: lvl('birthDate', 'within-year'), different: lvl('birthDate', 'different'),
};

/** Birth dates: exact, day and month swapped, one digit wrong (or two adjacent swapped), near. */
export function compareBirthDate(a: PreparedRecord, b: PreparedRecord): number {
  const da = a.birth;
  const db = b.birth;
  if (da === undefined || db === undefined) return MISSING;
  if (da.digits === db.digits) return D.exact;
  if (da.y === db.y && da.d === db.m && da.m === db.d) return D.swap;
  if (withinEdits(da.digits, db.digits, 1)) return D.digit;
  if (da.y === db.y && da.m === db.m) return D.yearMonth;
  if (Math.abs(da.day - db.day) <= 366) return D.year;
  return D.different;
}

/** Recorded sex; "unknown" counts as missing. */
export function compareSex(a: PreparedRecord, b: PreparedRecord): number {
  if (a.sex === undefined || b.sex === undefined) return MISSING;
  return a.sex === b.sex ? 0 : 1;
}

/**
 * Soft overlap of two token lists in [0, 1]: 2·matched / (|a| + |b|), where a token matches an
 * unused token of the other list that is equal or, for words of four letters or more, within
 * Jaro–Winkler 0.9. Numbers must be equal. Matched greedily from both sides, best kept, so the
 * measure is symmetric.
 */
export function softTokenOverlap(a: readonly string[], b: readonly string[]): number {
  if (a.length === 0 || b.length === 0) return 0;
  return Math.max(greedyOverlap(a, b), greedyOverlap(b, a));
}

function greedyOverlap(a: readonly string[], b: readonly string[]): number {
  const used = new Array<boolean>(b.length).fill(false);
  let matched = 0;
  for (const t of a) {
    let found = b.findIndex((u, i) => !used[i] && u === t);
    if (found < 0 && t.length >= 4 && !/\d/.test(t)) found = b.findIndex((u, i) => !used[i] && u.length >= 4 && !/\d/.test(u) && jaroWinkler(t, u) >= 0.9);
    if (found >= 0) {
      used[found] = true;
      matched++;
    }
  }
  return (2 * matched) / (a.length + b.length);
}

/** How two postcodes agree: exact, one character wrong, same district, or not at all. */
function postcodeAgreement(a: PreparedRecord, b: PreparedRecord): 'exact' | 'typo' | 'district' | 'different' | undefined {
  const pa = a.postcode;
  const pb = b.postcode;
  if (pa === undefined || pb === undefined) return undefined;
  if (pa === pb) return 'exact';
  if (pa.length >= 4 && pb.length >= 4 && withinEdits(pa, pb, 1)) return 'typo';
  if (a.postcodeDistrict !== undefined && a.postcodeDistrict === b.postcodeDistrict) return 'district';
  return 'different';
}

const A = {
  uprn: lvl('address', 'uprn'), sameAddress: lvl('address', 'same-address'), sameLines: lvl('address', 'same-lines'),
  samePostcode: lvl('address', 'same-postcode'), near: lvl('address', 'near'), sameDistrict: lvl('address', 'same-district'),
  different: lvl('address', 'different'),
};

/**
 * Where two records say the person lives: UPRN, address lines and postcode judged together.
 * One field, not three, because they are far from independent — two people at one address
 * share the postcode too, and counting both would double the evidence of a shared home (the
 * commonest way to mistake a sibling or parent for the person).
 */
export function compareAddress(a: PreparedRecord, b: PreparedRecord): number {
  const pc = postcodeAgreement(a, b);
  const differentProperty = a.uprn !== undefined && b.uprn !== undefined && a.uprn !== b.uprn;
  if (a.uprn !== undefined && a.uprn === b.uprn) return A.uprn;
  let lines: number | undefined;
  if (differentProperty) lines = 0;
  else if (a.address !== undefined && b.address !== undefined) lines = a.address === b.address ? 1 : softTokenOverlap(a.addressTokens, b.addressTokens);
  if (lines === undefined && pc === undefined) return differentProperty ? A.different : MISSING;
  if (lines !== undefined && lines >= THRESHOLDS.addressHigh) {
    if (pc === 'exact') return A.sameAddress;
    return pc === 'different' ? A.near : A.sameLines;
  }
  if (pc === 'exact') return A.samePostcode;
  if (pc === 'typo' || (lines !== undefined && lines >= THRESHOLDS.addressMedium && pc !== 'different')) return A.near;
  if (pc === 'district') return A.sameDistrict;
  return A.different;
}

/**
 * Town or suburb names, only where a postcode is not known on both sides: a postcode already
 * places the home more finely, and counting the town as well would count one fact twice.
 */
export function compareTown(a: PreparedRecord, b: PreparedRecord): number {
  if (a.town === undefined || b.town === undefined) return MISSING;
  if (a.postcode !== undefined && b.postcode !== undefined) return MISSING;
  if (a.town === b.town) return 0;
  return jaroWinkler(a.town, b.town) >= THRESHOLDS.townTypo ? 1 : 2;
}

/** An e-mail local part's letters, without separators or digits. */
const handleLetters = (local: string): string => local.replace(/[^a-z]/g, '');

/**
 * Whether a handle only spells the record's own names (natalie.wood, nwood, woodnatalie): then
 * two such handles agreeing repeat the names' agreement, already counted, rather than add any.
 */
function spellsNames(letters: string, p: PreparedRecord): boolean {
  const g = p.givenFirst;
  const f = p.family;
  if (g === undefined || f === undefined) return false;
  return letters === g + f || letters === f + g || letters === (g[0] ?? '') + f || letters === f + (g[0] ?? '') || letters === g;
}

/**
 * E-mail addresses: exact; a slip (a character or two anywhere, or alike by Jaro–Winkler); the
 * same handle elsewhere (the same local part at another provider, or
 * the same letters with other digits — another account of the same handle); or different.
 * A slip never changes the first letter: family members' addresses are often built alike (an
 * initial and the surname, `jsmith` and `ksmith`), and there the first letter is the person.
 * A provider gives an address to one person, so digits that differ are not a slip: two people
 * called Sophie Bell are `sophie.bell` and `sophie.bell21`. And one local part at two providers
 * that only spells both records' names is no evidence of its own (MISSING): the names said so.
 */
export function compareEmail(a: PreparedRecord, b: PreparedRecord): number {
  if (a.email === undefined || b.email === undefined) return MISSING;
  if (a.email === b.email) return 0;
  const at = a.email.indexOf('@');
  const bt = b.email.indexOf('@');
  const la = at < 0 ? a.email : a.email.slice(0, at);
  const lb = bt < 0 ? b.email : b.email.slice(0, bt);
  const da = at < 0 ? '' : a.email.slice(at + 1);
  const db = bt < 0 ? '' : b.email.slice(bt + 1);
  if (la === lb) {
    if (da.length > 3 && withinEdits(da, db, 2)) return 1;
    const letters = handleLetters(la);
    return la.length < 2 ? 3 : spellsNames(letters, a) && spellsNames(letters, b) ? MISSING : 2;
  }
  if (la[0] !== lb[0]) return 3;
  // The same letters with other digits: another account, not a slip (namesakes' addresses differ so).
  if (handleLetters(la) === handleLetters(lb)) return 3;
  if (withinEdits(a.email, b.email, 2) || jaroWinkler(a.email, b.email) >= THRESHOLDS.emailTypo) return 1;
  return 3;
}

/** Any other shared identifier: exact or one character wrong. */
export function compareOtherId(a: PreparedRecord, b: PreparedRecord): number {
  if (a.otherId === undefined || b.otherId === undefined) return MISSING;
  if (a.otherId === b.otherId) return 0;
  return a.otherId.length >= 5 && withinEdits(a.otherId, b.otherId, 1) ? 1 : 2;
}

/**
 * NHS numbers that are not both valid: a number failing its check is not trusted to decide a
 * link, but it is still evidence — usually a slip of one digit from the right one. Where both
 * numbers are valid the trusted comparison decides and this field stays out.
 */
export function compareNhsUnchecked(a: PreparedRecord, b: PreparedRecord): number {
  if (a.nhsDigits === undefined || b.nhsDigits === undefined) return MISSING;
  if (a.nhsNumber !== undefined && b.nhsNumber !== undefined) return MISSING;
  if (a.nhsDigits === b.nhsDigits) return 0;
  return withinEdits(a.nhsDigits, b.nhsDigits, 1) ? 1 : 2;
}

/** The comparator of each field. */
export const COMPARATORS: { readonly [K in FieldName]: (a: PreparedRecord, b: PreparedRecord) => number } = {
  given: compareGiven,
  family: compareFamily,
  birthDate: compareBirthDate,
  sex: compareSex,
  address: compareAddress,
  town: compareTown,
  email: compareEmail,
  otherId: compareOtherId,
  nhsUnchecked: compareNhsUnchecked,
};

/**
 * The value whose frequency adjusts an exact agreement (term-frequency adjustment): agreeing on
 * a rare surname says more than agreeing on "Smith". Undefined for fields without one.
 */
export function termValue(field: FieldName, p: PreparedRecord): string | undefined {
  switch (field) {
    case 'given':
      return p.givenFirst !== undefined && p.givenFirst.length > 1 ? p.givenFirst : undefined;
    case 'family':
      return p.family;
    case 'birthDate':
      return p.birth?.digits;
    case 'address':
      return undefined;
    case 'town':
      return p.town;
    case 'email':
      return p.email;
    case 'otherId':
      return p.otherId;
    case 'nhsUnchecked':
      return p.nhsDigits;
    case 'sex':
      return undefined;
    default:
      return field satisfies never;
  }
}

/** The comparison vector of two records: one level (or MISSING) per field, in FIELDS order. */
export function compareFields(a: PreparedRecord, b: PreparedRecord, out: Int8Array = new Int8Array(FIELDS.length)): Int8Array {
  for (let f = 0; f < FIELDS.length; f++) out[f] = COMPARATORS[FIELDS[f] as FieldName](a, b);
  return out;
}
