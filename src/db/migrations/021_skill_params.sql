-- Learner-model parameters fitted per skill from the tenant's own attempt log (EM, BKT with forgetting).
-- Skills without a row use the engine's defaults.
CREATE TABLE skill_params (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  pack_id    text NOT NULL,
  skill_id   text NOT NULL,
  params     jsonb NOT NULL,       -- {prior, learn, guess, slip, forget}
  attempts   integer NOT NULL,
  sequences  integer NOT NULL,
  log_likelihood double precision NOT NULL,
  fitted_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id, skill_id)
);
