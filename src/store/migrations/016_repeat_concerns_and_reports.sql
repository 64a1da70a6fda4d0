-- Repeat concerns over the person index, and the performance report's reads (DESIGN.md rule 1,
-- "one front door"; London MASH governance model, recommendation 13; docs/decisions.md "Repeat
-- concerns: notifications about a child, counted over the person index").
-- Kept to PostgreSQL 15 syntax (PGlite runs it too).

-- Who referred, normalised at intake (a hub agency where the text names one, else trimmed lower
-- case), and the refs of the subjects the referral names as children: the referral's body is
-- sealed, so what a count over many referrals needs is kept in clear columns. Neither names a
-- person. Rows from before stay NULL / empty: they cannot be opened in a migration, so they are
-- not counted as notifications about a child.
ALTER TABLE referrals ADD COLUMN referrer_agency text;
ALTER TABLE referrals ADD COLUMN child_refs text[] NOT NULL DEFAULT '{}';

-- The subject a record was matched to when the referral sighted it: with child_refs, which hub
-- persons a referral was about (a household member's record is sighted too, but the referral was
-- not a notification about them).
ALTER TABLE person_index_sightings ADD COLUMN subject_ref text;

-- Reports and repeat-concern windows select referrals by the time they were received.
CREATE INDEX referrals_by_received ON referrals (received_at);
