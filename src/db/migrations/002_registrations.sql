-- One-time codes for LTI Dynamic Registration: school IT creates one through the admin API and pastes the
-- registration URL carrying it into the LMS; the code is spent when the registration completes.
CREATE TABLE registration_codes (
  code_hash   text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  platform_id text REFERENCES platforms(id) ON DELETE SET NULL
);
