/**
 * The one writer of the course-content tables (migration 075): which course owns a pack
 * (`content_pack_courses`), the images of imported questions (`content_assets`), and uploads waiting for
 * confirmation (`content_uploads`). SQL only; every query is filtered by tenant.
 */
import type { Queryable } from '../db/index.js';
import { sniffImage } from './importers/assets.js';
import type { PackSummary } from './content.repository.js';

/** Image types served from /content/assets (no SVG: it can carry scripts; no HTML). */
export const ASSET_TYPES: Readonly<Record<string, string>> = { png: 'image/png', jpg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp' };

/** A pack as one course sees it: whose it is and whether that course may manage it. */
export interface CoursePack extends PackSummary {
  /** The course that owns it (null: the whole tenant's, e.g. a built-in pack). */
  courseId: string | null;
  /** Shared by an admin with every course of the tenant. */
  shared: boolean;
}

/**
 * The packs a course may use: the tenant's own (no owning course), the packs shared by an admin, and the
 * course's own. Another course's unshared packs never appear.
 */
export async function coursePacks(db: Queryable, tenantId: string, courseId: string | null): Promise<CoursePack[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.title, p.version, p.locale, p.imported_at, c.course_id, coalesce(c.shared, false) AS shared,
            (SELECT count(*) FROM content_skills s WHERE s.tenant_id = p.tenant_id AND s.pack_id = p.id)::int AS skill_count,
            (SELECT count(*) FROM content_items i WHERE i.tenant_id = p.tenant_id AND i.pack_id = p.id)::int AS item_count,
            (SELECT count(*) FROM content_items i WHERE i.tenant_id = p.tenant_id AND i.pack_id = p.id AND i.is_template)::int AS template_count
     FROM content_packs p
     LEFT JOIN content_pack_courses c ON c.tenant_id = p.tenant_id AND c.pack_id = p.id
     WHERE p.tenant_id = $1 AND (c.pack_id IS NULL OR c.shared OR c.course_id = $2)
     ORDER BY p.title, p.id`,
    [tenantId, courseId],
  );
  return rows.map((r) => ({
    id: r.id, title: r.title, version: r.version, locale: r.locale, importedAt: r.imported_at,
    skillCount: r.skill_count, itemCount: r.item_count, templateCount: r.template_count,
    courseId: r.course_id ?? null, shared: r.shared,
  }));
}

/** The owner of a pack: `undefined` when the tenant has no such pack, `null` course for a tenant-wide pack. */
export async function packOwner(db: Queryable, tenantId: string, packId: string): Promise<{ courseId: string | null; shared: boolean } | undefined> {
  const { rows } = await db.query(
    `SELECT c.course_id, coalesce(c.shared, false) AS shared FROM content_packs p
     LEFT JOIN content_pack_courses c ON c.tenant_id = p.tenant_id AND c.pack_id = p.id
     WHERE p.tenant_id = $1 AND p.id = $2`,
    [tenantId, packId],
  );
  return rows[0] ? { courseId: rows[0].course_id ?? null, shared: rows[0].shared } : undefined;
}

/** Records the course that owns a pack (the pack row must exist). */
export async function setPackCourse(db: Queryable, tenantId: string, packId: string, courseId: string): Promise<void> {
  await db.query(
    `INSERT INTO content_pack_courses (tenant_id, pack_id, course_id) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, pack_id) DO UPDATE SET course_id = EXCLUDED.course_id`,
    [tenantId, packId, courseId],
  );
}

/** Admin: shares a course's pack with the whole tenant, or takes it back. False when it is no course's pack. */
export async function setPackShared(db: Queryable, tenantId: string, packId: string, shared: boolean): Promise<boolean> {
  const res = await db.query('UPDATE content_pack_courses SET shared = $3 WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId, shared]);
  return (res.rowCount ?? 0) > 0;
}

/** Renames a pack (its title column and its metadata block), moving imported_at so caches reload. */
export async function renamePack(db: Queryable, tenantId: string, packId: string, title: string): Promise<boolean> {
  const res = await db.query(
    `UPDATE content_packs SET title = $3, meta = jsonb_set(meta, '{title}', to_jsonb($3::text)), imported_at = clock_timestamp()
     WHERE tenant_id = $1 AND id = $2`,
    [tenantId, packId, title],
  );
  return (res.rowCount ?? 0) > 0;
}

/** Whether the tenant has a pack with this id (any course's). */
export async function packExists(db: Queryable, tenantId: string, packId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM content_packs WHERE tenant_id = $1 AND id = $2', [tenantId, packId]);
  return (rowCount ?? 0) > 0;
}

/**
 * Stores images for a tenant (deduplicated by hash). Refuses, as a whole, any whose bytes are not an
 * allow-listed image type or whose declared type differs from its bytes.
 */
export async function saveAssets(db: Queryable, tenantId: string, assets: readonly { sha256: string; mime: string; bytes: Uint8Array }[]): Promise<number> {
  for (const a of assets) {
    const sniffed = sniffImage(a.bytes);
    if (!sniffed || sniffed.mime !== a.mime || !Object.values(ASSET_TYPES).includes(a.mime) || !/^[0-9a-f]{64}$/.test(a.sha256)) {
      throw new Error(`asset ${a.sha256.slice(0, 12)} refused: not an allowed image type (${a.mime})`);
    }
  }
  if (!assets.length) return 0;
  const res = await db.query(
    `INSERT INTO content_assets (tenant_id, sha256, mime, bytes)
     SELECT $1, a.sha, a.mime, a.bytes FROM unnest($2::text[], $3::text[], $4::bytea[]) AS a(sha, mime, bytes)
     ON CONFLICT (tenant_id, sha256) DO NOTHING`,
    [tenantId, assets.map((a) => a.sha256), assets.map((a) => a.mime), assets.map((a) => Buffer.from(a.bytes))],
  );
  return res.rowCount ?? 0;
}

/**
 * An image by its hash. Asset URLs are content addresses (the SHA-256 of the bytes), so one stored by any
 * tenant is the same image; the lookup needs no session (students' <img> requests carry none).
 */
export async function findAsset(db: Queryable, sha256: string): Promise<{ mime: string; bytes: Buffer } | null> {
  const { rows } = await db.query('SELECT mime, bytes FROM content_assets WHERE sha256 = $1 LIMIT 1', [sha256]);
  return rows[0] ? { mime: rows[0].mime, bytes: rows[0].bytes } : null;
}

/** An upload waiting for confirmation. */
export interface StagedUpload {
  id: string;
  fileName: string;
  bytes: Buffer;
  replaces: string | null;
}

/** Keeps an upload until it is confirmed, dropping the tenant's expired ones. */
export async function stageUpload(db: Queryable, u: { tenantId: string; id: string; userId: string; courseId: string; fileName: string; bytes: Uint8Array; replaces: string | null; ttlMinutes: number }): Promise<void> {
  await db.query('DELETE FROM content_uploads WHERE tenant_id = $1 AND expires_at < now()', [u.tenantId]);
  await db.query(
    `INSERT INTO content_uploads (tenant_id, id, user_id, course_id, file_name, bytes, replaces, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, now() + make_interval(mins => $8))`,
    [u.tenantId, u.id, u.userId, u.courseId, u.fileName, Buffer.from(u.bytes), u.replaces, u.ttlMinutes],
  );
}

/** The user's unexpired upload in this course, or null (anybody else's id reads as missing). */
export async function findUpload(db: Queryable, tenantId: string, id: string, userId: string, courseId: string): Promise<StagedUpload | null> {
  const { rows } = await db.query(
    `SELECT id, file_name, bytes, replaces FROM content_uploads
     WHERE tenant_id = $1 AND id = $2 AND user_id = $3 AND course_id = $4 AND expires_at > now()`,
    [tenantId, id, userId, courseId],
  );
  return rows[0] ? { id: rows[0].id, fileName: rows[0].file_name, bytes: rows[0].bytes, replaces: rows[0].replaces } : null;
}

/** Drops an upload (after its confirmation or cancellation). */
export async function dropUpload(db: Queryable, tenantId: string, id: string, userId: string): Promise<void> {
  await db.query('DELETE FROM content_uploads WHERE tenant_id = $1 AND id = $2 AND user_id = $3', [tenantId, id, userId]);
}

/** An unexpired upload by its unguessable id alone (its preview's images: <img> requests carry no session). */
export async function uploadById(db: Queryable, id: string): Promise<StagedUpload | null> {
  const { rows } = await db.query('SELECT id, file_name, bytes, replaces FROM content_uploads WHERE id = $1 AND expires_at > now()', [id]);
  return rows[0] ? { id: rows[0].id, fileName: rows[0].file_name, bytes: rows[0].bytes, replaces: rows[0].replaces } : null;
}
