import type { Queryable } from '../db/index.js';
import type { LearnerState } from '../engine/index.js';
import type { PracticeSession } from './session.js';

export type { Assignment } from '../assignments/assignment.repository.js';

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
  /** The practice session (src/practice/session.ts): goal, items seen, points; null before the first. */
  session?: PracticeSession | null;
}

export interface LearnerKey {
  tenantId: string;
  resourceLinkId: string;
  userId: string;
}

/** A learner row as read, with the version every write of it must match (optimistic concurrency). */
export interface VersionedLearner extends LearnerRow {
  version: number;
}

type LearnerDbRow = { state: LearnerState; current: CurrentQuestion | null; answered: number; version: string; session: PracticeSession | null };
const toLearner = (r: LearnerDbRow): VersionedLearner => ({ state: r.state, current: r.current, answered: r.answered, version: Number(r.version), session: r.session ?? null });
const sessionJson = (row: LearnerRow): string | null => (row.session ? JSON.stringify(row.session) : null);

/** The learner row of (tenant, assignment, user), or null. No lock: writes check the version instead. */
export async function readLearner(db: Queryable, k: LearnerKey): Promise<VersionedLearner | null> {
  const { rows } = await db.query<LearnerDbRow>({
    name: 'practice-read-learner',
    text: 'SELECT state, current, answered, version, session FROM learner_states WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3',
    values: [k.tenantId, k.resourceLinkId, k.userId],
  });
  return rows[0] ? toLearner(rows[0]) : null;
}

/** Creates the learner row if it is missing and returns the stored one. */
export async function createLearner(db: Queryable, k: LearnerKey, fresh: LearnerState): Promise<VersionedLearner> {
  const { rows } = await db.query<LearnerDbRow>({
    name: 'practice-create-learner',
    text: `INSERT INTO learner_states(tenant_id, resource_link_id, user_id, state) VALUES ($1,$2,$3,$4) ON CONFLICT DO NOTHING
     RETURNING state, current, answered, version, session`,
    values: [k.tenantId, k.resourceLinkId, k.userId, JSON.stringify(fresh)],
  });
  if (rows[0]) return toLearner(rows[0]);
  const again = await readLearner(db, k);
  if (!again) throw new Error('learner row vanished while being created');
  return again;
}

/** Writes the learner row if nobody else wrote it since it was read at `row.version`; false on a conflict. */
export async function updateLearner(db: Queryable, k: LearnerKey, row: VersionedLearner): Promise<boolean> {
  const { rowCount } = await db.query({
    name: 'practice-update-learner',
    text: `UPDATE learner_states SET state = $4, current = $5, answered = $6, session = $8, version = version + 1, updated_at = now()
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND version = $7`,
    values: [k.tenantId, k.resourceLinkId, k.userId, JSON.stringify(row.state), row.current ? JSON.stringify(row.current) : null, row.answered, row.version, sessionJson(row)],
  });
  return rowCount === 1;
}

/**
 * What the answer path reads, in one round trip: the learner row, the submission if this user already
 * sent it (any assignment of the tenant, for idempotent replays) and the answered item's calibration.
 */
export async function readForAnswer(
  db: Queryable,
  k: LearnerKey,
  submissionId: string,
  packId: string,
  itemId: string,
): Promise<{ learner: VersionedLearner | null; seen: { resourceLinkId: string; result: unknown } | null; stat: { difficulty: number; answers: number } | undefined }> {
  const { rows } = await db.query<LearnerDbRow & { has_learner: boolean; seen_link: string | null; seen_result: unknown; difficulty: number | null; item_answers: number | null }>({
    name: 'practice-read-answer',
    text: `SELECT l.tenant_id IS NOT NULL AS has_learner, l.state, l.current, l.answered, l.version, l.session,
            s.resource_link_id AS seen_link, s.result AS seen_result, i.difficulty, i.answers AS item_answers
     FROM (SELECT 1) AS one
     LEFT JOIN learner_states l ON l.tenant_id = $1 AND l.resource_link_id = $2 AND l.user_id = $3
     LEFT JOIN attempts s ON s.tenant_id = $1 AND s.user_id = $3 AND s.submission_id = $4
     LEFT JOIN item_stats i ON i.tenant_id = $1 AND i.pack_id = $5 AND i.item_id = $6`,
    values: [k.tenantId, k.resourceLinkId, k.userId, submissionId, packId, itemId],
  });
  const r = rows[0];
  return {
    learner: r.has_learner ? toLearner(r) : null,
    seen: r.seen_link !== null ? { resourceLinkId: r.seen_link, result: r.seen_result } : null,
    stat: r.difficulty !== null && r.item_answers !== null ? { difficulty: r.difficulty, answers: r.item_answers } : undefined,
  };
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
  /** The student's self-rating of confidence with the answer (1 guessing, 2 unsure, 3 sure), if given. */
  confidence?: number | null;
  /** "I don't know": recorded as a wrong answer without a response. */
  skipped?: boolean;
}

