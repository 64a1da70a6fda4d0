/**
 * Record noise: how a true person turns into what one agency wrote down.
 *
 * Why: the hub's identity matching is only tested if agency records disagree the way real
 * ones do — a one-letter typo, a nickname, a surname changed after marriage or a step-family,
 * a birth date with day and month swapped, a stale address, an identifier never captured.
 * Each agency has its own noise profile (police records, taken at the roadside, are noisier
 * than GP registrations), and every applied noise is recorded as ground truth.
 */
import type { Agency } from '../../src/model/agency.ts';
import { swapDayMonth } from './dates.ts';
import { nicknamesOf, SURNAME_VARIANTS } from './names.ts';
import type { Rng } from './rng.ts';
import type { IsoDate, NoiseKind, RecordedName, TruePerson } from './types.ts';

/** Per-record probabilities of each kind of noise for one agency. */
export interface NoiseProfile {
  readonly typoGiven: number;
  readonly typoFamily: number;
  readonly nickname: number;
  readonly initialOnly: number;
  /** Use an alternative family name the person is known by (hyphenated or previous). */
  readonly altFamily: number;
  readonly birthDateSwap: number;
  readonly birthDateTypo: number;
  readonly missingBirthDate: number;
  readonly oldAddress: number;
  /** Drop the identifier this agency would normally hold (NHS number, UPN, PNC id). */
  readonly missingIdentifier: number;
  /** Whether the agency keeps middle names. */
  readonly keepsMiddleNames: boolean;
}

/** Noise rates per agency. Police is noisiest; health (PDS-traced) the cleanest. */
export const NOISE_PROFILES: Readonly<Record<Agency, NoiseProfile>> = {
  health: {
    typoGiven: 0.01, typoFamily: 0.015, nickname: 0.01, initialOnly: 0, altFamily: 0.04,
    birthDateSwap: 0.004, birthDateTypo: 0.003, missingBirthDate: 0, oldAddress: 0.08, missingIdentifier: 0.01,
    keepsMiddleNames: true,
  },
  police: {
    typoGiven: 0.07, typoFamily: 0.08, nickname: 0.12, initialOnly: 0.04, altFamily: 0.25,
    birthDateSwap: 0.04, birthDateTypo: 0.03, missingBirthDate: 0.03, oldAddress: 0.2, missingIdentifier: 0.1,
    keepsMiddleNames: false,
  },
  education: {
    typoGiven: 0.02, typoFamily: 0.03, nickname: 0.08, initialOnly: 0, altFamily: 0.2,
    birthDateSwap: 0.015, birthDateTypo: 0.01, missingBirthDate: 0, oldAddress: 0.1, missingIdentifier: 0.02,
    keepsMiddleNames: true,
  },
  housing: {
    typoGiven: 0.04, typoFamily: 0.05, nickname: 0.06, initialOnly: 0.01, altFamily: 0.2,
    birthDateSwap: 0.03, birthDateTypo: 0.02, missingBirthDate: 0.04, oldAddress: 0.04, missingIdentifier: 0,
    keepsMiddleNames: false,
  },
  'social-care': {
    typoGiven: 0.03, typoFamily: 0.04, nickname: 0.06, initialOnly: 0, altFamily: 0.25,
    birthDateSwap: 0.025, birthDateTypo: 0.015, missingBirthDate: 0.02, oldAddress: 0.15, missingIdentifier: 0.05,
    keepsMiddleNames: true,
  },
};

const LETTERS = Array.from('abcdefghijklmnopqrstuvwxyz');

/**
 * One-character edit (substitution, deletion, insertion or adjacent transposition), never on
 * the first letter — people rarely get that wrong — and always different from the input.
 */
