-- Foundation schema: referrals, their lookups, the facts gathered, connectors, and the audit log.
-- Kept to PostgreSQL 15 syntax: it runs on Debian's PostgreSQL 15 and on PGlite (PostgreSQL 18).

CREATE TABLE connectors (
  id          text PRIMARY KEY,
  agency      text NOT NULL,
  type        text NOT NULL,
  origin      text NOT NULL CHECK (origin IN ('file', 'database', 'embedded')),
  definition  jsonb NOT NULL,
  enabled     boolean NOT NULL DEFAULT true,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE referrals (
  id                  uuid PRIMARY KEY,
  idempotency_key     text UNIQUE,
  external_reference  text,
  status              text NOT NULL CHECK (status IN ('received', 'researching', 'picture-ready', 'failed')),
  rag                 text NOT NULL CHECK (rag IN ('red', 'amber', 'green')),
  threshold           text NOT NULL,
  received_at         timestamptz NOT NULL,
  sla_due_at          timestamptz NOT NULL,
  picture_ready_at    timestamptz,
  submitted_by        text NOT NULL,
  body                jsonb NOT NULL,
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_unfinished ON referrals (received_at) WHERE status IN ('received', 'researching');

CREATE TABLE lookups (
  id              text PRIMARY KEY,
  referral_id     uuid NOT NULL REFERENCES referrals (id),
  connector_id    text NOT NULL,
  agency          text NOT NULL,
  subject_ref     text NOT NULL,
  status          text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'not-permitted', 'timed-out')),
  lawful_basis    text,
  reason          text,
  attempts        integer NOT NULL DEFAULT 0,
  fact_count      integer NOT NULL DEFAULT 0,
  orchestrations  jsonb NOT NULL DEFAULT '[]'::jsonb,
  started_at      timestamptz,
  finished_at     timestamptz,
  UNIQUE (referral_id, connector_id, subject_ref)
);
CREATE INDEX lookups_by_referral ON lookups (referral_id);

CREATE TABLE facts (
  id            text PRIMARY KEY,
  referral_id   uuid NOT NULL REFERENCES referrals (id),
  lookup_id     text NOT NULL REFERENCES lookups (id),
  agency        text NOT NULL,
  kind          text NOT NULL,
  person_ref    text NOT NULL,
  sensitivity   text NOT NULL,
  content       jsonb NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facts_by_referral ON facts (referral_id);

-- Append-only: the audit issue adds the hash chain and checkpoints over these rows.
CREATE TABLE audit_log (
  seq          bigserial PRIMARY KEY,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL,
  referral_id  uuid,
  subject      text,
  detail       jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_by_referral ON audit_log (referral_id);
