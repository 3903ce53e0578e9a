-- Flexible groups (issue 16, item 6): the groups a teacher saved for the next lesson of one resource
-- link (suggested by the tool, then adjusted). Saving replaces the link's groups whole. Written only by
-- src/dashboard/groups.repository.ts; a learner's rows go with the learner (groups.privacy part).
CREATE TABLE class_groups (
  tenant_id        text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  resource_link_id text NOT NULL,
  position         integer NOT NULL,
  name             text NOT NULL,
  skill_id         text,                 -- the skill the group works on, when it has one
  saved_by         text,                 -- the instructor's user id (LTI sub); null once they are deleted
  saved_at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, resource_link_id, position)
);

CREATE TABLE class_group_members (
  tenant_id        text NOT NULL,
  resource_link_id text NOT NULL,
  position         integer NOT NULL,
  user_id          text NOT NULL,
  PRIMARY KEY (tenant_id, resource_link_id, user_id),
  FOREIGN KEY (tenant_id, resource_link_id, position) REFERENCES class_groups (tenant_id, resource_link_id, position) ON DELETE CASCADE
);
