/** The picture: every fact gathered for one referral, the status of every lookup, and per agency how complete its answer is. */
import { z } from 'zod';
import { RepeatConcernView } from './repeat-concern.ts';
import { Agency, Sensitivity } from './agency.ts';
import { AgencyCheck } from './check.ts';
import { Fact } from './fact.ts';
import { HumanName, Identifier, IsoDate } from './person.ts';
import { LookupView } from './lookup.ts';
import { ReferralStatus } from './referral.ts';

/** One piece of match evidence: the level a field reached and its weight in bits (no personal data). */
const MatchEvidence = z.object({ field: z.string(), level: z.string(), weight: z.number() });

/**
 * A record waiting for a practitioner to say whether it is a person of the picture (docs/decisions.md
 * "Trusted identifiers separate; ambiguous candidates go to a practitioner"). Listed only to callers
 * who may see the record: its owning agency's practitioner, and others once the owner revealed it.
 */
export const PossibleMatch = z
  .object({
    id: z.string().meta({ description: 'Decide it at POST /v1/referrals/{id}/possible-matches/{matchId}.' }),
    kind: z.enum(['subject', 'person-index']).meta({
      description:
        "subject: the record may be this referral's subject (subjectRef); its facts stay out of the picture and of every product until confirmed. " +
        'person-index: the record may be a hub person known from other records (across referrals); deciding merges or separates them.',
    }),
    agency: Agency.meta({ description: 'The agency that owns the record.' }),
    subjectRef: z.string().nullable().meta({ description: 'The subject the record may be (subject), or the subject it is matched to (person-index), when known.' }),
    score: z.number().meta({ description: 'log2 odds that the record is the person.' }),
    evidence: z.array(MatchEvidence),
    modelVersion: z.number().int().nullable().optional().meta({
      description: "The version of the person index's match model that scored it (GET /v1/person-index/models); subject-level matches are scored with the prior, version 0. Absent in pictures stored before versions were recorded.",
    }),
    reason: z.string().meta({ description: 'Why a practitioner must decide, e.g. "5 distinct people match this subject".' }),
    candidate: z
      .object({
        itemId: z.string(),
        agencyRecordId: z.string().meta({ description: "The agency's own id of the record." }),
        names: z.array(HumanName),
        birthDate: IsoDate.optional(),
        identifiers: z.array(Identifier),
      })
      .nullable()
      .meta({ description: "The candidate as its owner's record describes it, for those who may see the record; null when the record is not among this referral's items." }),
  })
  .meta({ id: 'PossibleMatch', description: 'A record a practitioner must decide on; listed only to callers who may see the record (its agency, or anyone once revealed).' });
export type PossibleMatch = z.infer<typeof PossibleMatch>;

export const Picture = z.object({
  referralId: z.string(),
  status: ReferralStatus,
  generatedAt: z.iso.datetime({ offset: true }),
  /** Every lookup, with `factsShown`: how many of its `factCount` facts this caller sees (the rest are not revealed to them). */
  lookups: z.array(LookupView.extend({ factsShown: z.number().int().min(0) })),
  /** Per agency: whether it was checked and whether its answer is complete, in words (src/model/check.ts). */
  checks: z.array(AgencyCheck),
  /**
   * The people of the picture: the referral's subjects and the household members found, each with
   * the agency records matched to them (automatically, or confirmed by a practitioner) and how many
   * candidate records still await a practitioner's decision.
   */
  persons: z.array(
    z.object({
      subjectRef: z.string(),
      role: z.string(),
      wave: z.number().int(),
      relationship: z.string().nullable(),
      name: HumanName,
      birthDate: z.string().optional(),
      records: z.array(
        z.object({
          personRef: z.string(),
          agency: Agency,
          factId: z.string(),
          outcome: z.enum(['match', 'confirmed']).meta({ description: 'match: matched automatically; confirmed: a practitioner confirmed a possible match.' }),
          score: z.number(),
          probability: z.number(),
          evidence: z.array(MatchEvidence),
          personLink: z
            .object({
              hubPersonId: z.string(),
              outcome: z.enum(['match', 'possible', 'new', 'confirmed', 'rejected']),
              score: z.number().nullable().meta({ description: 'log2 odds of the comparison behind the link; null when no candidate was found.' }),
              evidence: z.array(MatchEvidence),
              modelVersion: z.number().int().nullable().meta({ description: "The version of the person index's match model that scored the link (GET /v1/person-index/models)." }),
            })
            .nullable()
            .optional()
            .meta({ description: 'How the hub person index linked this record across referrals: to which hub person, how, with which evidence and which model version. Null when the record is not indexed.' }),
        }),
      ),
      awaitingDecision: z.array(z.object({ agency: Agency, records: z.number().int() })).meta({
        description:
          "Candidate records that may be this person and await a practitioner's decision, counted by owning agency. Their facts are in neither this picture nor any product " +
          'until confirmed; the candidates themselves are in possibleMatches for those who may see them.',
      }),
    }),
  ),
  /** The household graph around the child (src/mapping/family.ts), in subject refs. */
  family: z.unknown(),
  /** One time-ordered list across agencies; the same incident from several agencies once, with every source. */
  chronology: z.array(z.unknown()),
  possibleMatches: z.array(PossibleMatch),
  facts: z.array(Fact),
  /** Each item's state behind the firewall: whether revealed, and its owner's release decision. */
  items: z.array(
    z.object({
      itemId: z.string(),
      agency: Agency,
      sensitivity: Sensitivity,
      revealed: z.boolean(),
      release: z.object({ decision: z.enum(['release', 'redact', 'withhold']), revision: z.number().int(), decidedAt: z.string(), decidedBy: z.string() }).nullable(),
    }),
  ),
  /** Added when the picture is served, not stored with it: it depends on other referrals and on the viewer (src/case/repeat-concern.ts). */
  repeatConcern: RepeatConcernView.nullable().optional(),
});
export type Picture = z.infer<typeof Picture>;
