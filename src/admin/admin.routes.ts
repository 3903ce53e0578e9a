import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { PlatformRegistry } from '../lti/registry.js';
import type { ToolKeys } from '../lti/keys.js';
import type { DynamicRegistration } from '../lti/registration.js';
import { unauthorized } from '../http/errors.js';
import type { RateLimits } from '../http/rate-limits.js';
import { validate } from '../http/validate.js';
import { platformBody, platformParams, rotateBody } from './admin.schema.js';

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

/** School IT's API: platform registrations and key rotation. */
export function adminRoutes(deps: { registry: PlatformRegistry; toolKeys: ToolKeys; registration: DynamicRegistration; adminToken: string; limits?: RateLimits; extra?: (r: Router) => void }): Router {
  const r = express.Router();
  r.use('/admin/api', requireAdmin(deps.adminToken, deps.limits), express.json({ limit: '256kb' }));
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
  deps.extra?.(r);
  return r;
}
