import type { Router } from 'express';
import type pg from 'pg';
import { validate } from '../http/validate.js';
import { gradesListQuery, gradesStatsQuery, resyncBody } from '../admin/admin.schema.js';
import { NOTIFY_CHANNEL } from './outbox.js';

/**
 * Admin API of grade delivery (mounted under /admin/api by the admin router, behind its bearer guard):
 *   GET  /admin/api/grades/failed   dead-lettered scores (?tenantId=&limit=)
 *   GET  /admin/api/grades/retrying scores still pending after failed tries, with why (?tenantId=&limit=):
 *        e.g. an LMS that keeps refusing the timestamp (never dead-lettered: it is the newest score)
 *   GET  /admin/api/grades/stats    counts per state, and `retrying`
 *   POST /admin/api/grades/resync   re-queue scores: { tenantId?, resourceLinkId?, userId?, states? }
 *        states defaults to ["failed"]; "skipped" and "sent" may be added (a re-send gets a new timestamp).
 */
export function gradeAdminRoutes(pool: pg.Pool): (r: Router) => void {
  const list = validate({ query: gradesListQuery });
  const stats = validate({ query: gradesStatsQuery });
  const resync = validate({ body: resyncBody });
  return (r) => {
    r.get('/admin/api/grades/failed', list, async (_req, res) => {
      const { tenantId, limit } = list.input(res).query;
      const { rows } = await pool.query(
        `SELECT tenant_id, resource_link_id, column_key, user_id, score, score_ts, attempts, last_status, last_error, updated_at
         FROM grade_outbox WHERE state = 'failed' AND ($1::text IS NULL OR tenant_id = $1) ORDER BY updated_at DESC LIMIT $2`,
        [tenantId ?? null, limit],
      );
      res.json({
        failed: rows.map((r) => ({
          tenantId: r.tenant_id,
          resourceLinkId: r.resource_link_id,
          column: r.column_key || 'score',
          userId: r.user_id,
          score: r.score,
          timestamp: r.score_ts,
          attempts: r.attempts,
          lastStatus: r.last_status,
          lastError: r.last_error,
          failedAt: r.updated_at,
        })),
      });
    });

    r.get('/admin/api/grades/retrying', list, async (_req, res) => {
      const { tenantId, limit } = list.input(res).query;
      const { rows } = await pool.query(
        `SELECT tenant_id, resource_link_id, column_key, user_id, score, score_ts, attempts, last_status, last_error, next_attempt_at, updated_at
         FROM grade_outbox WHERE state = 'pending' AND attempts > 0 AND ($1::text IS NULL OR tenant_id = $1) ORDER BY attempts DESC, updated_at LIMIT $2`,
        [tenantId ?? null, limit],
      );
      res.json({
        retrying: rows.map((r) => ({
          tenantId: r.tenant_id,
          resourceLinkId: r.resource_link_id,
          column: r.column_key || 'score',
          userId: r.user_id,
          score: r.score,
          timestamp: r.score_ts,
          attempts: r.attempts,
          lastStatus: r.last_status,
          lastError: r.last_error,
          nextAttemptAt: r.next_attempt_at,
          since: r.updated_at,
        })),
      });
    });

    r.get('/admin/api/grades/stats', stats, async (_req, res) => {
      const { tenantId } = stats.input(res).query;
      const { rows } = await pool.query(
        `SELECT state, count(*)::int AS n, (count(*) FILTER (WHERE state = 'pending' AND attempts > 0))::int AS retrying
         FROM grade_outbox WHERE ($1::text IS NULL OR tenant_id = $1) GROUP BY state`,
        [tenantId ?? null],
      );
      const counts: Record<string, number> = { pending: 0, sent: 0, failed: 0, skipped: 0, retrying: 0 };
      for (const r of rows) {
        counts[r.state] = r.n;
        counts.retrying += r.retrying;
      }
      res.json(counts);
    });

    r.post('/admin/api/grades/resync', resync, async (_req, res) => {
      const b = resync.input(res).body;
      const states = b.states;
      const { rowCount } = await pool.query(
        `UPDATE grade_outbox SET state = 'pending', attempts = 0, next_attempt_at = now(), version = version + 1,
           score_ts = GREATEST(date_trunc('milliseconds', now()), score_ts + interval '1 millisecond'), updated_at = now()
         WHERE state = ANY($1) AND ($2::text IS NULL OR tenant_id = $2) AND ($3::text IS NULL OR resource_link_id = $3) AND ($4::text IS NULL OR user_id = $4)`,
        [states, b.tenantId ?? null, b.resourceLinkId ?? null, b.userId ?? null],
      );
      if (rowCount) await pool.query(`SELECT pg_notify('${NOTIFY_CHANNEL}', '')`);
      res.json({ requeued: rowCount ?? 0 });
    });
  };
}
