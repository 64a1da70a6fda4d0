-- Partial answers (DESIGN.md "honest partial pictures"): a lookup whose answer the connector's
-- candidate or page cap, or the agency's own limit, cut short ends 'partial' (terminal, with
-- facts, like 'done'), and keeps its cuts: per search, the reason, the records read and the
-- records the agency reported (null where it did not say). `fact_count` stays the facts stored.
ALTER TABLE lookups DROP CONSTRAINT lookups_status_check;
ALTER TABLE lookups ADD CONSTRAINT lookups_status_check CHECK (status IN ('queued', 'running', 'done', 'partial', 'failed', 'not-permitted', 'timed-out'));
ALTER TABLE lookups ADD COLUMN cuts jsonb NOT NULL DEFAULT '[]'::jsonb;
