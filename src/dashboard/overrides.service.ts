/**
 * Teacher overrides (issue 16, item 7), the only writer of learner_overrides. One transaction changes the
 * learner state (the practice module's versioned write: it fails if the student answered meanwhile, and
 * the override is then applied again on the fresh row), appends the audit row (who, when, why) and queues
 * the student's grade in the grade outbox (the grades module's enqueueScore, which also wakes delivery).
 * What an override means for the student's later answers: see overrides.ts.
 */
import type pg from 'pg';
import { upgradeState } from '../engine/index.js';
import type { Catalog, PackEntry } from '../content/catalog.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { systemClock, type Clock } from '../clock.js';
import { withTransaction, type Queryable, type Tx } from '../db/index.js';
import { defaultGrade, enqueueScore } from '../grades/index.js';
import { badRequest, conflict, notFound } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { readLearner, updateLearner, type Assignment, type LearnerKey, type LearnerRow } from '../practice/practice.repository.js';
import { configOf, progressOf } from '../practice/progress.js';
import { masteryHistory } from './student-history.js';
import { learnerLog } from './student.service.js';
import { applyOverride, excusal, OVERRIDE_ACTIONS, SKILL_ACTIONS, type OverrideAction, type OverrideRecord } from './overrides.js';

type OverrideDbRow = {
  id: string; user_id: string; skill_id: string | null; action: OverrideAction; reason: string; by_user: string | null; by_name: string | null;
  by_role: string | null; graded: boolean; at: Date;
};
const toRecord = (r: OverrideDbRow): OverrideRecord => ({
  id: Number(r.id), userId: r.user_id, skillId: r.skill_id, action: r.action, reason: r.reason, byUser: r.by_user, byName: r.by_name, byRole: r.by_role, graded: r.graded, at: r.at,
});

/** The overrides of one learner in one activity, oldest first. */
export async function readOverrides(db: Queryable, k: LearnerKey): Promise<OverrideRecord[]> {
  const { rows } = await db.query<OverrideDbRow>(
    `SELECT id, user_id, skill_id, action, reason, by_user, by_name, by_role, graded, at FROM learner_overrides
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 ORDER BY id`,
    [k.tenantId, k.resourceLinkId, k.userId],
  );
  return rows.map(toRecord);
}

export interface OverrideRequest {
  action: OverrideAction;
  skill?: string | null;
  reason: string;
}

/** Tries when the student keeps answering while the override is written. */
const MAX_TRIES = 5;

export class OverrideService {
  private readonly clock: Clock;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      catalog: Catalog;
      assignments: AssignmentService;
      clock?: Clock;
      /** Drops the practice loop's remembered rows of a student (so their next page reads the new state). */
      forgetLearner?: (tenantId: string, userId: string) => void;
      /** Wakes grade delivery after a queued score committed. */
      scoresQueued?: () => void;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Applies one override for a student of the actor's activity; returns the audit row. */
  async apply(actor: Actor, userId: string, req: OverrideRequest): Promise<OverrideRecord> {
    if (!OVERRIDE_ACTIONS.includes(req.action)) throw badRequest('Choose what to change.');
    const reason = req.reason.trim();
    if (!reason) throw badRequest('Give a reason: it is kept with the change.');
    const a = await this.deps.assignments.get(actor);
    if (!a) throw notFound('This activity');
    const skill = SKILL_ACTIONS.includes(req.action) ? req.skill ?? null : null;
    if (SKILL_ACTIONS.includes(req.action) && (!skill || !a.skills.includes(skill))) throw badRequest('Choose a skill of this activity.');
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const key: LearnerKey = { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId };
    for (let attempt = 1; ; attempt++) {
      const out = await withTransaction(this.deps.pool, (tx) => this.once(tx, actor, a, cache, key, req.action, skill, reason));
      if (out) {
        this.deps.forgetLearner?.(actor.tenantId, userId);
        if (out.graded) this.deps.scoresQueued?.();
        return out;
      }
      if (attempt >= MAX_TRIES) throw conflict('The student is answering right now; please try again in a moment.');
    }
  }

  /** One try: null when the learner row changed since it was read (the caller tries again). */
  private async once(tx: Tx, actor: Actor, a: Assignment, cache: PackEntry, key: LearnerKey, action: OverrideAction, skill: string | null, reason: string): Promise<OverrideRecord | null> {
    const row = await readLearner(tx, key);
    if (!row) throw notFound('This student');
    const now = this.clock.now();
    const history = await readOverrides(tx, key);
    const last = await tx.query<{ at: Date | null }>(
      `SELECT max(answered_at) AS at FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND kind = 'answer'`,
      [key.tenantId, key.resourceLinkId, key.userId],
    );
    const wasExcused = excusal(history, last.rows[0]?.at ?? null).excused;
    // A state of an older engine is rebuilt from the log with the earlier overrides applied at their time.
    let state = upgradeState(row.state) ?? masteryHistory(await learnerLog(tx, key), history, a.skills, configOf(a, cache)).state;
    if (action === 'mastered' || action === 'reset') {
      state = applyOverride(state, action, skill, configOf(a, cache), now);
      if (!(await updateLearner(tx, key, { ...row, state }))) return null;
    }
    // The grade: cleared on an excusal; otherwise the student's grade on the new state (not while excused).
    let graded = false;
    if (action === 'excused') {
      await enqueueScore(tx, {
        tenantId: key.tenantId, userId: key.userId, resourceLinkId: a.resourceLinkId, scoreMaximum: a.points, activityProgress: 'Completed', gradingProgress: 'FullyGraded',
        comment: `Excused by the teacher: ${reason}`, title: a.title ?? undefined, at: new Date(now),
      });
      graded = true;
    } else if (!(wasExcused && action !== 'unexcused')) {
      await enqueueScore(tx, this.score(key, a, cache, { state, current: row.current, answered: row.answered }, now));
      graded = true;
    }
    const { rows } = await tx.query<OverrideDbRow>(
      `INSERT INTO learner_overrides (tenant_id, resource_link_id, user_id, skill_id, action, reason, by_user, by_name, by_role, graded, at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       RETURNING id, user_id, skill_id, action, reason, by_user, by_name, by_role, graded, at`,
      [key.tenantId, key.resourceLinkId, key.userId, skill, action, reason.slice(0, 500), actor.userId, actor.name ?? null, actor.role, graded, new Date(now)],
    );
    return toRecord(rows[0]!);
  }

  /** The student's score on `row`, as the answer path computes it (src/practice/answer.ts). */
  private score(key: LearnerKey, a: Assignment, cache: PackEntry, row: LearnerRow, now: number) {
    const progress = progressOf(row.state, a, cache, now);
    const skills = progress.skills.map((s) => ({ skillId: s.id, name: s.name, mastery: Math.min(1, Math.max(0, s.mastery)) }));
    const g = defaultGrade({ skills, threshold: a.threshold, points: a.points, answered: row.answered });
    return {
      tenantId: key.tenantId, userId: key.userId, resourceLinkId: a.resourceLinkId, scoreGiven: g.scoreGiven, scoreMaximum: g.scoreMaximum,
      activityProgress: g.activityProgress, gradingProgress: g.gradingProgress, comment: g.comment, title: a.title ?? undefined,
      perSkillColumns: a.perSkillColumns, skillMastery: skills, at: new Date(now),
    };
  }
}
