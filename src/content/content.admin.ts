/**
 * The admin API's content endpoint (mounted by src/admin/admin.routes.ts behind its bearer guard):
 *   PUT    /admin/api/tenants/:tenantId/packs/:packId/shared   shares a course's pack with the whole tenant
 *   DELETE /admin/api/tenants/:tenantId/packs/:packId/shared   makes it the course's own again
 * A shared pack can be used by every course of the tenant; only the course that uploaded it manages it.
 */
import type { Router } from 'express';
import type pg from 'pg';
import { z } from 'zod';
import { notFound } from '../http/errors.js';
import { validate } from '../http/validate.js';
import { packOwner, setPackShared } from './content-admin.repository.js';

const params = z.object({ tenantId: z.string().min(1).max(200), packId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/) });

export function contentAdminRoutes(r: Router, deps: { pool: pg.Pool }): void {
  const one = validate({ params });
  const set = (shared: boolean) => async (_req: unknown, res: import('express').Response) => {
    const { tenantId, packId } = one.input(res).params;
    const owner = await packOwner(deps.pool, tenantId, packId);
    if (!owner) throw notFound('The pack');
    if (owner.courseId === null) {
      res.json({ tenantId, packId, courseId: null, shared: true, note: 'a built-in or tenant-wide pack: every course already uses it' });
      return;
    }
    await setPackShared(deps.pool, tenantId, packId, shared);
    res.json({ tenantId, packId, courseId: owner.courseId, shared });
  };
  r.put('/admin/api/tenants/:tenantId/packs/:packId/shared', one, set(true));
  r.delete('/admin/api/tenants/:tenantId/packs/:packId/shared', one, set(false));
}
