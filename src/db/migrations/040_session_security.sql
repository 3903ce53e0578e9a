-- Issue 12: sessions with an absolute lifetime that end when their platform, deployment or learner is
-- removed, landing codes instead of session tokens in URLs, and rate limits shared by every web process.

-- One-time landing codes: the launch redirects to /practice?code=… and the page exchanges the code (once,
-- within a few minutes) for the session token it then carries in forms and headers. Only a hash is kept.
-- created_at is the session's launch time (the database clock, the same one revocations use).
CREATE TABLE session_codes (
  code_hash  text PRIMARY KEY,
  tenant_id  text NOT NULL,
  actor      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  used_at    timestamptz
);
CREATE INDEX session_codes_created_at ON session_codes(created_at);

-- Sessions launched before revoked_at for this tenant (deployment removed, or its platform) or for this
-- learner (deleted) are refused. Every web process reads new rows every second or so (by id).
CREATE TABLE session_revocations (
  id         bigserial PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('tenant', 'user')),
  tenant_id  text NOT NULL,
  user_id    text,
  revoked_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX session_revocations_revoked_at ON session_revocations(revoked_at);

-- Written by the database itself, so the admin API, the CLI and any other process that removes a
-- platform, a deployment or a learner revokes their sessions the same way.
CREATE FUNCTION revoke_tenant_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO session_revocations(kind, tenant_id) VALUES ('tenant', OLD.id);
  RETURN OLD;
END $$;
CREATE TRIGGER tenants_revoke_sessions AFTER DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION revoke_tenant_sessions();

-- A learner deleted on their own (not as part of a removed tenant, which is revoked whole above).
CREATE FUNCTION revoke_user_sessions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF pg_trigger_depth() = 1 THEN
    INSERT INTO session_revocations(kind, tenant_id, user_id) VALUES ('user', OLD.tenant_id, OLD.id);
  END IF;
  RETURN OLD;
END $$;
CREATE TRIGGER users_revoke_sessions AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION revoke_user_sessions();

-- rate-limiter-flexible's PostgreSQL store (its own table layout); counters only, so not WAL-logged.
CREATE UNLOGGED TABLE rate_limits (
  key    varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
CREATE INDEX rate_limits_expire ON rate_limits(expire);
