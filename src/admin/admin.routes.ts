import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { PlatformRegistry } from '../lti/registry.js';
import type { ToolKeys } from '../lti/keys.js';
import type { DynamicRegistration } from '../lti/registration.js';
import type pg from 'pg';
import type { Logger } from 'pino';
import { notFound, unauthorized } from '../http/errors.js';
import { failedScores, outboxCounts, requeueScores, retryingScores } from '../grades/outbox.repository.js';
import { listModels, refitAll, rollbackModel } from '../practice/model.service.js';
import type { PrivacyService } from './privacy.js';
import type { RateLimits } from '../http/rate-limits.js';
import { validate } from '../http/validate.js';
import { contentAdminRoutes } from '../content/content.admin.js';
import { gradesListQuery, gradesStatsQuery, modelsQuery, platformBody, platformParams, refitBody, resyncBody, rollbackBody, rotateBody, userParams } from './admin.schema.js';

/**
 * Bearer-token guard for the admin API (constant-time comparison). With rate limits, a client that keeps
 * sending wrong tokens waits longer and longer (429 with Retry-After), even with the right one meanwhile.
 */
export function requireAdmin(adminToken: string, limits?: RateLimits) {
  const expected = crypto.createHash('sha256').update(adminToken).digest();
  return async (req: Request, _res: Response, next: NextFunction) => {
    try {
      await limits?.adminLocked(req);
      const h = req.get('authorization') ?? '';
      const given = h.startsWith('Bearer ') ? h.slice(7).trim() : '';
      const got = crypto.createHash('sha256').update(given).digest();
      if (!given || !crypto.timingSafeEqual(got, expected)) {
        await limits?.adminFailed(req);
        return next(unauthorized('The admin API needs Authorization: Bearer <ADMIN_TOKEN>.'));
      }
      next();
    } catch (err) {
      next(err);
    }
  };
}

export interface AdminDeps {
  pool: pg.Pool;
  log: Logger;
  registry: PlatformRegistry;
  toolKeys: ToolKeys;
  registration: DynamicRegistration;
  adminToken: string;
  limits?: RateLimits;
  privacy: PrivacyService;
  /** Called after a learner's data is deleted (the practice loop drops what it remembers of them). */
  userDeleted?: (tenantId: string, userId: string) => void;
}

/**
 * School IT's API, every endpoint of it, behind the bearer guard (input schemas in ./admin.schema.ts):
 *   platforms and their deployments, one-time registration URLs, key rotation (platformRoutes);
 *   a learner's data export and deletion (privacyRoutes); the learner model's refit, versions and rollback
 *   (modelRoutes); grade delivery's dead letters, retries, counts and re-sending (gradeRoutes).
 */
export function adminRoutes(deps: AdminDeps): Router {
  const r = express.Router();
  r.use('/admin/api', requireAdmin(deps.adminToken, deps.limits), express.json({ limit: '256kb' }));
  platformRoutes(r, deps);
  privacyRoutes(r, deps);
  modelRoutes(r, deps);
  gradeRoutes(r, deps);
  contentAdminRoutes(r, deps);
  return r;
}

function platformRoutes(r: Router, deps: AdminDeps): void {
  const create = validate({ body: platformBody });
  const one = validate({ params: platformParams });
  const patch = validate({ params: platformParams, body: platformBody });
  const rotate = validate({ body: rotateBody });
  r.get('/admin/api/platforms', async (_req, res) => {
    res.json({ platforms: await deps.registry.list() });
  });
  r.post('/admin/api/platforms', create, async (_req, res) => {
    res.status(201).json(await deps.registry.create(create.input(res).body));
  });
  r.get('/admin/api/platforms/:id', one, async (_req, res) => {
    res.json(await deps.registry.get(one.input(res).params.id));
  });
  r.patch('/admin/api/platforms/:id', patch, async (_req, res) => {
    const { params, body } = patch.input(res);
    res.json(await deps.registry.update(params.id, body));
  });
  r.delete('/admin/api/platforms/:id', one, async (_req, res) => {
    await deps.registry.remove(one.input(res).params.id);
    res.status(204).end();
  });
  r.post('/admin/api/registrations', async (_req, res) => {
    res.status(201).json(await deps.registration.createCode());
  });
  r.post('/admin/api/keys/rotate', rotate, async (_req, res) => {
    res.json(await deps.toolKeys.rotate(rotate.input(res).body.overlapHours));
  });
}

