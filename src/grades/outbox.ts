import type { Tx } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { ActivityProgress, GradingProgress } from '../lti/ags.js';
import { nextWholeSecondSql } from './timestamps.js';

export type { ActivityProgress, GradingProgress };

/** One skill's mastery for the score comment and the optional per-skill column. */
export interface SkillMastery {
  skillId: string;
  name: string;
  /** P(known) in 0..1. */
  mastery: number;
}

/**
 * A score to publish for (tenant, user, resource link), written by the practice service in the same
 * transaction as the attempt that changed it. Field names follow AGS 2.0 §3.4.
 */
export interface ScoreInput {
  tenantId: string;
  /** The LTI `sub` of the student (AGS `userId`). */
  userId: string;
  resourceLinkId: string;
  /** Omit to send progress only (AGS 2.0 §3.4.1: scoreGiven is optional). */
  scoreGiven?: number;
  /** The assignment's points; also the line item's scoreMaximum when we create it. */
  scoreMaximum: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  /** Shown to the student in the LMS (e.g. mastery per skill); at most 1,000 characters are sent. */
  comment?: string;
  /** Label of the line item when we have to create it (default: the resource link's title). */
  title?: string;
  /** Also publish one mastery column per skill (tag `mastery`, resourceId = skill id) if the platform grants the lineitem scope. */
  perSkillColumns?: boolean;
  skillMastery?: SkillMastery[];
  /** When the answer happened; orders competing scores, and the sent timestamp is never earlier. */
  at: Date;
}

/** What the worker needs to find or create a column's line item (AGS 2.0 §3.2). */
export interface LineItemSpec {
  label: string | null;
  scoreMaximum: number;
  resourceId: string;
  tag: string;
}

/** The stored part of an AGS score; userId and timestamp are added at send time. */
export interface StoredScore {
  scoreGiven?: number;
  scoreMaximum?: number;
  comment?: string;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
}

export const MAIN_COLUMN = '';
export const skillColumn = (skillId: string) => `skill:${skillId}`;
/** Per-skill columns are scored in percent. */
export const MASTERY_COLUMN_MAXIMUM = 100;

const ACTIVITY: ActivityProgress[] = ['Initialized', 'Started', 'InProgress', 'Submitted', 'Completed'];
const GRADING: GradingProgress[] = ['FullyGraded', 'Pending', 'PendingManual', 'Failed', 'NotReady'];

const invalid = (why: string) => new AppError('invalid_score', 500, `enqueueScore: ${why}`);