export function typo(rng: Rng, word: string): string {
  if (word.length < 3) return `${word}${rng.pick(LETTERS)}`;
  for (;;) {
    const i = rng.int(1, word.length - 1);
    const kind = rng.int(0, 3);
    let out: string;
    if (kind === 0) out = word.slice(0, i) + rng.pick(LETTERS) + word.slice(i + 1);
    else if (kind === 1) out = word.slice(0, i) + word.slice(i + 1);
    else if (kind === 2) out = word.slice(0, i) + rng.pick(LETTERS) + word.slice(i);
    else out = i < word.length - 1 ? word.slice(0, i) + (word[i + 1] ?? '') + (word[i] ?? '') + word.slice(i + 2) : word.slice(0, i);
    if (out !== word && out.length > 0 && out[out.length - 1] !== '-') return out;
  }
}

/** A birth date with a one-day or one-year slip. */
function birthDateTypo(rng: Rng, iso: IsoDate): IsoDate {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  if (rng.chance(0.5)) return `${y + (rng.chance(0.5) ? 1 : -1)}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`.replace(/-02-29$/, '-02-28');
  const day = d === 1 ? 2 : d - 1;
  return `${y}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** What an agency holds about a person's name and birth date, and the noise applied. */
export interface NoisyIdentity {
  readonly name: RecordedName;
  readonly birthDate?: IsoDate;
  readonly noise: NoiseKind[];
  /** True when the record should hold a previous address (caller picks it). */
  readonly useOldAddress: boolean;
  /** True when the record should lack the identifier the agency would normally hold. */
  readonly dropIdentifier: boolean;
}

/** Applies an agency's noise profile to a true person. */
export function noisyIdentity(rng: Rng, person: TruePerson, profile: NoiseProfile, opts: { hasOldAddress: boolean; holdsIdentifier: boolean }): NoisyIdentity {
  const noise: NoiseKind[] = [];
  const first = person.givenNames[0] ?? 'Unknown';
  let given: string[] = profile.keepsMiddleNames ? person.givenNames.slice() : [first];
  let family = person.familyName;

  const nicks = nicknamesOf(first);
  if (nicks.length > 0 && rng.chance(profile.nickname)) {
    given = [rng.pick(nicks)];
    noise.push('nickname');
  } else if (rng.chance(profile.initialOnly)) {
    given = [`${first[0] ?? 'X'}.`];
    noise.push('initial-only');
  } else if (rng.chance(profile.typoGiven)) {
    given = [typo(rng, first), ...given.slice(1)];
    noise.push('typo-given');
  }

  if (person.otherFamilyNames.length > 0 && rng.chance(profile.altFamily)) {
    family = rng.pick(person.otherFamilyNames);
    noise.push(family.includes('-') && !person.familyName.includes('-') ? 'hyphenated-family' : 'changed-family');
  } else if (rng.chance(profile.typoFamily)) {
    const variant = SURNAME_VARIANTS[family];
    family = variant !== undefined && rng.chance(0.6) ? variant : typo(rng, family);
    noise.push('typo-family');
  }

  let birthDate: IsoDate | undefined = person.birthDate;
  const swapped = swapDayMonth(person.birthDate);
  if (rng.chance(profile.missingBirthDate)) {
    birthDate = undefined;
    noise.push('missing-birth-date');
  } else if (swapped !== undefined && rng.chance(profile.birthDateSwap * 2.2)) {
    // ×2.2: only ~45 % of dates can be swapped (day ≤ 12), so the overall rate matches the profile.
    birthDate = swapped;
    noise.push('birth-date-swap');
  } else if (rng.chance(profile.birthDateTypo)) {
    birthDate = birthDateTypo(rng, person.birthDate);
    noise.push('birth-date-typo');
  }

  const useOldAddress = opts.hasOldAddress && rng.chance(profile.oldAddress);
  if (useOldAddress) noise.push('old-address');
  const dropIdentifier = opts.holdsIdentifier && rng.chance(profile.missingIdentifier);
  if (dropIdentifier) noise.push('missing-identifier');

  return { name: { given, family }, ...(birthDate === undefined ? {} : { birthDate }), noise, useOldAddress, dropIdentifier };
}
