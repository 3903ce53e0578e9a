import type { Router } from 'express';
import type pg from 'pg';
import { validate } from '../http/validate.js';
import { gradesListQuery, gradesStatsQuery, resyncBody } from '../admin/admin.schema.js';
import { failedScores, outboxCounts, requeueScores, retryingScores } from './outbox.repository.js';

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
      res.json({ failed: await failedScores(pool, tenantId, limit) });
    });

    r.get('/admin/api/grades/retrying', list, async (_req, res) => {
      const { tenantId, limit } = list.input(res).query;
      res.json({ retrying: await retryingScores(pool, tenantId, limit) });
    });

    r.get('/admin/api/grades/stats', stats, async (_req, res) => {
      res.json(await outboxCounts(pool, stats.input(res).query.tenantId));
    });

    r.post('/admin/api/grades/resync', resync, async (_req, res) => {
      res.json({ requeued: await requeueScores(pool, resync.input(res).body) });
    });
  };
}
