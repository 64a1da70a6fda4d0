-- The SLA on the working-hours clock (DESIGN.md rule 4; docs/decisions.md "Lawful basis declared
-- per connector; the working-hours clock"): when a referral becomes at risk of breaching is worked
-- out with the calendar at intake and at each RAG change, and stored beside its due time so that
-- lists filter on it in SQL. Rows from before are given three quarters of their clock time.
ALTER TABLE referrals ADD COLUMN sla_at_risk_at timestamptz;
UPDATE referrals SET sla_at_risk_at = received_at + (sla_due_at - received_at) * 0.75 WHERE sla_at_risk_at IS NULL;
ALTER TABLE referrals ALTER COLUMN sla_at_risk_at SET NOT NULL;
CREATE INDEX referrals_open_by_due ON referrals (sla_due_at, id) WHERE closed_at IS NULL;
