-- Course content (issue 4): packs, their skills and items, stored per tenant. Each tenant gets its own
-- copy of the demo pack on first launch, so instructors can edit or replace it without touching other
-- tenants. A pack is replaced as a whole on re-import (delete + insert in one transaction).
-- Every key starts with tenant_id (Citus-ready: distribute by tenant_id, no cross-tenant joins).

CREATE TABLE content_packs (
  tenant_id   text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id          text NOT NULL,
  title       text NOT NULL,
  version     text NOT NULL,
  locale      text NOT NULL,
  meta        jsonb NOT NULL,              -- the pack metadata block as imported
  imported_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, id)
);

CREATE TABLE content_skills (
  tenant_id     text NOT NULL,
  pack_id       text NOT NULL,
  id            text NOT NULL,
  position      integer NOT NULL,          -- order in the pack, for stable listings
  name          text NOT NULL,
  standards     text[] NOT NULL DEFAULT '{}',
  prerequisites text[] NOT NULL DEFAULT '{}',
  body          jsonb NOT NULL,            -- the whole skill as validated
  PRIMARY KEY (tenant_id, pack_id, id),
  FOREIGN KEY (tenant_id, pack_id) REFERENCES content_packs (tenant_id, id) ON DELETE CASCADE
);

CREATE TABLE content_items (
  tenant_id   text NOT NULL,
  pack_id     text NOT NULL,
  id          text NOT NULL,
  position    integer NOT NULL,
  type        text NOT NULL,
  is_template boolean NOT NULL,
  difficulty  double precision,            -- prior on the logit scale, when the author gave one
  body        jsonb NOT NULL,              -- the whole item (or template) as validated
  PRIMARY KEY (tenant_id, pack_id, id),
  FOREIGN KEY (tenant_id, pack_id) REFERENCES content_packs (tenant_id, id) ON DELETE CASCADE
);

-- Which items practise which skill (an item may have several), for "items of skill X".
CREATE TABLE content_item_skills (
  tenant_id text NOT NULL,
  pack_id   text NOT NULL,
  skill_id  text NOT NULL,
  item_id   text NOT NULL,
  PRIMARY KEY (tenant_id, pack_id, skill_id, item_id),
  FOREIGN KEY (tenant_id, pack_id, item_id) REFERENCES content_items (tenant_id, pack_id, id) ON DELETE CASCADE,
  FOREIGN KEY (tenant_id, pack_id, skill_id) REFERENCES content_skills (tenant_id, pack_id, id) ON DELETE CASCADE
);
