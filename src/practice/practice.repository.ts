import type { Queryable, Tx } from '../db/index.js';
import type { LearnerState } from '../engine/index.js';

/** An assignment: what one resource link practises. */
export interface Assignment {
  tenantId: string;
  resourceLinkId: string;
  packId: string;
  skills: string[];
  threshold: number;
  targetSuccess: number;
  allowChoice: boolean;
  points: number;
  perSkillColumns: boolean;
  title: string | null;
}

/** The question on a student's screen, kept with the learner state so a relaunch resumes it. */
export interface CurrentQuestion {
  kind: 'question' | 'worked_example';
  itemId: string;
  seed: number;
  skill: string | null;
  reason: { code: string; skill: string | null; related: string[] };
  remediates: string | null;
  servedAt: number;
  hints: number;
  tries: number;
  finished: boolean;
  /** Fresh id for the next submission of this question (idempotency key of the form). */
  submissionId: string;
}

export interface LearnerRow {
  state: LearnerState;
  current: CurrentQuestion | null;
  answered: number;
}

type AssignmentRow = {
  tenant_id: string; resource_link_id: string; pack_id: string; skills: string[]; threshold: number; target_success: number;
  allow_choice: boolean; points: number; per_skill_columns: boolean; title: string | null;
};
const toAssignment = (r: AssignmentRow): Assignment => ({
  tenantId: r.tenant_id,
  resourceLinkId: r.resource_link_id,
  packId: r.pack_id,
  skills: r.skills,
  threshold: r.threshold,
  targetSuccess: r.target_success,
  allowChoice: r.allow_choice,
  points: r.points,
  perSkillColumns: r.per_skill_columns,
  title: r.title,
});

export async function findAssignment(db: Queryable, tenantId: string, resourceLinkId: string): Promise<Assignment | null> {
  const { rows } = await db.query<AssignmentRow>('SELECT * FROM assignments WHERE tenant_id = $1 AND resource_link_id = $2', [tenantId, resourceLinkId]);
  return rows[0] ? toAssignment(rows[0]) : null;
}

export async function saveAssignment(db: Queryable, a: Assignment, by: string | null): Promise<Assignment> {
  const { rows } = await db.query<AssignmentRow>(
    `INSERT INTO assignments(tenant_id, resource_link_id, pack_id, skills, threshold, target_success, allow_choice, points, per_skill_columns, title, configured_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
     ON CONFLICT (tenant_id, resource_link_id) DO UPDATE SET pack_id = EXCLUDED.pack_id, skills = EXCLUDED.skills, threshold = EXCLUDED.threshold,
       target_success = EXCLUDED.target_success, allow_choice = EXCLUDED.allow_choice, points = EXCLUDED.points,
       per_skill_columns = EXCLUDED.per_skill_columns, title = EXCLUDED.title, configured_by = EXCLUDED.configured_by, updated_at = now()
     RETURNING *`,
    [a.tenantId, a.resourceLinkId, a.packId, a.skills, a.threshold, a.targetSuccess, a.allowChoice, a.points, a.perSkillColumns, a.title, by],
  );
  return toAssignment(rows[0]);
}

/** The custom parameters the LMS sent with the resource link (lowercased keys). */
export async function resourceLinkCustom(db: Queryable, tenantId: string, resourceLinkId: string): Promise<{ custom: Record<string, string>; title: string | null }> {
  const { rows } = await db.query<{ custom: Record<string, string>; title: string | null }>(
    'SELECT custom, title FROM resource_links WHERE tenant_id = $1 AND id = $2',
    [tenantId, resourceLinkId],
  );
  return rows[0] ?? { custom: {}, title: null };
}

/** Locks (creating if needed) the learner row of (tenant, assignment, user) for this transaction. */
export async function lockLearner(tx: Tx, tenantId: string, resourceLinkId: string, userId: string, fresh: LearnerState): Promise<LearnerRow> {
  const select = () =>
    tx.query<LearnerRow>(
      'SELECT state, current, answered FROM learner_states WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 FOR UPDATE',
      [tenantId, resourceLinkId, userId],
    );
  const found = await select();
  if (found.rows[0]) return found.rows[0];
  await tx.query(
    `INSERT INTO learner_states(tenant_id, resource_link_id, user_id, state) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING`,
    [tenantId, resourceLinkId, userId, JSON.stringify(fresh)],
  );
  return (await select()).rows[0];
}

export async function saveLearner(tx: Tx, tenantId: string, resourceLinkId: string, userId: string, row: LearnerRow): Promise<void> {
  await tx.query(
    `UPDATE learner_states SET state = $4, current = $5, answered = $6, updated_at = now()
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3`,
    [tenantId, resourceLinkId, userId, JSON.stringify(row.state), row.current ? JSON.stringify(row.current) : null, row.answered],
  );
}

