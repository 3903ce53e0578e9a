import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PackEntry } from '../content/catalog.js';
import { upgradeState, type LearnerState } from '../engine/index.js';
import type { Assignment } from '../practice/practice.repository.js';
import { configOf } from '../practice/progress.js';
import type { RiskModels } from './risk.service.js';
import { summariseLearner, type LearnerSummary, type SkillSummary, type StoredRisk, type StoredStatus, type SummaryAttempt } from './summary.js';

/** Learners summarised per statement (a batch reads their state and attempt log, then writes their rows). */
const BATCH = 25;
/** Learners summarised between two yields to the event loop (requests of this process go in between). */
const SLICE = 4;
/**
 * Up to this many learners changed since the last refresh are summarised before the class view answers, so
 * the page a teacher opens is current. More (a class answering right now) are summarised in the background
 * while the view shows the previous summaries: the page stays fast and the next live update (10 s) is current.
 */
const SYNC_LIMIT = 8;
/** A background refresh of one activity starts at most this often (the page's live update polls every 10 s). */
const BACKGROUND_EVERY_MS = 5_000;

/** A learner's stored summary with the name the launch gave (instructor view). */
export interface StoredLearner {
  userId: string;
  name: string | null;
  answers: number;
  timeMs: number;
  lastAt: number | null;
  skills: SkillSummary[];
}

/**
 * The class view's summaries (tables class_summaries and class_summary_learners; this module is their only
 * writer). Refreshed incrementally, not by the answer path: a learner row whose version differs from the one
 * summarised (or whose basis changed: risk model, the activity's skills or threshold, the pack's model) is
 * summarised again from its state and attempt log.
 *
 * Why not from the answer path: an answer is the hot path (one batched statement per commit, see
 * practice/submission-writer), a class view is read rarely; refreshing on read costs one index scan of the
 * activity's learner rows (versions only) per view and work only for students who answered since, and needs
 * no change to the answer path. Several processes may refresh at once: writes are idempotent and never
 * replace a newer version's summary.
 */