function check(s: ScoreInput): void {
  for (const k of ['tenantId', 'userId', 'resourceLinkId'] as const) if (typeof s[k] !== 'string' || !s[k]) throw invalid(`${k} is required`);
  if (!(Number.isFinite(s.scoreMaximum) && s.scoreMaximum > 0)) throw invalid('scoreMaximum must be a positive number');
  if (s.scoreGiven !== undefined && !(Number.isFinite(s.scoreGiven) && s.scoreGiven >= 0)) throw invalid('scoreGiven must be a number >= 0');
  if (!ACTIVITY.includes(s.activityProgress)) throw invalid(`activityProgress must be one of ${ACTIVITY.join(', ')}`);
  if (!GRADING.includes(s.gradingProgress)) throw invalid(`gradingProgress must be one of ${GRADING.join(', ')}`);
  if (!(s.at instanceof Date) || Number.isNaN(s.at.getTime())) throw invalid('at must be a valid Date');
  for (const m of s.skillMastery ?? []) {
    if (typeof m.skillId !== 'string' || !m.skillId) throw invalid('skillMastery[].skillId is required');
    if (!(Number.isFinite(m.mastery) && m.mastery >= 0 && m.mastery <= 1)) throw invalid('skillMastery[].mastery must be in 0..1');
  }
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/** One outbox row of a score: the column, its line item (for find-or-create) and the payload. */
export interface OutboxRow {
  tenant_id: string;
  resource_link_id: string;
  column_key: string;
  user_id: string;
  spec: LineItemSpec;
  score: StoredScore;
  /** ISO time of the answer. */
  at: string;
}

/**
 * The outbox rows of a score (the main column and, when asked, one per skill). Validates the input;
 * throws on a score the LMS would refuse, so a bad rule never reaches the queue.
 */
export function outboxRows(score: ScoreInput): OutboxRow[] {
  check(score);
  const at = score.at.toISOString();
  const row = (column: string, spec: LineItemSpec, stored: StoredScore): OutboxRow => ({
    tenant_id: score.tenantId, resource_link_id: score.resourceLinkId, column_key: column, user_id: score.userId, spec, score: stored, at,
  });
  const rows: OutboxRow[] = [
    row(
      MAIN_COLUMN,
      { label: score.title ?? null, scoreMaximum: score.scoreMaximum, resourceId: score.resourceLinkId, tag: 'score' },
      {
        scoreGiven: score.scoreGiven === undefined ? undefined : round(score.scoreGiven, 4),
        scoreMaximum: score.scoreMaximum,
        activityProgress: score.activityProgress,
        gradingProgress: score.gradingProgress,
        comment: score.comment?.slice(0, 1000),
      },
    ),
  ];
  if (score.perSkillColumns) {
    for (const m of score.skillMastery ?? []) {
      rows.push(
        row(
          skillColumn(m.skillId),
          { label: `${score.title ?? m.name}: ${m.name} (mastery %)`, scoreMaximum: MASTERY_COLUMN_MAXIMUM, resourceId: m.skillId, tag: 'mastery' },
          {
            scoreGiven: round(m.mastery * MASTERY_COLUMN_MAXIMUM, 1),
            scoreMaximum: MASTERY_COLUMN_MAXIMUM,
            activityProgress: score.activityProgress,
            gradingProgress: 'FullyGraded',
            comment: `${m.name}: ${Math.round(m.mastery * 100)}% mastery`,
          },
        ),
      );
    }
  }
  return rows;
}

/** The NOTIFY channel that wakes delivery workers when a transaction with new scores commits. */
export const NOTIFY_CHANNEL = 'grade_outbox';

/**
 * Coalescing upsert of outbox rows given as one JSON array parameter (`rowsParam`, e.g. `$9`), usable as
 * a data-modifying CTE; `from` may add a guard relation (e.g. `, att` to write only if the attempt was).
 * One row per (tenant, resource link, column, user) holds the newest score. A newer answer replaces the
 * payload and bumps the version; score_ts keeps the answer time (never decreasing), and the delivery
 * claim turns it into the timestamp sent with the whole-second rule (./timestamps.ts: later than any
 * timestamp sent before in whole seconds, as Moodle demands, hence in milliseconds, as Canvas does;
 * AGS 2.0 §3.4.3). An answer older than the stored one is ignored. A row in backoff keeps its schedule
 * (new answers do not hammer an LMS that is down); a failed or delivered row becomes due now, or at the
 * next whole second after the last timestamp sent.
 */
export function outboxUpsertSql(rowsParam: string, from = ''): string {
  return `INSERT INTO grade_outbox (tenant_id, resource_link_id, column_key, user_id, line_item_spec, score, event_at, score_ts)
SELECT r.tenant_id, r.resource_link_id, r.column_key, r.user_id, r.spec, r.score, r.at, date_trunc('milliseconds', r.at)
FROM jsonb_to_recordset(${rowsParam}::jsonb) AS r(tenant_id text, resource_link_id text, column_key text, user_id text, spec jsonb, score jsonb, at timestamptz)${from}
ON CONFLICT (tenant_id, resource_link_id, column_key, user_id) DO UPDATE SET
  line_item_spec = EXCLUDED.line_item_spec,
  score = EXCLUDED.score,
  event_at = EXCLUDED.event_at,
  score_ts = GREATEST(EXCLUDED.score_ts, grade_outbox.score_ts + interval '1 millisecond'),
  version = grade_outbox.version + 1,
  attempts = CASE WHEN grade_outbox.state = 'pending' THEN grade_outbox.attempts ELSE 0 END,
  next_attempt_at = CASE WHEN grade_outbox.state = 'pending' THEN grade_outbox.next_attempt_at ELSE GREATEST(now(), ${nextWholeSecondSql('grade_outbox.ts_floor')}) END,
  state = 'pending',
  updated_at = now()
WHERE EXCLUDED.event_at >= grade_outbox.event_at
RETURNING 1`;
}

/** A CTE (named `notified`) that wakes the delivery workers at commit when the CTE `upserted` wrote a row. */
const notifySql = (upserted: string) =>
  `notified AS (SELECT pg_notify('${NOTIFY_CHANNEL}', '') FROM (SELECT 1 FROM ${upserted} LIMIT 1) AS any_row)`;

const ENQUEUE = `WITH up AS (${outboxUpsertSql('$1')}), ${notifySql('up')}
SELECT (SELECT count(*) FROM up)::int AS queued, (SELECT count(*) FROM notified)::int AS notified`;

/**
 * Queues a score (and, when asked, the per-skill mastery scores) for delivery to the LMS. Must run in
 * the transaction that records the attempt: if that transaction commits, the grade will be delivered
 * (retried until the LMS takes it or the row is dead-lettered); if it rolls back, nothing is sent.
 * It never calls the LMS and is one statement, so it never blocks the student's request.
 * Returns the number of columns queued. (The practice loop writes the same rows inside its one answer
 * statement, with outboxRows and outboxUpsertSql.)
 */
export async function enqueueScore(tx: Tx, score: ScoreInput): Promise<{ queued: number }> {
  const r = await tx.query<{ queued: number }>(ENQUEUE, [JSON.stringify(outboxRows(score))]);
  return { queued: r.rows[0].queued };
}
