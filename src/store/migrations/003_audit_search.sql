-- Search of the audit log for auditors (DESIGN.md "Data flow": every decision audited): keyset pages ordered by seq, filtered by
-- referral, actor, agency or action. Each index ends in seq so a filtered page is an index range
-- scan in seq order. The composite on referral_id replaces the plain one of 001.
-- Kept to PostgreSQL 15 syntax (PGlite runs it too). No expression over `detail`: a tampered
-- detail that is no longer JSON must still be storable and searchable, so verification can name it.

DROP INDEX IF EXISTS audit_by_referral;
CREATE INDEX audit_by_referral_seq ON audit_log (referral_id, seq);
CREATE INDEX audit_by_actor_seq ON audit_log (actor, seq);
CREATE INDEX audit_by_action_seq ON audit_log (action, seq);
CREATE INDEX audit_by_agency_seq ON audit_log (agency, seq);