export class SummaryStore {
  private running = new Map<string, Promise<void>>();
  /** When this process last started a background refresh of each activity. */
  private lastBackground = new Map<string, number>();
  /**
   * Per activity: until when this process does not look for changed learners again (clock ms). Set when a class
   * is answering right now (too many changed learners to wait for): no refresh could start before then anyway
   * (BACKGROUND_EVERY_MS), so views and polls meanwhile skip the look (a query over every learner row of the
   * activity) and show the summaries as they are. Cleared when this process's background refresh ends.
   */
  private holdUntil = new Map<string, number>();

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock; risk: RiskModels; log?: Logger; syncLimit?: number }) {}

  /** What the summaries of this activity depend on besides the learner rows. */
  private async basis(a: Assignment, cache: PackEntry): Promise<{ tag: string; model: Awaited<ReturnType<RiskModels['modelFor']>> }> {
    const model = await this.deps.risk.modelFor(a.tenantId);
    const h = crypto.createHash('sha256').update(JSON.stringify([a.packId, a.skills, a.threshold, cache.modelVersion])).digest('hex').slice(0, 12);
    return { tag: `${model.id}:${h}`, model };
  }

  /**
   * Brings the activity's summaries up to date: waits for it when few learners changed (or none was ever
   * summarised); else summarises them in the background, at most once per BACKGROUND_EVERY_MS per activity and by
   * one process at a time (an advisory lock), while views show the summaries as they are. A class answering right
   * now changes nearly every learner between two views: this bounds what keeping up costs the web processes.
   */
  async refresh(a: Assignment, cache: PackEntry, opts: { wait?: boolean } = {}): Promise<void> {
    const key = `${a.tenantId}\u0000${a.resourceLinkId}`;
    const running = this.running.get(key);
    if (running) {
      if (opts.wait) await running;
      return;
    }
    if (!opts.wait && this.held(a)) return;
    const { tag, model } = await this.basis(a, cache);
    const stale = await staleLearners(this.deps.pool, a.tenantId, a.resourceLinkId, tag);
    if (!stale.users.length) return;
    const sync = opts.wait || stale.users.length <= (this.deps.syncLimit ?? SYNC_LIMIT) || stale.summarised === 0;
    const now = this.deps.clock.now();
    if (!sync) {
      const last = this.lastBackground.get(key) ?? -Infinity;
      if (now - last < BACKGROUND_EVERY_MS) {
        this.holdUntil.set(key, last + BACKGROUND_EVERY_MS);
        return;
      }
      this.lastBackground.set(key, now);
      this.holdUntil.set(key, now + BACKGROUND_EVERY_MS);
    }
    const run = async () => {
      for (let i = 0; i < stale.users.length; i += BATCH) {
        await this.summarise(a, cache, stale.users.slice(i, i + BATCH), tag, model.model);
      }
    };
    // The lock is named by text without NUL (PostgreSQL text cannot hold one: a NUL in it failed every background refresh).
    const work = (sync ? run() : this.exclusive(`class-summary:${JSON.stringify([a.tenantId, a.resourceLinkId])}`, run)).finally(() => {
      this.running.delete(key);
      if (!sync) this.holdUntil.delete(key);
    });
    this.running.set(key, work);
    if (sync) await work;
    else work.catch((err) => this.deps.log?.warn({ err }, 'class summary refresh failed'));
  }

  /** Whether this process is holding off looking for changed learners of the activity (see holdUntil). */
  held(a: Assignment): boolean {
    const key = `${a.tenantId}\u0000${a.resourceLinkId}`;
    const until = this.holdUntil.get(key);
    if (until === undefined) return false;
    if (this.deps.clock.now() < until) return true;
    this.holdUntil.delete(key);
    return false;
  }

  /** Runs `fn` unless another process holds the same advisory lock (then skips: that process is doing it). */
  private async exclusive(name: string, fn: () => Promise<void>): Promise<void> {
    const client = await this.deps.pool.connect();
    try {
      const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [name]);
      if (!rows[0]?.ok) return;
      try {
        await fn();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      }
    } finally {
      client.release();
    }
  }

  /** Summarises these learners from one consistent read of their rows and attempts, and writes the rows. */
  private async summarise(a: Assignment, cache: PackEntry, users: string[], tag: string, model: Parameters<typeof summariseLearner>[0]['model']): Promise<void> {
    const cfg = configOf(a, cache);
    const client = await this.deps.pool.connect();
    let learners: { user_id: string; version: string; state: LearnerState }[];
    let attempts: { user_id: string; skills: string[]; kind: 'answer' | 'worked_example'; counted: boolean; correct: boolean; hints_used: number; time_ms: number | null; at: string }[];
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      learners = (await client.query(
        `SELECT user_id, version, state FROM learner_states WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = ANY($3)`,
        [a.tenantId, a.resourceLinkId, users],
      )).rows;
      attempts = (await client.query(
        `SELECT user_id, skills, kind, counted, correct, hints_used, time_ms, (extract(epoch from answered_at) * 1000)::float8::text AS at
         FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = ANY($3) ORDER BY user_id, id`,
        [a.tenantId, a.resourceLinkId, users],
      )).rows;
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
    const byUser = new Map<string, SummaryAttempt[]>();
    for (const r of attempts) {
      let list = byUser.get(r.user_id);
      if (!list) byUser.set(r.user_id, (list = []));
      list.push({ skills: r.skills, kind: r.kind, counted: r.counted, correct: r.correct, hints: r.hints_used, timeMs: r.time_ms, at: Number(r.at) });
    }
    const now = this.deps.clock.now();
    const out: { summary: LearnerSummary; version: number }[] = [];
    for (const [i, l] of learners.entries()) {
      if (i > 0 && i % SLICE === 0) await new Promise((r) => setImmediate(r));
      // A state of an older engine format is summarised once the practice loop rebuilds it.
      const state = upgradeState(l.state);
      if (!state) continue;
      out.push({ summary: summariseLearner({ userId: l.user_id, state, attempts: byUser.get(l.user_id) ?? [], skills: a.skills, cfg, model, asOf: now }), version: Number(l.version) });
    }
    if (out.length) await writeSummaries(this.deps.pool, a.tenantId, a.resourceLinkId, tag, out);
  }

  /** Every learner's stored summary of the activity (assigned skills only), names from the launch. */
  async read(a: Assignment): Promise<StoredLearner[]> {
    return readSummaries(this.deps.pool, a.tenantId, a.resourceLinkId, a.skills);
  }

  /** The flags' reasons and actions of these learners. */
  async flags(a: Assignment, users: readonly string[]): Promise<Map<string, Record<string, StoredRisk>>> {
    return readFlags(this.deps.pool, a.tenantId, a.resourceLinkId, users);
  }
}

