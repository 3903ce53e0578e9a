import crypto from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import { defaultRiskModel, riskModelFor, TENANT_MIN, type RiskAnswer, type RiskModel } from '../engine/risk/index.js';

/** A tenant's model is fitted again after this long (its log keeps growing). */
const REFIT_MS = 6 * 3_600_000;
/** A tenant whose log was too small is checked again after this long. */
const RECHECK_MS = 15 * 60_000;
/** Another process's fit is picked up within this long. */
const CACHE_MS = 60_000;

/** The risk model the class view uses for a tenant, and a short id of it (summaries are redone when it changes). */
export interface TenantRisk {
  model: RiskModel;
  id: string;
  source: 'tenant' | 'default';
}

const DEFAULT: TenantRisk = { model: defaultRiskModel, id: 'default', source: 'default' };
const idOf = (m: RiskModel) => crypto.createHash('sha256').update(JSON.stringify(m.coef) + m.intercept + m.threshold).digest('hex').slice(0, 12);

/**
 * The at-risk model per tenant (issue 16, item 5): the tenant's own fit when its attempt log has enough labelled
 * sequences of both kinds (engine/risk riskModelFor, TENANT_MIN), the default model otherwise. Fitting never
 * runs on a request: `modelFor` answers from the cache or the stored fit and, when the fit is missing or old,
 * starts one in the background (one per tenant per process); the fit is stored in risk_models (this module is
 * its only writer), so every process shares it.
 */
export class RiskModels {
  private cache = new Map<string, { risk: TenantRisk; at: number; checkedAt: number; fittedAt: number }>();
  private fitting = new Map<string, Promise<TenantRisk>>();

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock; log?: Logger; min?: { sequences: number; perClass: number }; autoFit?: boolean }) {}

  /** The tenant's model now; starts a background fit when there is none yet or it is old. */
  async modelFor(tenantId: string): Promise<TenantRisk> {
    const now = this.deps.clock.now();
    let hit = this.cache.get(tenantId);
    if (!hit || now - hit.at >= CACHE_MS) {
      const { rows } = await this.deps.pool.query<{ model: RiskModel; fitted_at: Date }>('SELECT model, fitted_at FROM risk_models WHERE tenant_id = $1', [tenantId]);
      const r = rows[0];
      const risk: TenantRisk = r ? { model: r.model, id: idOf(r.model), source: 'tenant' } : DEFAULT;
      hit = { risk, at: now, checkedAt: hit?.checkedAt ?? 0, fittedAt: r ? r.fitted_at.getTime() : 0 };
      this.cache.set(tenantId, hit);
    }
    const due = hit.risk.source === 'tenant' ? now - hit.fittedAt >= REFIT_MS : now - hit.checkedAt >= RECHECK_MS;
    if (due && this.deps.autoFit !== false && !this.fitting.has(tenantId)) {
      hit.checkedAt = now;
      // Off the request path: the caller gets the model it has now.
      setImmediate(() => void this.fit(tenantId).catch((err) => this.deps.log?.warn({ err, tenantId }, 'risk model fit failed')));
    }
    return hit.risk;
  }

  /** Forgets what this process knows of the tenant's model: the next `modelFor` reads the stored fit. */
  reload(tenantId: string): void {
    this.cache.delete(tenantId);
  }

  /**
   * Fits the tenant's model from its attempt log and stores it, or keeps the default when the log is too small.
   * One fit per tenant at a time in this process.
   */
  fit(tenantId: string): Promise<TenantRisk> {
    const running = this.fitting.get(tenantId);
    if (running) return running;
    const p = (async () => {
      const log = await tenantLog(this.deps.pool, tenantId);
      const { model, source } = await fitOffThread(log, `tenant ${tenantId}`, this.deps.min ?? TENANT_MIN, this.deps.log);
      const now = this.deps.clock.now();
      if (source !== 'tenant') {
        this.cache.set(tenantId, { risk: DEFAULT, at: now, checkedAt: now, fittedAt: 0 });
        return DEFAULT;
      }
      await this.deps.pool.query(
        `INSERT INTO risk_models(tenant_id, model, sequences, answers, fitted_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (tenant_id) DO UPDATE SET model = EXCLUDED.model, sequences = EXCLUDED.sequences, answers = EXCLUDED.answers, fitted_at = EXCLUDED.fitted_at`,
        [tenantId, JSON.stringify(model), model.trainedOn.sequences, model.trainedOn.answers, new Date(now)],
      );
      const risk: TenantRisk = { model, id: idOf(model), source: 'tenant' };
      this.cache.set(tenantId, { risk, at: now, checkedAt: now, fittedAt: now });
      this.deps.log?.info({ tenantId, sequences: model.trainedOn.sequences, answers: model.trainedOn.answers }, 'risk model fitted');
      return risk;
    })().finally(() => this.fitting.delete(tenantId));
    this.fitting.set(tenantId, p);
    return p;
  }
}

/**
 * riskModelFor in a worker thread (the fit is CPU-bound: seconds for a big tenant) when the tool runs compiled
 * (`npm run build`, the Docker image); under tsx (`npm start`, tests) worker threads do not get its TypeScript
 * loader, so the fit runs in this thread and holds its event loop while it runs (once per REFIT_MS per tenant).
 */
export async function fitOffThread(log: RiskAnswer[], source: string, min: { sequences: number; perClass: number }, logger?: Logger): Promise<ReturnType<typeof riskModelFor>> {
  const ext = path.extname(fileURLToPath(import.meta.url));
  if (ext === '.js') {
    try {
      return await new Promise((resolve, reject) => {
        const w = new Worker(new URL('./risk.worker.js', import.meta.url), { workerData: { log, source, min } });
        w.once('message', (m: ReturnType<typeof riskModelFor>) => {
          resolve(m);
          void w.terminate();
        });
        w.once('error', reject);
        w.once('exit', (code) => reject(new Error(`risk fit worker exited with code ${code}`)));
      });
    } catch (err) {
      logger?.warn({ err }, 'risk model fit in a worker thread failed; fitting in this thread');
    }
  }
  return riskModelFor(log, { source }, min);
}

/**
 * The tenant's answer stream for fitting: every counted answer of every student, each student's in the order
 * given (one row per tagged skill). Students are learners of any activity of the tenant.
 */
export async function tenantLog(pool: pg.Pool, tenantId: string): Promise<RiskAnswer[]> {
  const { rows } = await pool.query<{ user_id: string; skills: string[]; correct: boolean; hints_used: number; time_ms: number | null }>(
    `SELECT user_id, skills, correct, hints_used, time_ms FROM attempts
     WHERE tenant_id = $1 AND counted AND kind = 'answer' ORDER BY user_id, id`,
    [tenantId],
  );
  const out: RiskAnswer[] = [];
  for (const r of rows) {
    for (const skill of new Set(r.skills)) {
      const a: RiskAnswer = { student: r.user_id, skill, correct: r.correct, hints: r.hints_used };
      if (r.time_ms !== null) a.ms = r.time_ms;
      out.push(a);
    }
  }
  return out;
}