/** The answered item's calibration change: the difficulty for a new row, the step for an existing one. */
export interface ItemStatChange {
  difficulty: number;
  delta: number;
  correct: boolean;
}

/** Difficulties stay in this range (as calibrateItem keeps them). */
const DIFFICULTY_LIMIT = 4;

/** Extra writes of a submission, all conditional on the attempt being appended. */
export interface SubmissionWrites {
  itemStat?: ItemStatChange;
  /**
   * A data-modifying CTE body that upserts LMS score rows from a JSON parameter. No NOTIFY here: it would
   * serialise every answer's commit (the caller wakes delivery after the commit, see grades/notify.ts).
   */
  scores?: { rows: unknown[]; upsert: (param: string, guard: string) => string };
}

/**
 * Records a submission in ONE statement (so one atomic transaction and one round trip): if the learner
 * row still has the version that was read, appends the attempt unless its submission id is recorded
 * already, and only then writes the new learner state, the item's calibration step and the LMS score
 * rows. Returns 'conflict' when someone else wrote the
 * learner row first (read again and retry) and 'duplicate' when the submission id was already recorded.
 */
export async function recordSubmission(db: Queryable, k: LearnerKey, learner: VersionedLearner, attempt: AttemptRow, extra: SubmissionWrites = {}): Promise<'recorded' | 'conflict' | 'duplicate'> {
  const a = attempt;
  const params: unknown[] = [
    k.tenantId, k.resourceLinkId, k.userId, learner.version,
    a.packId, a.itemId, a.seed, a.skills, a.kind, a.tryNumber, a.counted, JSON.stringify(a.response ?? null), a.correct, a.score,
    a.hintsUsed, a.timeMs, a.difficulty, a.remediates, a.submissionId, JSON.stringify(a.result), a.answeredAt,
    JSON.stringify(learner.state), learner.current ? JSON.stringify(learner.current) : null, learner.answered,
    sessionJson(learner), a.confidence ?? null, a.skipped ?? false,
  ];
  const ctes = [
    `ok AS (SELECT 1 FROM learner_states WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND version = $4 FOR UPDATE)`,
    `att AS (INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, seed, skills, kind, try_number, counted, response, correct,
       score, hints_used, time_ms, difficulty, remediates, submission_id, result, answered_at, confidence, skipped)
     SELECT $1, $2, $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $26, $27 FROM ok
     ON CONFLICT (tenant_id, user_id, submission_id) DO NOTHING RETURNING 1)`,
    `upd AS (UPDATE learner_states SET state = $22, current = $23, answered = $24, session = $25, version = version + 1, updated_at = now()
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND EXISTS (SELECT 1 FROM att) RETURNING 1)`,
  ];
  if (extra.itemStat) {
    const s = extra.itemStat;
    params.push(s.difficulty, s.delta, s.correct ? 1 : 0);
    const [d, delta, c] = [params.length - 2, params.length - 1, params.length];
    ctes.push(`st AS (INSERT INTO item_stats(tenant_id, pack_id, item_id, difficulty, answers, correct) SELECT $1, $5, $6, $${d}, 1, $${c} FROM att
     ON CONFLICT (tenant_id, pack_id, item_id) DO UPDATE SET
       difficulty = LEAST(GREATEST(item_stats.difficulty + $${delta}::double precision, -${DIFFICULTY_LIMIT}), ${DIFFICULTY_LIMIT}),
       answers = item_stats.answers + 1, correct = item_stats.correct + EXCLUDED.correct RETURNING 1)`);
  }
  if (extra.scores?.rows.length) {
    params.push(JSON.stringify(extra.scores.rows));
    ctes.push(`ob AS (${extra.scores.upsert(`$${params.length}`, ' CROSS JOIN att')})`);
  }
  const { rows } = await db.query<{ locked: number; inserted: number }>({
    // Named, so each pooled connection parses and plans this statement once (three shapes at most).
    name: `practice-record-${extra.itemStat ? 's' : ''}${extra.scores?.rows.length ? 'o' : ''}`,
    text: `WITH ${ctes.join(',\n')}
     SELECT (SELECT count(*) FROM ok)::int AS locked, (SELECT count(*) FROM att)::int AS inserted`,
    values: params,
  });
  if (!rows[0].locked) return 'conflict';
  return rows[0].inserted ? 'recorded' : 'duplicate';
}