/** The activity's learner rows whose summary is missing or behind (version or basis), and how many have one. */
export async function staleLearners(db: pg.Pool, tenantId: string, resourceLinkId: string, basis: string): Promise<{ users: string[]; summarised: number }> {
  const { rows } = await db.query<{ user_id: string; fresh: boolean; has: boolean }>({
    name: 'summary-stale',
    text: `SELECT l.user_id, (s.version = l.version AND s.basis = $3) AS fresh, s.user_id IS NOT NULL AS has
     FROM learner_states l LEFT JOIN class_summary_learners s
       ON s.tenant_id = l.tenant_id AND s.resource_link_id = l.resource_link_id AND s.user_id = l.user_id
     WHERE l.tenant_id = $1 AND l.resource_link_id = $2`,
    values: [tenantId, resourceLinkId, basis],
  });
  return { users: rows.filter((r) => !r.fresh).map((r) => r.user_id), summarised: rows.filter((r) => r.has).length };
}

/**
 * Writes learners' summaries in one statement: a learner's rows are replaced unless a newer version of them
 * was written meanwhile (another process's refresh).
 */
export async function writeSummaries(db: pg.Pool, tenantId: string, resourceLinkId: string, basis: string, list: { summary: LearnerSummary; version: number }[]): Promise<void> {
  const learners = list.map(({ summary: s, version }) => ({
    user_id: s.userId, version, answers: s.answers, time_ms: s.timeMs, last_at: s.lastAt === null ? null : new Date(s.lastAt).toISOString(), cells: s.skills.map(pack),
    flags: Object.fromEntries(s.skills.filter((k) => k.risk).map((k) => [k.skill, k.risk])),
  }));
  const cells = list.flatMap(({ summary: s }) => s.skills.map((k) => ({
    user_id: s.userId, skill_id: k.skill, status: k.status, mastered: k.mastered, due_at: k.dueAt === null ? null : new Date(k.dueAt).toISOString(), mastery: k.mastery,
    answers: k.answers, correct: k.correct, hints: k.hints, wrong_streak: k.wrongStreak, time_ms: k.timeMs, last_at: k.lastAt === null ? null : new Date(k.lastAt).toISOString(), risk: k.risk,
  })));
  await db.query({
    name: 'summary-write',
    text: `WITH l AS (
       INSERT INTO class_summary_learners(tenant_id, resource_link_id, user_id, version, basis, answers, time_ms, last_at, cells, flags, refreshed_at)
       SELECT $1, $2, r.user_id, r.version, $3, r.answers, r.time_ms, r.last_at, r.cells, r.flags, now()
       FROM jsonb_to_recordset($4::jsonb) AS r(user_id text, version bigint, answers int, time_ms bigint, last_at timestamptz, cells jsonb, flags jsonb)
       ON CONFLICT (tenant_id, resource_link_id, user_id) DO UPDATE SET version = EXCLUDED.version, basis = EXCLUDED.basis, answers = EXCLUDED.answers,
         time_ms = EXCLUDED.time_ms, last_at = EXCLUDED.last_at, cells = EXCLUDED.cells, flags = EXCLUDED.flags, refreshed_at = now()
       WHERE class_summary_learners.version <= EXCLUDED.version
       RETURNING user_id),
     del AS (DELETE FROM class_summaries c WHERE c.tenant_id = $1 AND c.resource_link_id = $2 AND c.user_id IN (SELECT user_id FROM l))
     INSERT INTO class_summaries(tenant_id, resource_link_id, user_id, skill_id, status, mastered, due_at, mastery, answers, correct, hints, wrong_streak, time_ms, last_at, risk)
     SELECT $1, $2, r.user_id, r.skill_id, r.status, r.mastered, r.due_at, r.mastery, r.answers, r.correct, r.hints, r.wrong_streak, r.time_ms, r.last_at, r.risk
     FROM jsonb_to_recordset($5::jsonb) AS r(user_id text, skill_id text, status text, mastered boolean, due_at timestamptz, mastery float8, answers int, correct int,
       hints int, wrong_streak int, time_ms bigint, last_at timestamptz, risk jsonb)
     WHERE r.user_id IN (SELECT user_id FROM l)
     ON CONFLICT (tenant_id, resource_link_id, user_id, skill_id) DO UPDATE SET status = EXCLUDED.status, mastered = EXCLUDED.mastered, due_at = EXCLUDED.due_at,
       mastery = EXCLUDED.mastery, answers = EXCLUDED.answers, correct = EXCLUDED.correct, hints = EXCLUDED.hints, wrong_streak = EXCLUDED.wrong_streak,
       time_ms = EXCLUDED.time_ms, last_at = EXCLUDED.last_at, risk = EXCLUDED.risk`,
    values: [tenantId, resourceLinkId, basis, JSON.stringify(learners), JSON.stringify(cells)],
  });
}

