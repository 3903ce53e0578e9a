import type pg from 'pg';
import { skillState, upgradeState } from '../engine/index.js';
import type { Catalog } from '../content/catalog.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { systemClock, type Clock } from '../clock.js';
import type { Roster } from '../grades/index.js';
import type { Actor } from '../lti/actor.js';
import { classStates, type Assignment } from '../practice/practice.repository.js';
import { configOf, progressOf, rebuildState, type SkillStatus } from '../practice/progress.js';
import { atRiskOf, type AtRisk } from './at-risk.js';

/** One student's line of the instructor's class view. */
export interface ClassRow {
  userId: string;
  name: string | null;
  answered: number;
  mastered: number;
  /** Why the student may need help (a message code, translated in the view), or null. */
  atRisk: AtRisk | null;
  mastery: { skill: string; value: number; status: SkillStatus }[];
}

export interface ClassView {
  assignment: Assignment | null;
  skills: { id: string; name: string }[];
  rows: ClassRow[];
}

/** The course roster beside the class view: learners with no answer yet, or why the roster is not available. */
export interface RosterJoin {
  notStarted: { name: string }[] | null;
  rosterNote: string | null;
}

/** The instructor's class view of a resource link: every student's mastery per skill, and the roster join. */
export class DashboardService {
  private readonly clock: Clock;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      catalog: Catalog;
      assignments: AssignmentService;
      /** The course roster (NRPS); without it the view lists no "not started yet". */
      roster?: (tenantId: string, contextId: string) => Promise<Roster>;
      clock?: Clock;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
  }

  /** Every student's mastery per skill of the assignment, with the at-risk verdict. */
  async classView(actor: Actor): Promise<ClassView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { assignment: null, skills: [], rows: [] };
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const states = await classStates(this.deps.pool, actor.tenantId, a.resourceLinkId);
    for (const s of states) {
      if (!upgradeState(s.state)) s.state = await rebuildState(this.deps.pool, { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: s.userId }, a, cache);
    }
    const now = this.clock.now();
    return {
      assignment: a,
      skills: a.skills.map((id) => ({ id, name: cache.skillNames.get(id) ?? id })),
      rows: states.map((s) => {
        const p = progressOf(s.state, a, cache, now);
        const cfg = configOf(a, cache);
        const wrongStreak = Math.max(0, ...a.skills.map((k) => skillState(s.state, k, cfg).wrongStreak));
        const atRisk = atRiskOf({ wrongStreak, answered: s.answered, mastered: p.mastered });
        return { userId: s.userId, name: s.name, answered: s.answered, mastered: p.mastered, atRisk, mastery: p.skills.map((k) => ({ skill: k.id, value: k.mastery, status: k.status })) };
      }),
    };
  }

  /** "Not started yet": active learners of the course roster (NRPS) with no answer in this activity. */
  async rosterJoin(actor: Actor, view: ClassView): Promise<RosterJoin> {
    if (!view.assignment || !actor.contextId || !this.deps.roster) return { notStarted: null, rosterNote: null };
    const roster = await this.deps.roster(actor.tenantId, actor.contextId);
    if (roster.status !== 'ok') return { notStarted: null, rosterNote: roster.message };
    const started = new Set(view.rows.filter((r) => r.answered > 0).map((r) => r.userId));
    const notStarted = roster.members
      .filter((m) => m.isLearner && m.status === 'Active' && !started.has(m.userId))
      .map((m) => ({ name: m.name ?? ([m.givenName, m.familyName].filter(Boolean).join(' ') || m.userId) }));
    return { notStarted, rosterNote: null };
  }
}
