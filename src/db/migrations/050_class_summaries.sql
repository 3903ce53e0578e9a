-- The class view's summaries (issue 16): one row per (student, skill) of an activity, so the instructor's page
-- reads a few thousand small rows instead of every learner's full state. Derived data: rebuilt from
-- learner_states and attempts by src/dashboard/summary.store.ts (its only writer), incrementally for the
-- learner rows whose version moved since they were summarised.

CREATE TABLE class_summaries (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  user_id          text NOT NULL,
  skill_id         text NOT NULL,
  -- not_started | practising | mastered | struggling ('review_due' is derived at read time from due_at)
  status           text NOT NULL,
  mastered         boolean NOT NULL DEFAULT false,
  due_at           timestamptz,
  mastery          double precision NOT NULL DEFAULT 0,
  answers          integer NOT NULL DEFAULT 0,
  correct          integer NOT NULL DEFAULT 0,
  hints            integer NOT NULL DEFAULT 0,
  wrong_streak     integer NOT NULL DEFAULT 0,
  time_ms          bigint NOT NULL DEFAULT 0,
  last_at          timestamptz,
  -- the at-risk model's flag on this skill now (probability, reasons, action), or null
  risk             jsonb,
  PRIMARY KEY (tenant_id, resource_link_id, user_id, skill_id)
);

-- Which version of each learner row the summaries above reflect, with the student's totals.
CREATE TABLE class_summary_learners (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  user_id          text NOT NULL,
  version          bigint NOT NULL,
  -- what else the summaries depend on (the risk model, the activity's skills and threshold): when it
  -- changes, every learner of the activity is summarised again
  basis            text NOT NULL,
  answers          integer NOT NULL DEFAULT 0,
  time_ms          bigint NOT NULL DEFAULT 0,
  last_at          timestamptz,
  refreshed_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id, user_id)
);

-- A tenant's own at-risk model, fitted off the request path from its attempt log (src/dashboard/risk.service.ts).
-- No personal data: coefficients and counts only.
CREATE TABLE risk_models (
  tenant_id  text PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
  model      jsonb NOT NULL,
  sequences  integer NOT NULL,
  answers    integer NOT NULL,
  fitted_at  timestamptz NOT NULL DEFAULT now()
);
