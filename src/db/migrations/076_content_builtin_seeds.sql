-- Which version of each built-in pack a tenant was last given (issue 15): the hash of the pack as shipped.
-- A stored built-in pack still equal to what was shipped is upgraded in place when a newer one ships
-- (item ids kept, so students keep their progress on unchanged questions); one changed since is left alone.
-- Written only by src/content/builtin-upgrade.ts.
CREATE TABLE content_builtin_seeds (
  tenant_id  text NOT NULL,
  pack_id    text NOT NULL,
  sha256     text NOT NULL,
  seeded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id),
  FOREIGN KEY (tenant_id, pack_id) REFERENCES content_packs (tenant_id, id) ON DELETE CASCADE
);
