import type pg from 'pg';
import { upgradeState } from '../engine/index.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import { systemClock, type Clock } from '../clock.js';
import type { Queryable } from '../db/index.js';
import type { Actor } from '../lti/actor.js';
import { classStates, type Assignment } from '../practice/practice.repository.js';
import { progressOf, rebuildState } from '../practice/progress.js';
import { weeklySeries, type WeekActivity, type WeekRow } from './reports.js';

/** The class's answers, active students and first tries per week (Monday, UTC) of one resource link. */
export async function weeklyActivity(db: Queryable, tenantId: string, resourceLinkId: string): Promise<WeekActivity[]> {
  const { rows } = await db.query<WeekActivity>({
    name: 'dashboard-weekly-activity',
    text: `SELECT to_char(date_trunc('week', answered_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS week,
       count(*) FILTER (WHERE kind = 'answer')::int AS answers, count(DISTINCT user_id COLLATE "C")::int AS active,
       count(*) FILTER (WHERE kind = 'answer' AND try_number = 1)::int AS "firstTries",
       count(*) FILTER (WHERE kind = 'answer' AND try_number = 1 AND correct)::int AS "firstRight"
     FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 GROUP BY 1 ORDER BY 1`,
    values: [tenantId, resourceLinkId],
  });
  return rows;
}

export interface ReportView {
  assignment: Assignment | null;
  rows: WeekRow[];
  students: number;
}

/**
 * The weekly progress report (issue 16, item 8): answers and active students counted in the database,
 * masteries from each learner's state (when each currently mastered skill was mastered). Scoped to the
 * session's tenant and resource link.
 */
export class ReportsService {
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  async weekly(actor: Actor): Promise<ReportView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { assignment: null, rows: [], students: 0 };
    const entry = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const [activity, states] = await Promise.all([weeklyActivity(this.deps.pool, actor.tenantId, a.resourceLinkId), classStates(this.deps.pool, actor.tenantId, a.resourceLinkId)]);
    const now = this.clock.now();
    const masteredAt: number[] = [];
    for (const s of states) {
      const state = upgradeState(s.state) ?? (await rebuildState(this.deps.pool, { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: s.userId }, a, entry));
      for (const k of progressOf(state, a, entry, now).skills) if (k.masteredAt !== null && (k.status === 'mastered' || k.status === 'review_due')) masteredAt.push(k.masteredAt);
    }
    return { assignment: a, rows: weeklySeries({ activity, masteredAt, now }), students: states.length };
  }
}
