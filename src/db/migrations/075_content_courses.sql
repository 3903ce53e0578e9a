-- Content for real courses (issue 15): which course a pack belongs to, the images of imported
-- questions, and uploads waiting for the instructor's confirmation. Written only by
-- src/content/content-admin.repository.ts.

-- A pack without a row here belongs to the whole tenant (the built-in packs, CLI imports). A row names
-- the course that uploaded it: only that course's staff see and manage it, unless an admin shared it with
-- the whole deployment (shared = true: every course may use it, only its course manages it).
CREATE TABLE content_pack_courses (
  tenant_id  text NOT NULL,
  pack_id    text NOT NULL,
  course_id  text NOT NULL,
  shared     boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, pack_id),
  FOREIGN KEY (tenant_id, pack_id) REFERENCES content_packs (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX content_pack_courses_course ON content_pack_courses (tenant_id, course_id);

-- Images of imported questions, named by their SHA-256 (the item media url /content/assets/<sha>.<ext>).
-- Only image types on an allow-list are stored (no SVG, no HTML).
CREATE TABLE content_assets (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  mime       text NOT NULL CHECK (mime IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp')),
  bytes      bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, sha256)
);
CREATE INDEX content_assets_sha ON content_assets (sha256);

-- An upload between its preview and the instructor's confirmation: the raw file, re-parsed on confirm.
-- Keyed by an unguessable id, usable only by the user and course that uploaded it, until expires_at.
CREATE TABLE content_uploads (
  tenant_id  text NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
  id         text NOT NULL,
  user_id    text NOT NULL,
  course_id  text NOT NULL,
  file_name  text NOT NULL,
  bytes      bytea NOT NULL,
  replaces   text,                       -- the pack this upload would replace, or null for a new pack
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, id)
);
CREATE INDEX content_uploads_expiry ON content_uploads (expires_at);
