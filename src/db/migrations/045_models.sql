-- Fitted learner models, versioned per tenant and pack (model refit). At most one version is active: the one
-- the practice loop uses; a new fit becomes active only when it predicts the tenant's held-out attempts
-- better than the active one (else it is kept as 'rejected' with the reason). Rollback re-activates an
-- earlier version. No active row = the model the product ships with.
CREATE TABLE learner_models (
  tenant_id      text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  pack_id        text NOT NULL,
  version        integer NOT NULL,
  status         text NOT NULL CHECK (status IN ('active', 'retired', 'rejected')),
  params         jsonb NOT NULL,
  answers        integer NOT NULL,
  learners       integer NOT NULL,
  heldout_ll     double precision,   -- mean log-likelihood per held-out answer of this fit
  baseline_ll    double precision,   -- ... of the model active when it was fitted
  reason         text,
  created_at     timestamptz NOT NULL DEFAULT now(),
  activated_at   timestamptz,
  PRIMARY KEY (tenant_id, pack_id, version)
);
CREATE UNIQUE INDEX learner_models_one_active ON learner_models (tenant_id, pack_id) WHERE status = 'active';

-- The mastery threshold is now P(correct on a new question a day later); 0.85 is the new default.
ALTER TABLE assignments ALTER COLUMN threshold SET DEFAULT 0.85;
