import crypto from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { PlatformRegistry } from '../lti/registry.js';
import type { ToolKeys } from '../lti/keys.js';
import type { DynamicRegistration } from '../lti/registration.js';
import { unauthorized } from '../http/errors.js';

/** Bearer-token guard for the admin API (constant-time comparison). */
export function requireAdmin(adminToken: string) {
  const expected = crypto.createHash('sha256').update(adminToken).digest();
  return (req: Request, _res: Response, next: NextFunction) => {
    const h = req.get('authorization') ?? '';
    const given = h.startsWith('Bearer ') ? h.slice(7).trim() : '';
    const got = crypto.createHash('sha256').update(given).digest();
    if (!given || !crypto.timingSafeEqual(got, expected)) return next(unauthorized('The admin API needs Authorization: Bearer <ADMIN_TOKEN>.'));
    next();
  };
}

/** School IT's API: platform registrations and key rotation. */
export function adminRoutes(deps: { registry: PlatformRegistry; toolKeys: ToolKeys; registration: DynamicRegistration; adminToken: string; extra?: (r: Router) => void }): Router {
  const r = express.Router();
  r.use('/admin/api', requireAdmin(deps.adminToken), express.json({ limit: '256kb' }));
  r.get('/admin/api/platforms', async (_req, res) => {
    res.json({ platforms: await deps.registry.list() });
  });
  r.post('/admin/api/platforms', async (req, res) => {
    res.status(201).json(await deps.registry.create(req.body));
  });
  r.get('/admin/api/platforms/:id', async (req, res) => {
    res.json(await deps.registry.get(String(req.params.id)));
  });
  r.patch('/admin/api/platforms/:id', async (req, res) => {
    res.json(await deps.registry.update(String(req.params.id), req.body));
  });
  r.delete('/admin/api/platforms/:id', async (req, res) => {
    await deps.registry.remove(String(req.params.id));
    res.status(204).end();
  });
  r.post('/admin/api/registrations', async (_req, res) => {
    res.status(201).json(await deps.registration.createCode());
  });
  r.post('/admin/api/keys/rotate', async (req, res) => {
    const hours = Number((req.body as { overlapHours?: unknown })?.overlapHours ?? 72);
    res.json(await deps.toolKeys.rotate(Number.isFinite(hours) && hours >= 0 ? hours : 72));
  });
  deps.extra?.(r);
  return r;
}