/** One submission to record: the learner row as read, the attempt, and its extra writes. */
export interface Submission {
  key: LearnerKey;
  learner: VersionedLearner;
  attempt: AttemptRow;
  extra?: SubmissionWrites;
}
export type RecordOutcome = 'recorded' | 'conflict' | 'duplicate';

/**
 * Records several submissions of DIFFERENT students in ONE statement (one transaction, one commit): each
 * with exactly the guarantees of `recordSubmission` (its own version guard, idempotent by submission id,
 * attempt + learner state + calibration step + LMS score rows all or nothing for that submission). A
 * commit costs PostgreSQL far more than the rows it carries, so under load this is most of an answer's
 * database cost (see SubmissionWriter). Callers must not put two submissions of one user (tenant, user)
 * in one batch. Learner rows are locked in key order and item rows in key order, so two batches of
 * different processes wait for each other rather than deadlock. Outcomes come back in input order.
 */
export async function recordSubmissions(db: Queryable, subs: readonly Submission[]): Promise<RecordOutcome[]> {
  const input = subs.map((s, i) => {
    const a = s.attempt;
    const st = s.extra?.itemStat;
    return {
      i, tenant_id: s.key.tenantId, resource_link_id: s.key.resourceLinkId, user_id: s.key.userId, version: s.learner.version,
      pack_id: a.packId, item_id: a.itemId, seed: a.seed, skills: a.skills, kind: a.kind, try_number: a.tryNumber, counted: a.counted,
      response: a.response ?? null, correct: a.correct, score: a.score, hints_used: a.hintsUsed, time_ms: a.timeMs, difficulty: a.difficulty,
      remediates: a.remediates, submission_id: a.submissionId, result: a.result, answered_at: a.answeredAt,
      state: s.learner.state, current: s.learner.current, answered: s.learner.answered, session: s.learner.session ?? null,
      confidence: a.confidence ?? null, skipped: a.skipped ?? false,
      stat_base: st ? st.difficulty - st.delta : null, stat_delta: st ? st.delta : null, stat_correct: st ? (st.correct ? 1 : 0) : null,
      scores: s.extra?.scores?.rows.length ? s.extra.scores.rows : null,
    };
  });
  const upsert = subs.find((s) => s.extra?.scores?.rows.length)?.extra?.scores?.upsert;
  const scoreRows = `(SELECT coalesce(jsonb_agg(e), '[]'::jsonb) FROM done CROSS JOIN LATERAL jsonb_array_elements(done.scores) AS e WHERE done.scores IS NOT NULL)`;
  const { rows } = await db.query<{ i: number; locked: boolean; inserted: boolean }>({
    // Named, so each pooled connection parses and plans it once (two shapes: with and without score rows).
    name: upsert ? 'practice-record-batch-o' : 'practice-record-batch',
    text: `WITH inp AS (
       SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(i int, tenant_id text, resource_link_id text, user_id text, version bigint,
         pack_id text, item_id text, seed bigint, skills text[], kind text, try_number int, counted boolean, response jsonb, correct boolean,
         score double precision, hints_used int, time_ms int, difficulty double precision, remediates text, submission_id text, result jsonb,
         answered_at timestamptz, state jsonb, current jsonb, answered int, session jsonb, confidence smallint, skipped boolean,
         stat_base double precision, stat_delta double precision, stat_correct int, scores jsonb)),
     ok AS (SELECT inp.i FROM inp JOIN learner_states l
         ON l.tenant_id = inp.tenant_id AND l.resource_link_id = inp.resource_link_id AND l.user_id = inp.user_id AND l.version = inp.version
       ORDER BY l.tenant_id, l.resource_link_id, l.user_id FOR UPDATE OF l),
     att AS (INSERT INTO attempts(tenant_id, resource_link_id, user_id, pack_id, item_id, seed, skills, kind, try_number, counted, response, correct,
         score, hints_used, time_ms, difficulty, remediates, submission_id, result, answered_at, confidence, skipped)
       SELECT tenant_id, resource_link_id, user_id, pack_id, item_id, seed, skills, kind, try_number, counted, response, correct,
         score, hints_used, time_ms, difficulty, remediates, submission_id, result, answered_at, confidence, coalesce(skipped, false) FROM inp WHERE i IN (SELECT i FROM ok)
       ON CONFLICT (tenant_id, user_id, submission_id) DO NOTHING RETURNING tenant_id, user_id, submission_id),
     done AS (SELECT inp.* FROM inp JOIN att ON att.tenant_id = inp.tenant_id AND att.user_id = inp.user_id AND att.submission_id = inp.submission_id),
     upd AS (UPDATE learner_states l SET state = d.state, current = d.current, answered = d.answered, session = d.session, version = l.version + 1, updated_at = now()
       FROM done d WHERE l.tenant_id = d.tenant_id AND l.resource_link_id = d.resource_link_id AND l.user_id = d.user_id RETURNING 1),
     agg AS (SELECT tenant_id, pack_id, item_id, max(stat_base) AS base, sum(stat_delta) AS delta, count(*)::int AS n, sum(stat_correct)::int AS c
       FROM done WHERE stat_delta IS NOT NULL GROUP BY tenant_id, pack_id, item_id ORDER BY tenant_id, pack_id, item_id),
     st AS (INSERT INTO item_stats(tenant_id, pack_id, item_id, difficulty, answers, correct)
       SELECT tenant_id, pack_id, item_id, LEAST(GREATEST(base + delta, -${DIFFICULTY_LIMIT}), ${DIFFICULTY_LIMIT}), n, c FROM agg
       ON CONFLICT (tenant_id, pack_id, item_id) DO UPDATE SET
         difficulty = LEAST(GREATEST(item_stats.difficulty
           + (SELECT a.delta FROM agg a WHERE a.tenant_id = EXCLUDED.tenant_id AND a.pack_id = EXCLUDED.pack_id AND a.item_id = EXCLUDED.item_id),
           -${DIFFICULTY_LIMIT}), ${DIFFICULTY_LIMIT}),
         answers = item_stats.answers + EXCLUDED.answers, correct = item_stats.correct + EXCLUDED.correct RETURNING 1)${upsert ? `,
     ob AS (${upsert(scoreRows, '')})` : ''}
     SELECT inp.i, EXISTS (SELECT 1 FROM ok WHERE ok.i = inp.i) AS locked, EXISTS (SELECT 1 FROM done WHERE done.i = inp.i) AS inserted FROM inp`,
    values: [JSON.stringify(input)],
  });
  const out: RecordOutcome[] = new Array(subs.length).fill('conflict');
  for (const r of rows) out[r.i] = !r.locked ? 'conflict' : r.inserted ? 'recorded' : 'duplicate';
  return out;
}

