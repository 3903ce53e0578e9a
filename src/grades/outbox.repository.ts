/**
 * The one owner of the grade outbox table (`grade_outbox`): the statements that write it and the reads
 * of the admin API, the metrics and the privacy export. Delivery's claim/complete statements are in
 * ./delivery.ts; the practice loop writes rows through `outboxUpsertSql` inside its answer statement.
 */
import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';
import type { Queryable } from '../db/index.js';
import { NOTIFY_CHANNEL } from './outbox.js';

/** A learner's queued and delivered scores (the LMS keeps its own copy of what was delivered). */
export const outboxPrivacy: PrivacyPart = {
  tables: ['grade_outbox'],
  async export(tx, tenantId, userId) {
    const { rows } = await tx.query('SELECT resource_link_id, column_key, score, state, updated_at FROM grade_outbox WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
    return { grades: rows };
  },
  async delete(tx, tenantId, userId) {
    return { grade_outbox: await deleteRows(tx, 'grade_outbox', tenantId, userId) };
  },
};

/** A score the admin API lists: dead-lettered, or still retrying. */
export interface ListedScore {
  tenantId: string;
  resourceLinkId: string;
  column: string;
  userId: string;
  score: unknown;
  timestamp: Date;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
}

const listed = (r: Record<string, any>): ListedScore => ({
  tenantId: r.tenant_id,
  resourceLinkId: r.resource_link_id,
  column: r.column_key || 'score',
  userId: r.user_id,
  score: r.score,
  timestamp: r.score_ts,
  attempts: r.attempts,
  lastStatus: r.last_status,
  lastError: r.last_error,
});

/** Dead-lettered scores, newest first (of one tenant, or all). */
export async function failedScores(db: Queryable, tenantId: string | undefined, limit: number): Promise<(ListedScore & { failedAt: Date })[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, resource_link_id, column_key, user_id, score, score_ts, attempts, last_status, last_error, updated_at
     FROM grade_outbox WHERE state = 'failed' AND ($1::text IS NULL OR tenant_id = $1) ORDER BY updated_at DESC LIMIT $2`,
    [tenantId ?? null, limit],
  );
  return rows.map((r) => ({ ...listed(r), failedAt: r.updated_at }));
}

/** Scores still pending after failed tries, most tried first. */
export async function retryingScores(db: Queryable, tenantId: string | undefined, limit: number): Promise<(ListedScore & { nextAttemptAt: Date; since: Date })[]> {
  const { rows } = await db.query(
    `SELECT tenant_id, resource_link_id, column_key, user_id, score, score_ts, attempts, last_status, last_error, next_attempt_at, updated_at
     FROM grade_outbox WHERE state = 'pending' AND attempts > 0 AND ($1::text IS NULL OR tenant_id = $1) ORDER BY attempts DESC, updated_at LIMIT $2`,
    [tenantId ?? null, limit],
  );
  return rows.map((r) => ({ ...listed(r), nextAttemptAt: r.next_attempt_at, since: r.updated_at }));
}

/** Scores per state, and how many pending ones are retrying (of one tenant, or all). */
export async function outboxCounts(db: Queryable, tenantId?: string): Promise<Record<string, number>> {
  const { rows } = await db.query(
    `SELECT state, count(*)::int AS n, (count(*) FILTER (WHERE state = 'pending' AND attempts > 0))::int AS retrying
     FROM grade_outbox WHERE ($1::text IS NULL OR tenant_id = $1) GROUP BY state`,
    [tenantId ?? null],
  );
  const counts: Record<string, number> = { pending: 0, sent: 0, failed: 0, skipped: 0, retrying: 0 };
  for (const r of rows) {
    counts[r.state] = r.n;
    counts.retrying += r.retrying;
  }
  return counts;
}

/** Scores per state, for the metrics scrape (states with no row are absent). */
export async function outboxStates(db: Queryable): Promise<{ state: string; n: number }[]> {
  const { rows } = await db.query<{ state: string; n: string }>('SELECT state, count(*) AS n FROM grade_outbox GROUP BY state');
  return rows.map((r) => ({ state: r.state, n: Number(r.n) }));
}

/**
 * Queues scores again (a re-send gets a new timestamp) and wakes the workers; the number queued.
 * `states`: which to take (failed, skipped, sent); each filter narrows.
 */
export async function requeueScores(db: Queryable, f: { states: string[]; tenantId?: string; resourceLinkId?: string; userId?: string }): Promise<number> {
  const { rowCount } = await db.query(
    `UPDATE grade_outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), version = version + 1,
       score_ts = GREATEST(date_trunc('milliseconds', now()), score_ts + interval '1 millisecond'), updated_at = now()
     WHERE state = ANY($1) AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR resource_link_id = $3) AND ($4::text IS NULL OR user_id = $4)`,
    [f.states, f.tenantId ?? null, f.resourceLinkId ?? null, f.userId ?? null],
  );
  if (rowCount) await db.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
  return rowCount ?? 0;
}
