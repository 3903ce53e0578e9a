import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import { withTransaction } from '../db/index.js';
import { LearnerModel, checkModel, defaultLearnerModel, isLearnerParams, type ItemDrift, type LearnerLogEntry, type LearnerParams } from '../engine/index.js';
import { type DelayedCalibration, refitFromLog } from '../engine/refit.js';
import { loadPack } from '../content/content.repository.js';

export { HELD_OUT_SHARE, MIN_ANSWERS_FULL_FIT, MIN_ANSWERS_TO_FIT, MIN_LEARNERS_TO_FIT } from '../engine/refit.js';

/** What one refit did. */
export interface RefitReport {
  tenantId: string;
  packId: string;
  answers: number;
  learners: number;
  /** 'activated': the new version is now used; 'rejected': kept the active one; 'skipped': too little data. */
  outcome: 'activated' | 'rejected' | 'skipped';
  version: number | null;
  /** Why it was rejected or skipped. */
  reason: string | null;
  /** Mean log-likelihood per held-out answer of the new fit and of the model active before. */
  heldOutLogLik: number | null;
  baselineLogLik: number | null;
  /** Forgetting chosen (φ, τ days, spacing gain). */
  forgetting: LearnerParams['forgetting'] | null;
  /** Items whose calibrated difficulty moved most from the authored one (at most 10). */
  drift: ItemDrift[];
  /** Calibration of held-out answers that came after a delay: the new fit and the model active before. */
  delayed: { candidate: DelayedCalibration; current: DelayedCalibration } | null;
}

/** The active fitted model of a tenant's pack (null: the shipped one applies). */
export async function loadActiveModel(db: Queryable, tenantId: string, packId: string): Promise<{ version: number; model: LearnerModel } | null> {
  const { rows } = await db.query<{ version: number; params: unknown }>(
    `SELECT version, params FROM learner_models WHERE tenant_id = $1 AND pack_id = $2 AND status = 'active'`,
    [tenantId, packId],
  );
  const r = rows[0];
  if (!r || !isLearnerParams(r.params) || checkModel(r.params) !== null) return null;
  return { version: r.version, model: new LearnerModel(r.params) };
}

/** Every stored version of a tenant's pack, newest first. */
export async function listModels(db: Queryable, tenantId: string, packId?: string): Promise<{ packId: string; version: number; status: string; answers: number; learners: number; heldOutLogLik: number | null; baselineLogLik: number | null; reason: string | null; createdAt: Date }[]> {
  const { rows } = await db.query<{ pack_id: string; version: number; status: string; answers: number; learners: number; heldout_ll: number | null; baseline_ll: number | null; reason: string | null; created_at: Date }>(
    `SELECT pack_id, version, status, answers, learners, heldout_ll, baseline_ll, reason, created_at FROM learner_models
     WHERE tenant_id = $1 AND ($2::text IS NULL OR pack_id = $2) ORDER BY pack_id, version DESC`,
    [tenantId, packId ?? null],
  );
  return rows.map((r) => ({ packId: r.pack_id, version: r.version, status: r.status, answers: r.answers, learners: r.learners, heldOutLogLik: r.heldout_ll, baselineLogLik: r.baseline_ll, reason: r.reason, createdAt: r.created_at }));
}

/**
 * Re-activates an earlier version (default: the newest retired one before the active), or none at all with
 * version 0 (back to the shipped model). Returns the version now active (0 = shipped).
 */
export async function rollbackModel(pool: pg.Pool, tenantId: string, packId: string, version?: number): Promise<number> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ version: number; status: string }>(
      `SELECT version, status FROM learner_models WHERE tenant_id = $1 AND pack_id = $2 ORDER BY version DESC FOR UPDATE`,
      [tenantId, packId],
    );
    const active = rows.find((r) => r.status === 'active');
    const target = version ?? rows.find((r) => r.status === 'retired' && (!active || r.version < active.version))?.version ?? 0;
    if (target !== 0 && !rows.some((r) => r.version === target && r.status !== 'rejected')) throw new Error(`no usable model version ${target} for ${tenantId} / ${packId}`);
    await tx.query(`UPDATE learner_models SET status = 'retired' WHERE tenant_id = $1 AND pack_id = $2 AND status = 'active'`, [tenantId, packId]);
    if (target !== 0) {
      await tx.query(`UPDATE learner_models SET status = 'active', activated_at = now() WHERE tenant_id = $1 AND pack_id = $2 AND version = $3`, [tenantId, packId, target]);
    }
    return target;
  });
}

