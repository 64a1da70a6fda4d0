-- Every revision of a release decision and of the manager's decision stays in the confidential
-- record (governance model: the full record of what was exchanged and what was redacted is kept;
-- every decision and its rationale is retained). Until now one row per item (and per referral)
-- was overwritten on each revision, losing the earlier redactions and their rationale. Rows are
-- only ever inserted; the current decision is the latest revision.
-- Rationale, redactions and signpost stay sealed with the owning agency's key (the manager's
-- rationale with the hub's). A revision's ciphertext is bound to its item (referral) and its
-- revision number; rows carried over from the single-row tables were bound to the item alone
-- (bound_to_revision false), so they are opened as they were sealed.

CREATE TABLE release_decision_revisions (
  fact_id            text NOT NULL REFERENCES facts (id),
  revision           integer NOT NULL CHECK (revision >= 1),
  referral_id        uuid NOT NULL REFERENCES referrals (id),
  agency             text NOT NULL,
  decision           text NOT NULL CHECK (decision IN ('release', 'redact', 'withhold')),
  sealed_detail      bytea NOT NULL,
  decided_by         text NOT NULL,
  decided_at         timestamptz NOT NULL,
  bound_to_revision  boolean NOT NULL DEFAULT true,
  PRIMARY KEY (fact_id, revision)
);
CREATE INDEX release_decision_revisions_by_referral ON release_decision_revisions (referral_id);

INSERT INTO release_decision_revisions (fact_id, revision, referral_id, agency, decision, sealed_detail, decided_by, decided_at, bound_to_revision)
  SELECT fact_id, revision, referral_id, agency, decision, sealed_detail, decided_by, decided_at, false FROM release_decisions;
DROP TABLE release_decisions;

CREATE TABLE manager_decision_revisions (
  referral_id        uuid NOT NULL REFERENCES referrals (id),
  revision           integer NOT NULL CHECK (revision >= 1),
  rag                text NOT NULL,
  outcome            text NOT NULL,
  sealed_rationale   bytea NOT NULL,
  decided_by         text NOT NULL,
  decided_at         timestamptz NOT NULL,
  bound_to_revision  boolean NOT NULL DEFAULT true,
  PRIMARY KEY (referral_id, revision)
);

INSERT INTO manager_decision_revisions (referral_id, revision, rag, outcome, sealed_rationale, decided_by, decided_at, bound_to_revision)
  SELECT referral_id, revision, rag, outcome, sealed_rationale, decided_by, decided_at, false FROM manager_decisions;
DROP TABLE manager_decisions;
