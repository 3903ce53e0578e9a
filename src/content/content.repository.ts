/**
 * Storage of course packs: SQL only, every query filtered by tenant. Packs are validated before they
 * get here (`parsePack`); rows keep the validated JSON. Rows read back go through the schema again,
 * which restores the field order jsonb does not keep (so exports read like the authored files).
 */
import type pg from 'pg';
import { withTransaction, type Queryable, type Tx } from '../db/index.js';
import { itemSchema, packMetaSchema, skillSchema, type Item, type Pack, type Skill } from './content.schema.js';

/** A stored pack, without its skills and items. */
export interface PackSummary {
  id: string;
  title: string;
  version: string;
  locale: string;
  importedAt: Date;
  skillCount: number;
  itemCount: number;
  templateCount: number;
}

/** An item with the pack it belongs to (item ids are unique per pack). */
export interface StoredItem {
  packId: string;
  item: Item;
}

/**
 * Writes a pack for a tenant, replacing a stored pack with the same id. Must run in a transaction
 * so a failed import leaves the previous version intact.
 */
export async function savePack(tx: Tx, tenantId: string, pack: Pack): Promise<{ skills: number; items: number }> {
  const packId = pack.pack.id;
  // The pack row stays (what points at it, such as the course that owns it, is kept); its skills and items
  // are replaced, and imported_at moves so every process reloads it.
  await tx.query('DELETE FROM content_items WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId]);
  await tx.query('DELETE FROM content_skills WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId]);
  await tx.query(
    `INSERT INTO content_packs (tenant_id, id, title, version, locale, meta) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, id) DO UPDATE SET title = EXCLUDED.title, version = EXCLUDED.version, locale = EXCLUDED.locale,
       meta = EXCLUDED.meta, imported_at = clock_timestamp()`,
    [
    tenantId,
    packId,
    pack.pack.title,
    pack.pack.version,
    pack.pack.locale,
    JSON.stringify(pack.pack),
  ]);
  if (pack.skills.length) {
    await tx.query(
      `INSERT INTO content_skills (tenant_id, pack_id, id, position, name, standards, prerequisites, body)
       SELECT $1, $2, s.id, s.pos, s.body->>'name',
              ARRAY(SELECT jsonb_array_elements_text(s.body->'standards')),
              ARRAY(SELECT jsonb_array_elements_text(s.body->'prerequisites')), s.body
       FROM unnest($3::text[], $4::int[], $5::jsonb[]) AS s(id, pos, body)`,
      [tenantId, packId, pack.skills.map((s) => s.id), pack.skills.map((_, i) => i), pack.skills.map((s) => JSON.stringify(s))],
    );
  }
  for (let start = 0; start < pack.items.length; start += 2000) {
    const chunk = pack.items.slice(start, start + 2000);
    await tx.query(
      `INSERT INTO content_items (tenant_id, pack_id, id, position, type, is_template, difficulty, body)
       SELECT $1, $2, i.id, i.pos, i.type, i.tpl, i.difficulty, i.body
       FROM unnest($3::text[], $4::int[], $5::text[], $6::boolean[], $7::float8[], $8::jsonb[]) AS i(id, pos, type, tpl, difficulty, body)`,
      [
        tenantId,
        packId,
        chunk.map((i) => i.id),
        chunk.map((_, k) => start + k),
        chunk.map((i) => i.type),
        chunk.map((i) => i.template !== undefined),
        chunk.map((i) => i.difficulty ?? null),
        chunk.map((i) => JSON.stringify(i)),
      ],
    );
    const links = chunk.flatMap((i) => [...new Set(i.skills)].map((s) => [s, i.id] as const));
    await tx.query(
      `INSERT INTO content_item_skills (tenant_id, pack_id, skill_id, item_id)
       SELECT $1, $2, l.skill_id, l.item_id FROM unnest($3::text[], $4::text[]) AS l(skill_id, item_id)`,
      [tenantId, packId, links.map((l) => l[0]), links.map((l) => l[1])],
    );
  }
  return { skills: pack.skills.length, items: pack.items.length };
}

/** Imports a pack for a tenant, all or nothing in one transaction (replacing the same pack id). */
export async function importPack(pool: pg.Pool, tenantId: string, pack: Pack): Promise<{ skills: number; items: number }> {
  return withTransaction(pool, (tx) => savePack(tx, tenantId, pack));
}

/**
 * Imports the pack only if the tenant has no pack with its id yet (e.g. the demo pack on a tenant's
 * first launch). Safe when several processes race: the pack row is claimed with ON CONFLICT.
 * Returns true when it imported.
 */
export async function ensurePack(pool: pg.Pool, tenantId: string, pack: Pack): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const claimed = await tx.query(
      `INSERT INTO content_packs (tenant_id, id, title, version, locale, meta) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, id) DO NOTHING`,
      [tenantId, pack.pack.id, pack.pack.title, pack.pack.version, pack.pack.locale, JSON.stringify(pack.pack)],
    );
    if (claimed.rowCount === 0) return false;
    await savePack(tx, tenantId, pack);
    return true;
  });
}

