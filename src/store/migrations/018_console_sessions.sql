-- Console sign-in sessions (docs/decisions.md "The hub console"): the browser holds a random
-- session id in an HttpOnly cookie; the store keeps only its SHA-256, so a copy of the database
-- signs nobody in. Signing out ends the session here, whatever the browser keeps. The principal is
-- the one the identity provider (or, embedded, the demo sign-in) vouched for: role, agency, name.
CREATE TABLE console_sessions (
  id_sha256 text PRIMARY KEY,
  principal jsonb NOT NULL,
  -- The synchronizer token every form of this session carries (OWASP CSRF prevention).
  csrf_token text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
