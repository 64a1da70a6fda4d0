/**
 * What one reader may see of a referral's picture, as the case hands it to the identity engine to
 * work out people, family and chronology from (src/research/picture-identity.ts). A type of its
 * own so that the engine depends on no part of the case that builds it.
 */
import type { ItemRecord } from '../model/item.ts';
import type { LookupFacts } from './lookup-facts.ts';

/** What one caller may see of a referral's picture. */
export interface PictureView {
  /** The items of records that stand as matches, as this caller may see them. */
  readonly items: readonly ItemRecord[];
  /**
   * The person records awaiting a practitioner's decision (subject-level possible matches) that
   * this caller may see: out of the picture's facts, shown so that their owner can decide.
   */
  readonly candidates: readonly ItemRecord[];
  /** Every lookup's facts counted as the picture holds them (whatever this caller may see). */
  readonly lookupFacts: ReadonlyMap<string, LookupFacts>;
}