/**
 * One skill's summary packed for the learner's `cells` value, an array (6,000 of them per class view of 300 x 20):
 * [skill, state (n|p|s|m), due (s), mastery, answers, correct, hints, wrong streak, time (s), last (s), flag probability].
 * The flag's reasons and action are in `flags`, read for the students the page lists.
 */
type Packed = [string, 'n' | 'p' | 's' | 'm', number | null, number, number, number, number, number, number, number | null, number | null];
const CODE: Record<StoredStatus, Packed[1]> = { not_started: 'n', practising: 'p', struggling: 's', mastered: 'm' };
const STATUS: Record<Packed[1], StoredStatus> = { n: 'not_started', p: 'practising', s: 'struggling', m: 'mastered' };
const sec = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
const pack = (k: SkillSummary): Packed => [
  k.skill, CODE[k.status], sec(k.dueAt), Math.round(k.mastery * 1000) / 1000, k.answers, k.correct, k.hints, k.wrongStreak, Math.round(k.timeMs / 1000), sec(k.lastAt), k.risk ? k.risk.probability : null,
];
const unpack = (c: Packed): SkillSummary => ({
  skill: c[0], status: STATUS[c[1]], mastered: c[1] === 'm', dueAt: c[2] === null ? null : c[2] * 1000, mastery: c[3], answers: c[4], correct: c[5], hints: c[6],
  wrongStreak: c[7], timeMs: c[8] * 1000, lastAt: c[9] === null ? null : c[9] * 1000,
  // The reasons and action come from `flags` (readFlags) for the students shown; the probability is enough to rank.
  risk: c[10] === null ? null : { probability: c[10], atAnswer: c[4], reasons: [], action: 'worked_example' },
});

/** The stored summaries of an activity (these skills only), with each learner's name where the launch gave one: one row per learner. */
export async function readSummaries(db: pg.Pool, tenantId: string, resourceLinkId: string, skills: readonly string[]): Promise<StoredLearner[]> {
  const { rows } = await db.query<{ user_id: string; name: string | null; answers: number; time_ms: string; last_at: Date | null; cells: Packed[] }>({
    name: 'summary-read',
    text: `SELECT l.user_id, u.name, l.answers, l.time_ms, l.last_at, l.cells
     FROM class_summary_learners l LEFT JOIN users u ON u.tenant_id = l.tenant_id AND u.id = l.user_id
     WHERE l.tenant_id = $1 AND l.resource_link_id = $2 ORDER BY u.name NULLS LAST, l.user_id`,
    values: [tenantId, resourceLinkId],
  });
  const wanted = new Set(skills);
  return rows.map((r) => ({
    userId: r.user_id,
    name: r.name,
    answers: r.answers,
    timeMs: Number(r.time_ms),
    lastAt: r.last_at ? r.last_at.getTime() : null,
    skills: r.cells.filter((c) => wanted.has(c[0])).map(unpack),
  }));
}

/** The at-risk flags (reasons and action per skill) of these learners of the activity. */
export async function readFlags(db: pg.Pool, tenantId: string, resourceLinkId: string, users: readonly string[]): Promise<Map<string, Record<string, StoredRisk>>> {
  if (!users.length) return new Map();
  const { rows } = await db.query<{ user_id: string; flags: Record<string, StoredRisk> }>({
    name: 'summary-flags',
    text: 'SELECT user_id, flags FROM class_summary_learners WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = ANY($3)',
    values: [tenantId, resourceLinkId, users],
  });
  return new Map(rows.map((r) => [r.user_id, r.flags]));
}
