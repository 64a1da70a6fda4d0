-- The firewall: reveal state of items, owners' release decisions, the manager's decision,
-- immutable product versions with a change-feed cursor, and the transactional outbox.

ALTER TABLE facts ADD COLUMN revealed_at timestamptz;
ALTER TABLE facts ADD COLUMN revealed_by text;

-- One current release decision per item. Rationale, redactions and signpost are sealed with the
-- owning agency's key; every change is also in the audit log.
CREATE TABLE release_decisions (
  fact_id        text PRIMARY KEY REFERENCES facts (id),
  referral_id    uuid NOT NULL REFERENCES referrals (id),
  agency         text NOT NULL,
  decision       text NOT NULL CHECK (decision IN ('release', 'redact', 'withhold')),
  sealed_detail  bytea NOT NULL,
  decided_by     text NOT NULL,
  decided_at     timestamptz NOT NULL,
  revision       integer NOT NULL DEFAULT 1
);
CREATE INDEX release_decisions_by_referral ON release_decisions (referral_id);

CREATE TABLE manager_decisions (
  referral_id       uuid PRIMARY KEY REFERENCES referrals (id),
  rag               text NOT NULL,
  outcome           text NOT NULL,
  sealed_rationale  bytea NOT NULL,
  decided_by        text NOT NULL,
  decided_at        timestamptz NOT NULL,
  revision          integer NOT NULL DEFAULT 1
);

CREATE TABLE referral_assignments (
  referral_id  uuid NOT NULL REFERENCES referrals (id),
  subject      text NOT NULL,
  assigned_by  text NOT NULL,
  assigned_at  timestamptz NOT NULL,
  PRIMARY KEY (referral_id, subject)
);

-- Immutable product versions. `cursor` orders the change feed for hosts that pull.
CREATE TABLE products (
  cursor           bigserial PRIMARY KEY,
  product_id       text NOT NULL,
  referral_id      uuid NOT NULL REFERENCES referrals (id),
  version          integer NOT NULL,
  content_hash     text NOT NULL,
  sealed_document  bytea NOT NULL,
  published_at     timestamptz NOT NULL,
  published_by     text NOT NULL,
  UNIQUE (product_id, version)
);

-- The transactional outbox: written in the same transaction as the product or the outcome, and
-- delivered (with retries and an idempotency key) by the dispatcher in worker processes.
CREATE TABLE outbox (
  id               text PRIMARY KEY,
  kind             text NOT NULL CHECK (kind IN ('publication', 'feedback')),
  referral_id      uuid NOT NULL REFERENCES referrals (id),
  target           text NOT NULL,
  reference        text NOT NULL,
  idempotency_key  text NOT NULL,
  status           text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts         integer NOT NULL DEFAULT 0,
  next_attempt_at  timestamptz NOT NULL,
  last_error       text,
  created_at       timestamptz NOT NULL,
  delivered_at     timestamptz
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'pending';
