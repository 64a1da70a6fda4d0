-- The review queue of possible matches across referrals (docs/decisions.md "A review queue of
-- possible matches across referrals"): every pending question, oldest first, read from clear
-- columns only. Kept to PostgreSQL 15 syntax (PGlite runs it too).

-- A subject-level question's API id (`smt_…`, src/model/identity.ts `subjectMatchId`: the first
-- 128 bits of SHA-256 over lookup id, NUL, person ref) and when it was raised (its wave matched),
-- so the queue can find it by id and order it by age without opening anything. Rows from before
-- get the id computed the same way, and the time their lookup finished.
ALTER TABLE subject_matches ADD COLUMN match_id text;
ALTER TABLE subject_matches ADD COLUMN raised_at timestamptz;
UPDATE subject_matches AS m
   SET match_id = 'smt_' || left(encode(sha256(convert_to(m.lookup_id, 'UTF8') || '\x00'::bytea || convert_to(m.person_ref, 'UTF8')), 'hex'), 32),
       raised_at = COALESCE(l.finished_at, l.started_at, r.received_at)
  FROM lookups AS l, referrals AS r
 WHERE l.id = m.lookup_id AND r.id = m.referral_id;
ALTER TABLE subject_matches ALTER COLUMN match_id SET NOT NULL;
ALTER TABLE subject_matches ALTER COLUMN raised_at SET NOT NULL;
CREATE UNIQUE INDEX subject_matches_by_match_id ON subject_matches (match_id);
-- The queue's read: possible records in the order they were raised.
CREATE INDEX subject_matches_possible ON subject_matches (raised_at) WHERE outcome = 'possible';
CREATE INDEX possible_matches_pending ON possible_matches (created_at, id) WHERE status = 'pending';

-- A subject-level decision is kept about the record and the subject's hub person too
-- (person_pair_decisions), and a later referral applies it to the same record found for the same
-- person: recorded with this cause, naming who decided first.
ALTER TABLE subject_match_decisions DROP CONSTRAINT subject_match_decisions_cause_check;
ALTER TABLE subject_match_decisions ADD CONSTRAINT subject_match_decisions_cause_check CHECK (cause IN ('practitioner', 'conflicts-with-confirmed', 'earlier-decision'));
