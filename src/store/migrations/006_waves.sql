-- Identity in the research flow (docs/decisions.md "Identity matching choices"): lookups come in waves (the second searches the
-- household members the first wave found); each person record in the picture is matched to the
-- subject it was looked up for, with its score and evidence.
ALTER TABLE lookups ADD COLUMN wave integer NOT NULL DEFAULT 1;

-- Household members discovered in the records, looked up in the next wave. The subject (names,
-- birth date, address) is case content: sealed with the referral's hub key.
CREATE TABLE discovered_subjects (
  referral_id     uuid NOT NULL REFERENCES referrals (id),
  ref             text NOT NULL,
  wave            integer NOT NULL,
  relationship    text NOT NULL,
  sealed_subject  bytea NOT NULL,
  discovered_at   timestamptz NOT NULL,
  PRIMARY KEY (referral_id, ref)
);

-- How well each agency person record matches the subject it was found for.
CREATE TABLE subject_matches (
  referral_id   uuid NOT NULL REFERENCES referrals (id),
  lookup_id     text NOT NULL REFERENCES lookups (id),
  person_ref    text NOT NULL,
  subject_ref   text NOT NULL,
  outcome       text NOT NULL CHECK (outcome IN ('match', 'possible', 'non-match')),
  score         double precision NOT NULL,
  probability   double precision NOT NULL,
  evidence      jsonb NOT NULL,
  PRIMARY KEY (lookup_id, person_ref)
);
CREATE INDEX subject_matches_by_referral ON subject_matches (referral_id);
