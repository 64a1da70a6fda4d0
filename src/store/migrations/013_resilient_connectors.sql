-- Resilient connectors (docs/decisions.md "Resilient connectors"):
-- * `recoverable`: the lookup failed in a way the agency's recovery can mend (unreachable, 429,
--   5xx gateway answers, a SOAP Receiver fault, its breaker open, no answer by the deadline); such
--   lookups of open referrals run again when the agency answers again (src/research/recovery.ts).
-- * `history`: the earlier outcomes of a lookup run again (by recovery or by a reprocess request),
--   oldest first, each with what started the next run: the lineage shown in the referral.
-- * `connector_health`: each connector's breaker as a process last saw it change, so every
--   process and the administrators read one state.
ALTER TABLE lookups ADD COLUMN recoverable boolean NOT NULL DEFAULT false;
ALTER TABLE lookups ADD COLUMN history jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX lookups_recoverable ON lookups (connector_id, finished_at) WHERE recoverable;

CREATE TABLE connector_health (
  connector_id     text PRIMARY KEY,
  breaker          text NOT NULL DEFAULT 'closed' CHECK (breaker IN ('closed', 'open', 'half-open')),
  breaker_since    timestamptz,
  breaker_reason   text
);

-- Where the recovery sweep looks: each connector's latest answer, and its lookups in flight.
CREATE INDEX lookups_answered_by_connector ON lookups (connector_id, finished_at) WHERE status IN ('done', 'partial');
CREATE INDEX lookups_in_flight_by_connector ON lookups (connector_id) WHERE status IN ('queued', 'running');

-- Dead letters (docs/decisions.md "Resilient connectors"): a failed outbox message sent again keeps
-- its earlier outcome, and what sent it again, like a lookup run again.
ALTER TABLE outbox ADD COLUMN history jsonb NOT NULL DEFAULT '[]'::jsonb;
CREATE INDEX outbox_failed ON outbox (next_attempt_at, id) WHERE status = 'failed';
CREATE INDEX lookups_failed ON lookups (finished_at, id) WHERE status IN ('failed', 'timed-out');

-- A product published before a lookup was run again may no longer be the whole picture: the
-- referral says so, until the manager publishes again.
ALTER TABLE referrals ADD COLUMN new_product_offered_at timestamptz;