/** GET …/tenants/:tenantId/users/:userId/export and DELETE …/tenants/:tenantId/users/:userId. */
function privacyRoutes(r: Router, deps: AdminDeps): void {
  const user = validate({ params: userParams });
  r.get('/admin/api/tenants/:tenantId/users/:userId/export', user, async (_req, res) => {
    const { tenantId, userId } = user.input(res).params;
    res.setHeader('Content-Disposition', 'attachment; filename="user-export.json"');
    res.json(await deps.privacy.exportUser(tenantId, userId));
  });
  r.delete('/admin/api/tenants/:tenantId/users/:userId', user, async (_req, res) => {
    const { tenantId, userId } = user.input(res).params;
    const deleted = await deps.privacy.deleteUser(tenantId, userId);
    deps.userDeleted?.(tenantId, userId);
    deps.log.info({ tenant: tenantId }, 'user data deleted');
    res.json({ deleted });
  });
}

/** POST …/model/refit { tenantId? }, GET …/model/versions?tenantId=&packId=, POST …/model/rollback { tenantId, packId, version? }. */
function modelRoutes(r: Router, deps: AdminDeps): void {
  const refit = validate({ body: refitBody });
  const versions = validate({ query: modelsQuery });
  const rollback = validate({ body: rollbackBody });
  r.post('/admin/api/model/refit', refit, async (_req, res) => {
    res.json({ reports: await refitAll(deps.pool, refit.input(res).body.tenantId) });
  });
  r.get('/admin/api/model/versions', versions, async (_req, res) => {
    const { tenantId, packId } = versions.input(res).query;
    res.json({ models: await listModels(deps.pool, tenantId, packId) });
  });
  r.post('/admin/api/model/rollback', rollback, async (_req, res) => {
    const { tenantId, packId, version } = rollback.input(res).body;
    const active = await rollbackModel(deps.pool, tenantId, packId, version).catch((err: Error) => {
      throw /^no usable model version/.test(err.message) ? notFound(`Model version ${version} of ${packId}`) : err;
    });
    res.json({ active });
  });
}

/**
 * Grade delivery:
 *   GET  /admin/api/grades/failed   dead-lettered scores (?tenantId=&limit=)
 *   GET  /admin/api/grades/retrying scores still pending after failed tries, with why (?tenantId=&limit=):
 *        e.g. an LMS that keeps refusing the timestamp (never dead-lettered: it is the newest score)
 *   GET  /admin/api/grades/stats    counts per state, and `retrying`
 *   POST /admin/api/grades/resync   re-queue scores: { tenantId?, resourceLinkId?, userId?, states? }
 *        states defaults to ["failed"]; "skipped" and "sent" may be added (a re-send gets a new timestamp).
 */
function gradeRoutes(r: Router, deps: AdminDeps): void {
  const list = validate({ query: gradesListQuery });
  const stats = validate({ query: gradesStatsQuery });
  const resync = validate({ body: resyncBody });
  r.get('/admin/api/grades/failed', list, async (_req, res) => {
    const { tenantId, limit } = list.input(res).query;
    res.json({ failed: await failedScores(deps.pool, tenantId, limit) });
  });
  r.get('/admin/api/grades/retrying', list, async (_req, res) => {
    const { tenantId, limit } = list.input(res).query;
    res.json({ retrying: await retryingScores(deps.pool, tenantId, limit) });
  });
  r.get('/admin/api/grades/stats', stats, async (_req, res) => {
    res.json(await outboxCounts(deps.pool, stats.input(res).query.tenantId));
  });
  r.post('/admin/api/grades/resync', resync, async (_req, res) => {
    res.json({ requeued: await requeueScores(deps.pool, resync.input(res).body) });
  });
}
