-- Identity: the records matched to one subject must be one person (docs/decisions.md "Trusted
-- identifiers separate; ambiguous candidates go to a practitioner"). When they are not, each is
-- only a possible match, with the reason (counts and rules only, never personal data), and the
-- practitioner of the owning agency (or the hub manager, for a revealed record) confirms or
-- rejects it. Decisions are kept: who, when, why (free text may name people: sealed with the
-- owning agency's data key for the referral, so retention destroys it with the rest).
-- Kept to PostgreSQL 15 syntax (PGlite runs it too).
ALTER TABLE subject_matches ADD COLUMN reason text;

CREATE TABLE subject_match_decisions (
  lookup_id      text NOT NULL,
  person_ref     text NOT NULL,
  referral_id    uuid NOT NULL REFERENCES referrals (id),
  subject_ref    text NOT NULL,
  decision       text NOT NULL CHECK (decision IN ('confirmed', 'rejected')),
  -- A practitioner's own answer, or a rejection that followed from confirming another record of
  -- the subject with a different trusted identifier (provably another person).
  cause          text NOT NULL CHECK (cause IN ('practitioner', 'conflicts-with-confirmed')),
  decided_by     text NOT NULL,
  decided_at     timestamptz NOT NULL,
  sealed_reason  bytea NOT NULL,
  CONSTRAINT subject_match_decisions_pkey PRIMARY KEY (lookup_id, person_ref),
  CONSTRAINT subject_match_decisions_match FOREIGN KEY (lookup_id, person_ref) REFERENCES subject_matches (lookup_id, person_ref)
);
CREATE INDEX subject_match_decisions_by_referral ON subject_match_decisions (referral_id);
