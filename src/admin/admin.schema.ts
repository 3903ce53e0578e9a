import { z } from 'zod';

/** The input of every admin endpoint (validated by `validate(…)` in ./admin.routes.ts). */

/** A platform's fields: checked in detail by the registry (its 400 names each field). */
export const platformBody = z.record(z.string(), z.unknown()).default({});

export const platformParams = z.object({ id: z.string() });

/** Hours the previous key stays published; anything else than a number ≥ 0 means the default, 72. */
export const rotateBody = z
  .object({ overlapHours: z.preprocess((v) => v ?? 72, z.coerce.number().finite().min(0)).catch(72) })
  .catch({ overlapHours: 72 });

export const userParams = z.object({ tenantId: z.string(), userId: z.string() });

/** A tenant id filter: a non-empty string of at most 300 characters, else no filter. */
const tenantFilter = z.string().min(1).max(300).optional().catch(undefined);

export const refitBody = z.object({ tenantId: z.string().optional().catch(undefined) }).catch({ tenantId: undefined });

export const modelsQuery = z.object({ tenantId: z.string().min(1).max(300), packId: z.string().min(1).max(300).optional() });

export const rollbackBody = z.object({
  tenantId: z.string().min(1).max(300),
  packId: z.string().min(1).max(300),
  version: z.number().int().min(0).optional(),
});

/** ?tenantId=&limit= of the grade listings (limit 1–1000, default 100). */
export const gradesListQuery = z.object({
  tenantId: tenantFilter,
  limit: z.preprocess((v) => Math.min(1000, Math.max(1, Number(v) || 100)), z.number()),
});

export const gradesStatsQuery = z.object({ tenantId: tenantFilter });

const filter = (k: string) => z.string({ error: `${k} must be a non-empty string.` }).min(1, `${k} must be a non-empty string.`).max(300, `${k} must be a non-empty string.`).optional();

/** Which scores to queue again: states defaults to ["failed"]; each filter narrows. */
export const resyncBody = z
  .object({
    states: z
      .array(z.enum(['failed', 'skipped', 'sent'], { error: 'states must be a list of failed, skipped, sent.' }), { error: 'states must be a list of failed, skipped, sent.' })
      .min(1, 'states must be a list of failed, skipped, sent.')
      .default(['failed']),
    tenantId: filter('tenantId'),
    resourceLinkId: filter('resourceLinkId'),
    userId: filter('userId'),
  })
  .default({ states: ['failed'] });
