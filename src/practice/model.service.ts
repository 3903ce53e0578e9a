import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import { withTransaction } from '../db/index.js';
import { fitBktBySkill, sequencesBySkill, type BktParams, type LoggedAnswer } from '../engine/index.js';

/** Answers a skill needs before its own parameters replace the defaults. */
export const MIN_ATTEMPTS_TO_FIT = 200;

export interface RefitReport {
  tenantId: string;
  packId: string;
  answers: number;
  fitted: { skill: string; params: BktParams; attempts: number }[];
  keptDefaults: string[];
}

/**
 * Refits the learner model of one tenant's pack from its attempt log: EM (Baum-Welch) for BKT with
 * forgetting per skill, first tries only (what the model was updated with), learners keyed per
 * assignment. Skills with too little data keep the defaults. The new parameters apply to the next
 * answers; stored learner states can be rebuilt with the engine's replay.
 */
export async function refitSkillParams(pool: pg.Pool, tenantId: string, packId: string): Promise<RefitReport> {
  const { rows } = await pool.query<{ learner: string; skills: string[]; correct: boolean }>(
    `SELECT resource_link_id || ' ' || user_id AS learner, skills, correct FROM attempts
     WHERE tenant_id = $1 AND pack_id = $2 AND kind = 'answer' AND counted ORDER BY id`,
    [tenantId, packId],
  );
  const log: LoggedAnswer[] = rows.map((r) => ({ learner: r.learner, skills: r.skills, correct: r.correct }));
  const results = fitBktBySkill(sequencesBySkill(log), { fitForget: true, restarts: 4, minAttempts: MIN_ATTEMPTS_TO_FIT });
  const report: RefitReport = { tenantId, packId, answers: rows.length, fitted: [], keptDefaults: [] };
  await withTransaction(pool, async (tx) => {
    for (const [skill, r] of results) {
      if (r.usedDefaults) {
        report.keptDefaults.push(skill);
        continue;
      }
      await tx.query(
        `INSERT INTO skill_params(tenant_id, pack_id, skill_id, params, attempts, sequences, log_likelihood) VALUES ($1,$2,$3,$4,$5,$6,$7)
         ON CONFLICT (tenant_id, pack_id, skill_id) DO UPDATE SET params = EXCLUDED.params, attempts = EXCLUDED.attempts,
           sequences = EXCLUDED.sequences, log_likelihood = EXCLUDED.log_likelihood, fitted_at = now()`,
        [tenantId, packId, skill, JSON.stringify(r.params), r.attempts, r.sequences, r.logLikelihood],
      );
      report.fitted.push({ skill, params: r.params, attempts: r.attempts });
    }
  });
  return report;
}

/** Refits every pack of every tenant (or of one tenant) that has answers. */
export async function refitAll(pool: pg.Pool, tenantId?: string): Promise<RefitReport[]> {
  const { rows } = await pool.query<{ tenant_id: string; pack_id: string }>(
    `SELECT DISTINCT tenant_id, pack_id FROM attempts WHERE ($1::text IS NULL OR tenant_id = $1)`,
    [tenantId ?? null],
  );
  const out: RefitReport[] = [];
  for (const r of rows) out.push(await refitSkillParams(pool, r.tenant_id, r.pack_id));
  return out;
}

/** The fitted parameters of a tenant's pack, by skill. */
export async function loadSkillParams(db: Queryable, tenantId: string, packId: string): Promise<Record<string, BktParams>> {
  const { rows } = await db.query<{ skill_id: string; params: BktParams }>(
    'SELECT skill_id, params FROM skill_params WHERE tenant_id = $1 AND pack_id = $2',
    [tenantId, packId],
  );
  return Object.fromEntries(rows.map((r) => [r.skill_id, r.params]));
}
