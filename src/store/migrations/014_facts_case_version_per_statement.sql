-- A lookup stores its facts in one statement (docs/decisions.md "CPU per referral"); the row
-- trigger of migration 010 then ran once per fact, each run trying the referral's version again.
-- The facts trigger becomes one per statement, over the statement's transition tables: the case
-- version is still bumped once per transaction that changes a fact, as migration 010 decided.
-- Transition tables are PostgreSQL 10+; a trigger that has them names one event (hence three).

CREATE FUNCTION mash_case_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM mash_touch_case(c.referral_id) FROM (SELECT DISTINCT referral_id FROM new_rows) AS c;
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM mash_touch_case(c.referral_id) FROM (SELECT DISTINCT referral_id FROM old_rows) AS c;
  ELSE
    PERFORM mash_touch_case(c.referral_id) FROM (SELECT referral_id FROM new_rows UNION SELECT referral_id FROM old_rows) AS c;
  END IF;
  RETURN NULL;
END
$$;

DROP TRIGGER facts_case_changed ON facts;
CREATE TRIGGER facts_case_inserted AFTER INSERT ON facts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mash_case_rows_changed();
CREATE TRIGGER facts_case_updated AFTER UPDATE ON facts REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION mash_case_rows_changed();
CREATE TRIGGER facts_case_deleted AFTER DELETE ON facts REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION mash_case_rows_changed();
