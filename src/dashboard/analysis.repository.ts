import type { Queryable } from '../db/index.js';
import { EMPTY_MOMENTS, type ItemAggregate } from './item-stats.js';

/**
 * The course's first tries summed per item, in the database: attempts, right, distinct students, the
 * rest-score moments (see item-stats.ts: the student's first-try rate on their OTHER first tries) and the
 * median time. Two statements run side by side over the partial covering index attempts_first_tries
 * (migration 060), both index-only: the moments with hash aggregates (no sort of 60 000 rows), the median
 * and distinct students straight from the index's item order (only each item's own rows sorted).
 */
export async function itemAggregates(db: Queryable, tenantId: string, resourceLinkId: string, packId: string): Promise<Map<string, ItemAggregate>> {
  const values = [tenantId, resourceLinkId, packId];
  const firstTries = `SELECT user_id, item_id, correct::int AS x, time_ms FROM attempts
       WHERE tenant_id = $1 AND resource_link_id = $2 AND pack_id = $3 AND kind = 'answer' AND try_number = 1`;
  const [moments, medians] = await Promise.all([
    db.query<{ item_id: string; attempts: number; correct: number; n: number; sx: number; sr: number; srr: number; sxr: number }>({
      name: 'dashboard-item-moments',
      text: `WITH a AS (${firstTries}),
       s AS (SELECT user_id, sum(x) AS c, count(*) AS n FROM a GROUP BY user_id),
       j AS (SELECT a.item_id, a.x, CASE WHEN s.n > 1 THEN (s.c - a.x)::float8 / (s.n - 1) END AS r FROM a JOIN s USING (user_id))
       SELECT item_id, count(*)::int AS attempts, sum(x)::int AS correct,
         count(r)::int AS n, coalesce(sum(x) FILTER (WHERE r IS NOT NULL), 0)::float8 AS sx, coalesce(sum(r), 0)::float8 AS sr,
         coalesce(sum(r * r), 0)::float8 AS srr, coalesce(sum(x * r), 0)::float8 AS sxr
       FROM j GROUP BY item_id`,
      values,
    }),
    db.query<{ item_id: string; students: number; median_ms: number | null }>({
      name: 'dashboard-item-medians',
      // User ids compared bytewise ("C"): a collation-aware sort of 60 000 texts costs several times more.
      text: `SELECT item_id, count(DISTINCT user_id COLLATE "C")::int AS students, percentile_cont(0.5) WITHIN GROUP (ORDER BY time_ms) FILTER (WHERE time_ms >= 0) AS median_ms
       FROM (${firstTries}) a GROUP BY item_id`,
      values,
    }),
  ]);
  const byItem = new Map(medians.rows.map((r) => [r.item_id, r]));
  const out = new Map<string, ItemAggregate>();
  for (const r of moments.rows) {
    const m = byItem.get(r.item_id);
    out.set(r.item_id, {
      itemId: r.item_id, attempts: r.attempts, correct: r.correct, students: m?.students ?? 0,
      moments: r.n ? { n: r.n, sx: r.sx, sr: r.sr, srr: r.srr, sxr: r.sxr } : { ...EMPTY_MOMENTS },
      medianTimeMs: m?.median_ms ?? null, choiceCounts: {},
    });
  }
  return out;
}

/** How often each choice of the given (choice) items was picked on a first try in the course. */
export async function choiceCounts(db: Queryable, tenantId: string, resourceLinkId: string, packId: string, itemIds: readonly string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (!itemIds.length) return out;
  const { rows } = await db.query<{ item_id: string; choice: string; n: number }>({
    name: 'dashboard-choice-counts',
    text: `SELECT a.item_id, c.choice, count(*)::int AS n FROM attempts a
       CROSS JOIN LATERAL jsonb_array_elements_text(CASE jsonb_typeof(a.response) WHEN 'array' THEN a.response
         WHEN 'string' THEN jsonb_build_array(a.response) ELSE '[]'::jsonb END) AS c(choice)
     WHERE a.tenant_id = $1 AND a.resource_link_id = $2 AND a.pack_id = $3 AND a.kind = 'answer' AND a.try_number = 1 AND a.item_id = ANY($4::text[])
     GROUP BY a.item_id, c.choice`,
    values: [tenantId, resourceLinkId, packId, itemIds],
  });
  for (const r of rows) {
    const m = out.get(r.item_id) ?? {};
    m[r.choice] = r.n;
    out.set(r.item_id, m);
  }
  return out;
}
