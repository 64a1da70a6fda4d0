-- Retention: a case is closed by the hub manager; its content is destroyed (its data
-- keys crypto-shredded) a policy period after its product was published and it was closed.
ALTER TABLE referrals ADD COLUMN closed_at timestamptz;
ALTER TABLE referrals ADD COLUMN closed_by text;
ALTER TABLE referrals ADD COLUMN content_destroyed_at timestamptz;
CREATE INDEX referrals_closed ON referrals (closed_at) WHERE closed_at IS NOT NULL AND content_destroyed_at IS NULL;
