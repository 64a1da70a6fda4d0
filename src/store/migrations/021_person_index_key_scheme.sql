-- The blocking-key scheme the person index's digests were written under (src/identity/engine/
-- blocking.ts BLOCKING_SCHEME). When the code's scheme differs, every record's keys are written
-- again from its sealed record before the index serves (docs/decisions.md "Blocking keys are
-- re-keyed when they change"); no row means the index predates versioning (scheme '1').
CREATE TABLE person_index_key_scheme (
  only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  scheme      text NOT NULL,
  records     integer NOT NULL,
  rekeyed_at  timestamptz NOT NULL
);
