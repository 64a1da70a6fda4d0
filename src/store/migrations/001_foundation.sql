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
  -- The referral itself (names, concern) is case content: sealed with the referral's `hub` key.
  sealed_body         bytea NOT NULL,
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
  -- The fact, sealed with its owning agency's data key for this referral (src/store/vault.ts).
  sealed        bytea NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX facts_by_referral ON facts (referral_id);

-- Data keys, wrapped by the master key. A NULL wrapped_key means destroyed (crypto-shredded).
CREATE TABLE content_keys (
  referral_id   uuid NOT NULL REFERENCES referrals (id),
  owner         text NOT NULL,
  wrapped_key   bytea,
  created_at    timestamptz NOT NULL DEFAULT now(),
  destroyed_at  timestamptz,
  PRIMARY KEY (referral_id, owner)
);

-- Append-only, hash-chained audit log. An entry is inserted (with `id`, its arrival order) in the
-- transaction of the change it records; the sealer then chains committed entries in order, under
-- the head row's lock: `seq` (contiguous, so a deletion shows as a gap), `prev_hash` and `hash` =
-- SHA-256 of the entry's canonical form, which includes `prev_hash` (src/audit/chain.ts).
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  seq          bigint UNIQUE,
  at           timestamptz NOT NULL,
  actor        text NOT NULL,
  action       text NOT NULL,
  referral_id  uuid,
  agency       text,
  subject      text,
  detail       text NOT NULL,
  prev_hash    text,
  hash         text
);
CREATE INDEX audit_unsealed ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_by_referral ON audit_log (referral_id);
CREATE INDEX audit_by_at ON audit_log (at);

CREATE TABLE audit_head (
  id    integer PRIMARY KEY CHECK (id = 1),
  seq   bigint NOT NULL,
  hash  text NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Signed checkpoints (Ed25519) over the chain head, so a copy of the log can be verified outside.
CREATE TABLE audit_checkpoints (
  seq        bigint PRIMARY KEY,
  hash       text NOT NULL,
  signed_at  timestamptz NOT NULL,
  key_id     text NOT NULL,
  signature  text NOT NULL
);