/** The tenant's packs with their sizes, by title. */
export async function listPacks(db: Queryable, tenantId: string): Promise<PackSummary[]> {
  const { rows } = await db.query(
    `SELECT p.id, p.title, p.version, p.locale, p.imported_at,
            (SELECT count(*) FROM content_skills s WHERE s.tenant_id = p.tenant_id AND s.pack_id = p.id)::int AS skill_count,
            (SELECT count(*) FROM content_items i WHERE i.tenant_id = p.tenant_id AND i.pack_id = p.id)::int AS item_count,
            (SELECT count(*) FROM content_items i WHERE i.tenant_id = p.tenant_id AND i.pack_id = p.id AND i.is_template)::int AS template_count
     FROM content_packs p WHERE p.tenant_id = $1 ORDER BY p.title, p.id`,
    [tenantId],
  );
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    version: r.version,
    locale: r.locale,
    importedAt: r.imported_at,
    skillCount: r.skill_count,
    itemCount: r.item_count,
    templateCount: r.template_count,
  }));
}

/** A whole stored pack (for export and for loading into memory), or null. */
export async function loadPack(db: Queryable, tenantId: string, packId: string): Promise<Pack | null> {
  const meta = await db.query('SELECT meta FROM content_packs WHERE tenant_id = $1 AND id = $2', [tenantId, packId]);
  if (meta.rowCount === 0) return null;
  const skills = await db.query('SELECT body FROM content_skills WHERE tenant_id = $1 AND pack_id = $2 ORDER BY position', [tenantId, packId]);
  const items = await db.query('SELECT body FROM content_items WHERE tenant_id = $1 AND pack_id = $2 ORDER BY position', [tenantId, packId]);
  return { pack: packMetaSchema.parse(meta.rows[0].meta), skills: skills.rows.map((r) => skillSchema.parse(r.body)), items: items.rows.map((r) => itemSchema.parse(r.body)) };
}

/** When the pack was last imported (changes on every re-import), or null when it is gone. */
export async function packStamp(db: Queryable, tenantId: string, packId: string): Promise<string | null> {
  const { rows } = await db.query<{ stamp: string }>(`SELECT imported_at::text AS stamp FROM content_packs WHERE tenant_id = $1 AND id = $2`, [tenantId, packId]);
  return rows[0]?.stamp ?? null;
}

/** The skills of one pack, or of all the tenant's packs, in pack order. */
export async function listSkills(db: Queryable, tenantId: string, packId?: string): Promise<{ packId: string; skill: Skill }[]> {
  const { rows } = await db.query(
    `SELECT pack_id, body FROM content_skills WHERE tenant_id = $1 AND ($2::text IS NULL OR pack_id = $2) ORDER BY pack_id, position`,
    [tenantId, packId ?? null],
  );
  return rows.map((r) => ({ packId: r.pack_id, skill: skillSchema.parse(r.body) }));
}

/** Items of the tenant, optionally of one pack and/or one skill, in pack order. */
export async function listItems(db: Queryable, tenantId: string, filter: { packId?: string; skillId?: string } = {}): Promise<StoredItem[]> {
  const { rows } = await db.query(
    `SELECT i.pack_id, i.body FROM content_items i
     WHERE i.tenant_id = $1 AND ($2::text IS NULL OR i.pack_id = $2)
       AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM content_item_skills k
             WHERE k.tenant_id = i.tenant_id AND k.pack_id = i.pack_id AND k.item_id = i.id AND k.skill_id = $3))
     ORDER BY i.pack_id, i.position`,
    [tenantId, filter.packId ?? null, filter.skillId ?? null],
  );
  return rows.map((r) => ({ packId: r.pack_id, item: itemSchema.parse(r.body) }));
}

/** One item (or template) of a tenant's pack, or null. */
export async function getItem(db: Queryable, tenantId: string, packId: string, itemId: string): Promise<Item | null> {
  const { rows } = await db.query('SELECT body FROM content_items WHERE tenant_id = $1 AND pack_id = $2 AND id = $3', [tenantId, packId, itemId]);
  return rows.length ? itemSchema.parse(rows[0].body) : null;
}

/** Removes a pack (its skills and items cascade). Returns true if it existed. */
export async function deletePack(db: Queryable, tenantId: string, packId: string): Promise<boolean> {
  const res = await db.query('DELETE FROM content_packs WHERE tenant_id = $1 AND id = $2', [tenantId, packId]);
  return (res.rowCount ?? 0) > 0;
}