export async function itemStats(db: Queryable, tenantId: string, packId: string): Promise<Map<string, { difficulty: number; answers: number }>> {
  const { rows } = await db.query<{ item_id: string; difficulty: number; answers: number }>(
    'SELECT item_id, difficulty, answers FROM item_stats WHERE tenant_id = $1 AND pack_id = $2',
    [tenantId, packId],
  );
  return new Map(rows.map((r) => [r.item_id, { difficulty: r.difficulty, answers: r.answers }]));
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

/**
 * The attempts that shaped a learner's state, in order (first tries and studied worked examples): what
 * the engine's replay() rebuilds the state from when a stored one is of an older format.
 */
export async function learnerAttempts(db: Queryable, k: LearnerKey): Promise<{ item_id: string; skills: string[]; kind: 'answer' | 'worked_example'; correct: boolean; score: number; hints_used: number; difficulty: number | null; remediates: string | null; answered_at: Date }[]> {
  const { rows } = await db.query(
    `SELECT item_id, skills, kind, correct, score, hints_used, difficulty, remediates, answered_at FROM attempts
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND counted ORDER BY id`,
    [k.tenantId, k.resourceLinkId, k.userId],
  );
  return rows;
}

/** A question the student finished without getting it right (their last try wrong, or "I don't know"). */
export interface MistakeRow {
  itemId: string;
  seed: number;
  packId: string;
  response: unknown;
  skipped: boolean;
  answeredAt: Date;
}

/**
 * The questions of one assignment the student finished wrong, newest first (one row per question: the try that
 * finished it). Tenant, assignment and user scoped.
 */
export async function mistakes(db: Queryable, k: LearnerKey, limit = 50): Promise<MistakeRow[]> {
  const { rows } = await db.query<{ item_id: string; seed: string; pack_id: string; response: unknown; skipped: boolean; answered_at: Date }>(
    `SELECT item_id, seed, pack_id, response, skipped, answered_at FROM attempts
     WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = $3 AND kind = 'answer' AND NOT correct
       AND (result->>'finished')::boolean IS TRUE
     ORDER BY id DESC LIMIT $4`,
    [k.tenantId, k.resourceLinkId, k.userId, limit],
  );
  return rows.map((r) => ({ itemId: r.item_id, seed: Number(r.seed), packId: r.pack_id, response: r.response, skipped: r.skipped, answeredAt: r.answered_at }));
}