/**
 * Refits the learner model of one tenant's pack from its attempt log (first tries, which are what the model
 * is updated with; learners keyed per assignment) and activates it only when it is sound and better:
 *  1. fit on 80% of the learners: the whole stack with bounds and penalties when the log is large, else only
 *     each skill's own parameters on top of the active model (learner-fit.ts), forgetting from the
 *     answers' real times, item difficulties jointly with ability (prior on the authored ones, bounded drift);
 *  2. reject a degenerate fit (checkModel: bounds, all-right answers must reach mastery, all-wrong must not,
 *     forgetting must not raise mastery);
 *  3. reject a fit whose predictions of answers given after a delay (>= 12 h) are more over-confident than the
 *     active model's on the held-out learners (verdicts are predictions a day ahead);
 *  4. compare with the active model (or the shipped one) on the other 20%: mean log-likelihood per answer;
 *     activate the new version only if it is higher. Either way the version is stored (rollback, audit).
 * The fitting and judging is src/engine/refit.ts refitFromLog, shared with the simulator (simulate --refit).
 */
export async function refitModel(pool: pg.Pool, tenantId: string, packId: string): Promise<RefitReport> {
  const { rows } = await pool.query<{ learner: string; item_id: string; skills: string[]; score: number; hints_used: number; answered_at: Date; difficulty: number | null }>(
    `SELECT resource_link_id || ' ' || user_id AS learner, item_id, skills, score, hints_used, answered_at, difficulty FROM attempts
     WHERE tenant_id = $1 AND pack_id = $2 AND kind = 'answer' AND counted ORDER BY id`,
    [tenantId, packId],
  );
  const pack = await loadPack(pool, tenantId, packId);
  const authored = new Map((pack?.items ?? []).map((i) => [i.id, i.difficulty ?? 0]));
  const log: LearnerLogEntry[] = rows.map((r) => ({
    learner: r.learner, itemId: r.item_id, skills: r.skills, y: r.hints_used > 0 && r.score > 0 ? r.score * 0.5 ** r.hints_used : r.score,
    at: r.answered_at.getTime(), authored: authored.get(r.item_id) ?? 0,
  }));
  const current = (await loadActiveModel(pool, tenantId, packId))?.model ?? defaultLearnerModel();
  const { rows: stats } = await pool.query<{ item_id: string; difficulty: number }>('SELECT item_id, difficulty FROM item_stats WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId]);
  const liveDifficulty = new Map(stats.map((s) => [s.item_id, s.difficulty]));
  const fit = refitFromLog(current, log, { liveDifficulty, source: `refit of ${tenantId} / ${packId} on ${log.length} answers` });
  const report: RefitReport = {
    tenantId, packId, answers: fit.answers, learners: fit.learners, outcome: fit.outcome === 'accepted' ? 'activated' : fit.outcome,
    version: null, reason: fit.reason, heldOutLogLik: fit.heldOutLogLik, baselineLogLik: fit.baselineLogLik,
    forgetting: fit.params?.forgetting ?? null,
    drift: [...fit.drift].sort((a, b) => Math.abs(b.drift) - Math.abs(a.drift)).slice(0, 10),
    delayed: fit.delayed,
  };
  if (fit.outcome === 'skipped' || !fit.params) return report;
  const params = fit.params;
  const drift = fit.drift;
  const better = fit.outcome === 'accepted';
  report.version = await withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`learner_models ${tenantId} ${packId}`]);
    const { rows: v } = await tx.query<{ next: number }>(
      'SELECT coalesce(max(version), 0) + 1 AS next FROM learner_models WHERE tenant_id = $1 AND pack_id = $2', [tenantId, packId],
    );
    const version = v[0]!.next;
    if (better) {
      await tx.query(`UPDATE learner_models SET status = 'retired' WHERE tenant_id = $1 AND pack_id = $2 AND status = 'active'`, [tenantId, packId]);
      // The jointly estimated difficulties replace the online ones (same bounds; answers kept).
      for (const d of drift) {
        await tx.query(
          `INSERT INTO item_stats(tenant_id, pack_id, item_id, difficulty, answers, correct) VALUES ($1,$2,$3,$4,0,0)
           ON CONFLICT (tenant_id, pack_id, item_id) DO UPDATE SET difficulty = EXCLUDED.difficulty`,
          [tenantId, packId, d.itemId, d.difficulty],
        );
      }
    }
    await tx.query(
      `INSERT INTO learner_models(tenant_id, pack_id, version, status, params, answers, learners, heldout_ll, baseline_ll, reason, activated_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
      [tenantId, packId, version, better ? 'active' : 'rejected', JSON.stringify(params), fit.answers, fit.learners, report.heldOutLogLik, report.baselineLogLik, report.reason, better ? new Date() : null],
    );
    return version;
  });
  return report;
}

/** Refits every pack of every tenant (or of one tenant) that has answers. */
export async function refitAll(pool: pg.Pool, tenantId?: string): Promise<RefitReport[]> {
  const { rows } = await pool.query<{ tenant_id: string; pack_id: string }>(
    `SELECT DISTINCT tenant_id, pack_id FROM attempts WHERE ($1::text IS NULL OR tenant_id = $1) ORDER BY tenant_id, pack_id`,
    [tenantId ?? null],
  );
  const out: RefitReport[] = [];
  for (const r of rows) out.push(await refitModel(pool, r.tenant_id, r.pack_id));
  return out;
}
