/**
 * Built-in packs for tenants that already have an older version (issue 15): on a tenant's first use in a
 * process, each built-in pack is seeded when missing, or upgraded in place when the tenant's copy is still
 * what was shipped to it (or, for copies seeded before hashes were kept, has a version no newer than the
 * shipped one). The pack id and item ids stay, so students keep their progress on unchanged questions.
 * Copies changed since they were shipped, packs owned by a course, and upgrades that would drop a skill an
 * activity practises are left alone (logged).
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/index.js';
import { assignmentsOfPack } from '../assignments/assignment.repository.js';
import { ensurePack, loadPack, savePack } from './content.repository.js';
import type { Pack } from './content.schema.js';
import { canonical, diffPacks } from './pack-edit.js';

/** The hash of a pack's content (independent of jsonb key order). */
export function packHash(pack: Pack): string {
  return createHash('sha256').update(canonical(pack)).digest('hex');
}

/** -1, 0, 1 comparing dotted versions numerically where they are numbers (`1.10.0` > `1.9.2`). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '0';
    const y = pb[i] ?? '0';
    const nx = Number(x);
    const ny = Number(y);
    const c = Number.isFinite(nx) && Number.isFinite(ny) ? Math.sign(nx - ny) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

/** What happened to one built-in pack of one tenant. */
export type BuiltInOutcome = 'seeded' | 'current' | 'upgraded' | 'kept-changed' | 'kept-newer' | 'kept-course' | 'kept-in-use';

/** Seeds or upgrades one built-in pack for a tenant (one transaction, the pack row locked). */
export async function ensureBuiltIn(pool: pg.Pool, log: Logger, tenantId: string, pack: Pack, hash = packHash(pack)): Promise<BuiltInOutcome> {
  const packId = pack.pack.id;
  const record = async (db: pg.ClientBase | pg.Pool) =>
    db.query(
      `INSERT INTO content_builtin_seeds (tenant_id, pack_id, sha256) VALUES ($1, $2, $3)
       ON CONFLICT (tenant_id, pack_id) DO UPDATE SET sha256 = EXCLUDED.sha256, seeded_at = now()`,
      [tenantId, packId, hash],
    );
  const seen = await pool.query<{ sha256: string }>('SELECT sha256 FROM content_builtin_seeds WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId]);
  if (seen.rows[0]?.sha256 === hash) return 'current';
  if (await ensurePack(pool, tenantId, pack)) {
    await record(pool);
    return 'seeded';
  }
  return withTransaction(pool, async (tx) => {
    await tx.query('SELECT 1 FROM content_packs WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenantId, packId]);
    const recorded = (await tx.query<{ sha256: string }>('SELECT sha256 FROM content_builtin_seeds WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId])).rows[0]?.sha256;
    if (recorded === hash) return 'current';
    const owned = await tx.query('SELECT 1 FROM content_pack_courses WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId]);
    if (owned.rowCount) return 'kept-course';
    const stored = await loadPack(tx, tenantId, packId);
    if (!stored) return 'current';
    const storedHash = packHash(stored);
    if (storedHash === hash) {
      await record(tx);
      return 'current';
    }
    if (recorded !== undefined && recorded !== storedHash) {
      log.info({ tenant: tenantId, pack: packId }, 'built-in pack changed by the tenant since it was shipped; not upgraded');
      return 'kept-changed';
    }
    if (recorded === undefined && compareVersions(stored.pack.version, pack.pack.version) > 0) return 'kept-newer';
    const diff = diffPacks(stored, pack);
    if (diff.removedSkills.length) {
      const gone = new Set(diff.removedSkills);
      const used = (await assignmentsOfPack(tx, tenantId, packId)).filter((a) => a.skills.some((s) => gone.has(s)));
      if (used.length) {
        log.warn({ tenant: tenantId, pack: packId, skills: diff.removedSkills, activities: used.length }, 'built-in pack upgrade would drop skills that activities practise; not upgraded');
        return 'kept-in-use';
      }
    }
    await savePack(tx, tenantId, pack);
    await record(tx);
    log.info({ tenant: tenantId, pack: packId, from: stored.pack.version, to: pack.pack.version, unchanged: diff.unchanged.length, changed: diff.changed.length, added: diff.added.length, removed: diff.removed.length }, 'built-in pack upgraded');
    return 'upgraded';
  });
}
