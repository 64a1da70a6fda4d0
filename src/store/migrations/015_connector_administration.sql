-- Connector administration (docs/decisions.md "Connector administration"):
-- * every change to a connector is a version: who, when, which field paths changed (never secret
--   values), and why; restoring an earlier version is a version too;
-- * a deleted connector keeps its row (lookups and audit entries name it) and its history, and is
--   no longer planned or run;
-- * credentials given inline are sealed at rest (`sealed_credentials`: a data key of its own,
--   wrapped by the master key, src/store/vault.ts); the definition keeps `{"sealed": true}` in
--   their place;
-- * live tests an administrator runs are kept, so health counts them beside lookups.
ALTER TABLE connectors ADD COLUMN version integer NOT NULL DEFAULT 1;
ALTER TABLE connectors ADD COLUMN deleted_at timestamptz;
ALTER TABLE connectors ADD COLUMN sealed_credentials bytea;

CREATE TABLE connector_versions (
  connector_id        text NOT NULL,
  version             integer NOT NULL,
  action              text NOT NULL CHECK (action IN ('created', 'updated', 'enabled', 'disabled', 'deleted', 'restored', 'declared')),
  origin              text NOT NULL CHECK (origin IN ('file', 'database', 'embedded')),
  definition          jsonb NOT NULL,
  sealed_credentials  bytea,
  enabled             boolean NOT NULL,
  deleted             boolean NOT NULL DEFAULT false,
  changed_paths       jsonb NOT NULL DEFAULT '[]'::jsonb,
  changed_by          text NOT NULL,
  changed_at          timestamptz NOT NULL,
  reason              text NOT NULL,
  restored_from       integer,
  PRIMARY KEY (connector_id, version)
);

-- Connectors stored before versions existed get their first version from the row as it stands.
INSERT INTO connector_versions (connector_id, version, action, origin, definition, enabled, changed_by, changed_at, reason)
SELECT id, 1, 'declared', origin, definition, enabled, 'system:migration', updated_at, 'stored before connector versions were kept'
  FROM connectors;

CREATE TABLE connector_tests (
  id            bigserial PRIMARY KEY,
  connector_id  text NOT NULL,
  version       integer NOT NULL,
  at            timestamptz NOT NULL,
  ok            boolean NOT NULL,
  duration_ms   integer NOT NULL,
  failed_step   text,
  tested_by     text NOT NULL
);
CREATE INDEX connector_tests_by_connector ON connector_tests (connector_id, at);

-- Health over the last hour, day and week reads each connector's finished lookups by time.
CREATE INDEX lookups_finished_by_connector ON lookups (connector_id, finished_at) WHERE finished_at IS NOT NULL;
