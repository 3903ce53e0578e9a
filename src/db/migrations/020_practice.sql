-- Student practice (issue 5): an assignment per resource link, the learner state per (student,
-- assignment), the append-only attempt log and per-item difficulty calibration.

CREATE TABLE assignments (
  tenant_id         text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id  text NOT NULL,
  pack_id           text NOT NULL,
  skills            text[] NOT NULL,
  threshold         double precision NOT NULL DEFAULT 0.95,
  target_success    double precision NOT NULL DEFAULT 0.75,
  allow_choice      boolean NOT NULL DEFAULT true,
  points            double precision NOT NULL DEFAULT 100,
  per_skill_columns boolean NOT NULL DEFAULT false,
  title             text,
  configured_by     text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id)
);

-- Derived state: can always be rebuilt from attempts (engine replay).
CREATE TABLE learner_states (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  user_id          text NOT NULL,
  state            jsonb NOT NULL,
  current          jsonb,              -- the question on screen: item, seed, hints shown, tries
  answered         integer NOT NULL DEFAULT 0,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id, user_id)
);

-- Append-only: one row per submitted answer (and per worked example studied).
CREATE TABLE attempts (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               bigserial,
  resource_link_id text NOT NULL,
  user_id          text NOT NULL,
  pack_id          text NOT NULL,
  item_id          text NOT NULL,
  seed             bigint NOT NULL DEFAULT 0,
  skills           text[] NOT NULL,
  kind             text NOT NULL DEFAULT 'answer',    -- answer | worked_example
  try_number       integer NOT NULL DEFAULT 1,
  counted          boolean NOT NULL DEFAULT true,     -- applied to the learner model (first try only)
  response         jsonb,
  correct          boolean NOT NULL,
  score            double precision NOT NULL,
  hints_used       integer NOT NULL DEFAULT 0,
  time_ms          integer,
  difficulty       double precision,
  remediates       text,
  submission_id    text NOT NULL,
  result           jsonb NOT NULL,                    -- what the student was shown, for idempotent replays
  answered_at      timestamptz NOT NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id),
  UNIQUE (tenant_id, user_id, submission_id)
);
CREATE INDEX attempts_by_learner ON attempts (tenant_id, resource_link_id, user_id, id);

CREATE TABLE item_stats (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  pack_id    text NOT NULL,
  item_id    text NOT NULL,
  difficulty double precision NOT NULL DEFAULT 0,
  answers    integer NOT NULL DEFAULT 0,
  correct    integer NOT NULL DEFAULT 0,
  PRIMARY KEY (tenant_id, pack_id, item_id)
);