export interface AttemptRow {
  tenantId: string;
  resourceLinkId: string;
  userId: string;
  packId: string;
  itemId: string;
  seed: number;
  skills: string[];
  kind: 'answer' | 'worked_example';
  tryNumber: number;
  counted: boolean;
  response: unknown;
  correct: boolean;
  score: number;
  hintsUsed: number;
  timeMs: number | null;
  difficulty: number | null;
  remediates: string | null;
  submissionId: string;
  result: unknown;
  answeredAt: Date;
}

/** Appends an attempt; returns false when this submission id was already recorded (idempotent). */
export async function appendAttempt(tx: Tx, a: AttemptRow): Promise<boolean> {
  const { rowCount } = await tx.query(
    `INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, seed, skills, kind, try_number, counted, response, correct, score,
       hints_used, time_ms, difficulty, remediates, submission_id, result, answered_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)
     ON CONFLICT (tenant_id, user_id, submission_id) DO NOTHING`,
    [a.tenantId, a.resourceLinkId, a.userId, a.packId, a.itemId, a.seed, a.skills, a.kind, a.tryNumber, a.counted, JSON.stringify(a.response ?? null),
      a.correct, a.score, a.hintsUsed, a.timeMs, a.difficulty, a.remediates, a.submissionId, JSON.stringify(a.result), a.answeredAt],
  );
  return rowCount === 1;
}

/** A recorded submission of this user (any assignment of the tenant), for idempotent replays. */
export async function findSubmission(db: Queryable, tenantId: string, userId: string, submissionId: string): Promise<{ resourceLinkId: string; result: unknown } | null> {
  const { rows } = await db.query<{ resource_link_id: string; result: unknown }>(
    'SELECT resource_link_id, result FROM attempts WHERE tenant_id = $1 AND user_id = $2 AND submission_id = $3',
    [tenantId, userId, submissionId],
  );
  return rows[0] ? { resourceLinkId: rows[0].resource_link_id, result: rows[0].result } : null;
}

export async function itemStats(db: Queryable, tenantId: string, packId: string): Promise<Map<string, { difficulty: number; answers: number }>> {
  const { rows } = await db.query<{ item_id: string; difficulty: number; answers: number }>(
    'SELECT item_id, difficulty, answers FROM item_stats WHERE tenant_id = $1 AND pack_id = $2',
    [tenantId, packId],
  );
  return new Map(rows.map((r) => [r.item_id, { difficulty: r.difficulty, answers: r.answers }]));
}

/** One item's calibration (the answer path needs only the answered item's). */
export async function itemStat(db: Queryable, tenantId: string, packId: string, itemId: string): Promise<{ difficulty: number; answers: number } | undefined> {
  const { rows } = await db.query<{ difficulty: number; answers: number }>(
    'SELECT difficulty, answers FROM item_stats WHERE tenant_id = $1 AND pack_id = $2 AND item_id = $3',
    [tenantId, packId, itemId],
  );
  return rows[0];
}

export async function saveItemStat(tx: Tx, tenantId: string, packId: string, itemId: string, stat: { difficulty: number; answers: number }, correct: boolean): Promise<void> {
  await tx.query(
    `INSERT INTO item_stats(tenant_id, pack_id, item_id, difficulty, answers, correct) VALUES ($1,$2,$3,$4,$5,$6)
     ON CONFLICT (tenant_id, pack_id, item_id) DO UPDATE SET difficulty = EXCLUDED.difficulty, answers = EXCLUDED.answers,
       correct = item_stats.correct + EXCLUDED.correct`,
    [tenantId, packId, itemId, stat.difficulty, stat.answers, correct ? 1 : 0],
  );
}

/** Every learner's state of one assignment, with names where the launch gave them (instructor view). */
export async function classStates(db: Queryable, tenantId: string, resourceLinkId: string): Promise<{ userId: string; name: string | null; state: LearnerState; answered: number; updatedAt: Date }[]> {
  const { rows } = await db.query<{ user_id: string; name: string | null; state: LearnerState; answered: number; updated_at: Date }>(
    `SELECT l.user_id, u.name, l.state, l.answered, l.updated_at FROM learner_states l
     LEFT JOIN users u ON u.tenant_id = l.tenant_id AND u.id = l.user_id
     WHERE l.tenant_id = $1 AND l.resource_link_id = $2 ORDER BY u.name NULLS LAST, l.user_id`,
    [tenantId, resourceLinkId],
  );
  return rows.map((r) => ({ userId: r.user_id, name: r.name, state: r.state, answered: r.answered, updatedAt: r.updated_at }));
}
