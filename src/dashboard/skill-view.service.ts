/**
 * The instructor's view of one skill of the activity (issue 16, item 3): which students are where on it
 * (not started, practising, struggling, mastered, review due), which of its items are hardest (first-try
 * correct rate) and the typical wrong answers. Scoped to the session's tenant and resource link.
 */
import type pg from 'pg';
import { skillState, upgradeState } from '../engine/index.js';
import type { Catalog, PackEntry } from '../content/catalog.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { systemClock, type Clock } from '../clock.js';
import { notFound } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { classStates, type Assignment } from '../practice/practice.repository.js';
import { configOf, progressOf, rebuildState } from '../practice/progress.js';
import { markedByTeacher } from './overrides.js';

export type SkillPlace = 'not_started' | 'practising' | 'struggling' | 'mastered' | 'review_due';
export const SKILL_PLACES: readonly SkillPlace[] = ['struggling', 'practising', 'not_started', 'review_due', 'mastered'];

export interface SkillStudent {
  userId: string;
  name: string | null;
  place: SkillPlace;
  mastery: number;
  answers: number;
  wrongStreak: number;
  marked: boolean;
}

export interface ItemDifficulty {
  itemId: string;
  firstTries: number;
  firstRight: number;
  /** First-try correct rate, 0..1. */
  rate: number;
  students: number;
  hints: number;
  medianMs: number | null;
  /** A seed it was answered with (to show an instance of a template). */
  seed: number;
}

export interface WrongAnswer {
  itemId: string;
  seed: number;
  response: unknown;
  count: number;
  students: number;
}

export interface SkillView {
  assignment: Assignment;
  cache: PackEntry;
  skill: { id: string; name: string; prerequisites: { id: string; name: string }[] };
  students: SkillStudent[];
  items: ItemDifficulty[];
  wrong: WrongAnswer[];
}

/**
 * Where a student is on a skill. Struggling: not mastered and the engine sees wheel-spinning (three wrong
 * in a row, the remediation trigger, or set aside after many answers without mastery).
 */
export function placeOf(status: 'not_started' | 'practising' | 'mastered' | 'review_due', wrongStreak: number, parked: boolean, remediationErrors = 3): SkillPlace {
  if (status === 'practising' && (wrongStreak >= remediationErrors || parked)) return 'struggling';
  return status;
}

export class SkillViewService {
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  async skill(actor: Actor, skillId: string): Promise<SkillView> {
    const a = await this.deps.assignments.get(actor);
    if (!a || !a.skills.includes(skillId)) throw notFound('This skill');
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const cfg = configOf(a, cache);
    const [states, items, wrong] = await Promise.all([
      classStates(this.deps.pool, actor.tenantId, a.resourceLinkId),
      this.deps.pool.query<{ item_id: string; first_tries: number; first_right: number; students: number; hints: number; median_ms: number | null; seed: string }>(
        `SELECT item_id, count(*)::int AS first_tries, count(*) FILTER (WHERE correct)::int AS first_right, count(DISTINCT user_id)::int AS students,
           coalesce(sum(hints_used), 0)::int AS hints, percentile_cont(0.5) WITHIN GROUP (ORDER BY time_ms) AS median_ms, min(seed) AS seed
         FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND kind = 'answer' AND try_number = 1 AND $3 = ANY(skills)
         GROUP BY item_id`,
        [actor.tenantId, a.resourceLinkId, skillId],
      ),
      this.deps.pool.query<{ item_id: string; response: unknown; n: number; students: number; seed: string }>(
        `SELECT item_id, response, count(*)::int AS n, count(DISTINCT user_id)::int AS students, max(seed) AS seed
         FROM attempts WHERE tenant_id = $1 AND resource_link_id = $2 AND kind = 'answer' AND NOT correct AND response IS NOT NULL AND $3 = ANY(skills)
         GROUP BY item_id, response ORDER BY n DESC, students DESC, item_id LIMIT 10`,
        [actor.tenantId, a.resourceLinkId, skillId],
      ),
    ]);
    const now = this.clock.now();
    const students: SkillStudent[] = [];
    for (const s of states) {
      const state = upgradeState(s.state) ?? (await rebuildState(this.deps.pool, { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: s.userId }, a, cache));
      const p = progressOf(state, a, cache, now).skills.find((k) => k.id === skillId)!;
      const k = skillState(state, skillId, cfg);
      students.push({
        userId: s.userId, name: s.name, place: placeOf(p.status, k.wrongStreak, k.parkedAt !== null && !k.mastered, cfg.remediationErrors), mastery: p.mastery,
        answers: k.answers, wrongStreak: k.wrongStreak, marked: markedByTeacher(state.skills[skillId]),
      });
    }
    const node = cache.bank.byId.get(skillId);
    return {
      assignment: a,
      cache,
      skill: {
        id: skillId, name: cache.skillNames.get(skillId) ?? skillId,
        prerequisites: (node?.prerequisites ?? []).map((p) => ({ id: p, name: cache.skillNames.get(p) ?? p })),
      },
      students,
      items: items.rows
        .map((r) => ({ itemId: r.item_id, firstTries: r.first_tries, firstRight: r.first_right, rate: r.first_tries ? r.first_right / r.first_tries : 0, students: r.students, hints: r.hints, medianMs: r.median_ms, seed: Number(r.seed) }))
        .sort((x, y) => x.rate - y.rate || y.firstTries - x.firstTries),
      wrong: wrong.rows.map((r) => ({ itemId: r.item_id, seed: Number(r.seed), response: r.response, count: r.n, students: r.students })),
    };
  }
}
