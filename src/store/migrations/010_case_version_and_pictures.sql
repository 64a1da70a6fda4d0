-- One owner for the case (docs/decisions.md "The case has one owner, and its picture is stored"):
-- a referral's case has a version, bumped in the transaction of every change to it, and its
-- picture is stored per audience with the version it was built from. A reader compares the two:
-- a current picture is read as stored; a stale one is never served as current.
--
-- The version is bumped by the database, not by each writer: every table of case content has a
-- trigger that bumps its referral's version once per transaction (however many rows change), so a
-- writer cannot forget, whoever writes it. Kept to PostgreSQL 15 syntax (PGlite runs it too).

ALTER TABLE referrals ADD COLUMN case_version bigint NOT NULL DEFAULT 1;
-- The transaction that last bumped the version: a transaction bumps it once.
ALTER TABLE referrals ADD COLUMN case_changed_by_xact bigint;

CREATE FUNCTION mash_touch_case(changed uuid) RETURNS void LANGUAGE sql AS $$
  UPDATE referrals SET case_version = case_version + 1, case_changed_by_xact = txid_current()
   WHERE id = changed AND case_changed_by_xact IS DISTINCT FROM txid_current()
$$;

-- A change to the referral row itself (status, RAG, SLA, closing, retention) is a change to the case.
CREATE FUNCTION mash_referral_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.case_changed_by_xact IS DISTINCT FROM txid_current() THEN
    NEW.case_version := OLD.case_version + 1;
    NEW.case_changed_by_xact := txid_current();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER referrals_case_changed BEFORE UPDATE ON referrals
  FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION mash_referral_changed();

-- A row of case content written, changed or removed.
CREATE FUNCTION mash_case_row_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM mash_touch_case(OLD.referral_id);
  ELSE
    PERFORM mash_touch_case(NEW.referral_id);
    IF TG_OP = 'UPDATE' AND OLD.referral_id IS DISTINCT FROM NEW.referral_id THEN
      PERFORM mash_touch_case(OLD.referral_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER lookups_case_changed AFTER INSERT OR UPDATE OR DELETE ON lookups FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER facts_case_changed AFTER INSERT OR UPDATE OR DELETE ON facts FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER release_decisions_case_changed AFTER INSERT OR UPDATE OR DELETE ON release_decision_revisions FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER manager_decisions_case_changed AFTER INSERT OR UPDATE OR DELETE ON manager_decision_revisions FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER assignments_case_changed AFTER INSERT OR UPDATE OR DELETE ON referral_assignments FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER products_case_changed AFTER INSERT OR UPDATE OR DELETE ON products FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER discovered_subjects_case_changed AFTER INSERT OR UPDATE OR DELETE ON discovered_subjects FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER subject_matches_case_changed AFTER INSERT OR UPDATE OR DELETE ON subject_matches FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
CREATE TRIGGER subject_match_decisions_case_changed AFTER INSERT OR UPDATE OR DELETE ON subject_match_decisions FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
-- A data key created or destroyed (crypto-shredding) changes what can be read of the case.
CREATE TRIGGER content_keys_case_changed AFTER INSERT OR UPDATE OR DELETE ON content_keys FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();
-- The person index questions a referral's picture lists are those of the records it sighted.
CREATE TRIGGER sightings_case_changed AFTER INSERT OR UPDATE OR DELETE ON person_index_sightings FOR EACH ROW EXECUTE FUNCTION mash_case_row_changed();

-- A person index question asked, answered or forgotten changes the picture of every referral that
-- sighted its record (a question answered through one referral leaves the others' lists). Their
-- versions are bumped in one order, so two such transactions cannot deadlock on each other.
CREATE FUNCTION mash_person_question_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  question_record bigint;
BEGIN
  IF TG_OP = 'DELETE' THEN question_record := OLD.record_id; ELSE question_record := NEW.record_id; END IF;
  PERFORM mash_touch_case(s.referral_id) FROM (
    SELECT DISTINCT referral_id FROM person_index_sightings WHERE record_id = question_record ORDER BY referral_id
  ) AS s;
  RETURN NULL;
END
$$;
CREATE TRIGGER possible_matches_case_changed AFTER INSERT OR UPDATE OF status OR DELETE ON possible_matches
  FOR EACH ROW EXECUTE FUNCTION mash_person_question_changed();

-- The picture as one audience sees it: the hub (the manager's view: what is revealed) or one
-- agency (its practitioners' view: its own items and what is revealed). Sealed like all case
-- content, under a key joined from the data keys of every owner whose content it may hold
-- (src/store/vault.ts): destroying any one of them leaves it unreadable. The item ids it shows
-- are kept beside it (ids, never content) for the audit entry of each read.
CREATE TABLE case_pictures (
  referral_id         uuid NOT NULL REFERENCES referrals (id),
  audience            text NOT NULL,
  case_version        bigint NOT NULL,
  format              integer NOT NULL,
  owners              text[] NOT NULL,
  shown_item_ids      text[] NOT NULL,
  candidate_item_ids  text[] NOT NULL,
  -- Per lookup: its facts in the picture, kept out as other people's, awaiting a decision (counts only).
  lookup_facts        jsonb NOT NULL,
  sealed_picture      bytea NOT NULL,
  built_at            timestamptz NOT NULL,
  PRIMARY KEY (referral_id, audience)
);
