-- Teacher overrides of a learner's progress (issue 16, item 7): mark a skill mastered, reset a skill, excuse
-- or un-excuse a student. Append-only audit trail: who (the staff member's LTI sub and name), when, why (a
-- required reason), and whether a grade was queued for the LMS. Written only by src/dashboard/overrides.service.ts
-- (in the transaction that changes the learner state and queues the grade).
CREATE TABLE learner_overrides (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id               bigserial,
  resource_link_id text NOT NULL,
  user_id          text NOT NULL,                 -- the student
  skill_id         text,                          -- null for excused / unexcused
  action           text NOT NULL CHECK (action IN ('mastered', 'reset', 'excused', 'unexcused')),
  reason           text NOT NULL CHECK (length(btrim(reason)) BETWEEN 1 AND 500),
  by_user          text,                          -- the staff member's LTI sub (nulled if they are deleted)
  by_name          text,
  by_role          text,
  graded           boolean NOT NULL DEFAULT false, -- a score was queued in the grade outbox
  at               timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
-- The drill-down reads one learner's history in order.
CREATE INDEX learner_overrides_by_learner ON learner_overrides (tenant_id, resource_link_id, user_id, id);
