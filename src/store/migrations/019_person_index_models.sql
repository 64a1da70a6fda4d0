-- Versions of the person index's match model (docs/decisions.md "The live person index trains its
-- own model"): the prior the release ships (version 0), and every estimation since — activated,
-- or refused with its reasons — with what it was trained on and how EM went. Exactly one version
-- is active: the one the person index matches with; links and possible matches name the version
-- that scored them. No column holds a name, town or any other value of a record in plain text:
-- `parameters` holds m and u per field and level, the prior, adjustments and weights (numbers),
-- and the term frequencies (names and towns with their counts) are sealed under the index key.
-- Kept to PostgreSQL 15 syntax (PGlite runs it too).
CREATE TABLE person_index_models (
  version                  integer PRIMARY KEY CHECK (version >= 0),
  kind                     text NOT NULL CHECK (kind IN ('prior', 'estimated')),
  status                   text NOT NULL CHECK (status IN ('active', 'refused', 'superseded')),
  created_at               timestamptz NOT NULL,
  activated_at             timestamptz,
  superseded_at            timestamptz,
  -- What started it: the migration (the prior), the schedule, or a hub manager's request.
  trigger                  text NOT NULL CHECK (trigger IN ('migration', 'schedule', 'request')),
  requested_by             text,
  -- Records and candidate pairs it was trained on; the pairs sharing a person-level key train m.
  records                  integer NOT NULL DEFAULT 0,
  candidate_pairs          integer NOT NULL DEFAULT 0,
  training_pairs           integer NOT NULL DEFAULT 0,
  iterations               integer NOT NULL DEFAULT 0,
  converged                boolean,
  expected_matches         double precision,
  -- Which records it saw (their count and highest row id): an unchanged index is not estimated again.
  data_fingerprint         text,
  parameters               jsonb,
  sealed_term_frequencies  bytea,
  -- Why a refused version was refused: [{code, message}], counts and field names only.
  reasons                  jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE UNIQUE INDEX person_index_models_one_active ON person_index_models ((true)) WHERE status = 'active';
CREATE INDEX person_index_models_by_fingerprint ON person_index_models (data_fingerprint) WHERE data_fingerprint IS NOT NULL;

-- Before any estimation the index matches with the release's prior (defaultModel): version 0.
INSERT INTO person_index_models (version, kind, status, created_at, activated_at, trigger) VALUES (0, 'prior', 'active', now(), now(), 'migration');

-- The model version that scored each link and each possible match. Links made before this
-- migration were all scored with the prior.
ALTER TABLE person_links ADD COLUMN model_version integer REFERENCES person_index_models (version);
ALTER TABLE possible_matches ADD COLUMN model_version integer REFERENCES person_index_models (version);
UPDATE person_links SET model_version = 0;
UPDATE possible_matches SET model_version = 0;
