import type pg from 'pg';
import type { Logger } from 'pino';
import type { Catalog } from '../content/catalog.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { systemClock, type Clock } from '../clock.js';
import type { Roster } from '../grades/index.js';
import type { Actor } from '../lti/actor.js';
import type { Assignment } from '../practice/practice.repository.js';
import { RiskModels } from './risk.service.js';
import { SummaryStore } from './summary.store.js';
import { assembleClass, type ClassLine, type HelpEntry } from './summary.js';

export type { ClassLine, ClassCell, HelpEntry, CellStatus } from './summary.js';

/** Students of the help list whose flags' reasons and actions are read (the page lists this many). */
export const HELP_DETAILS = 25;

export interface ClassView {
  assignment: Assignment | null;
  skills: { id: string; name: string }[];
  /** One line per student who opened the activity (students x skills). */
  rows: ClassLine[];
  /** Who may need help, most likely first, with reasons and a suggested action. */
  help: HelpEntry[];
  /** Where the flags come from: the tenant's own fitted model, or the default one. */
  riskSource: 'tenant' | 'default';
  /** When the view was read (ms epoch). */
  at: number;
}

/** The course roster beside the class view: learners with no answer yet, or why the roster is not available. */
export interface RosterJoin {
  notStarted: { name: string }[] | null;
  rosterNote: string | null;
}

/**
 * The instructor's class view of a resource link, read from the summaries (src/dashboard/summary.store.ts)
 * brought up to date for the students who answered since the last view, never from every learner's state.
 */
export class DashboardService {
  private readonly clock: Clock;
  readonly risk: RiskModels;
  readonly summaries: SummaryStore;
  /** The last stamp of each activity, reused while the summaries are held (SummaryStore.held). */
  private stamps = new Map<string, { stamp: string; basis: string }>();

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      catalog: Catalog;
      assignments: AssignmentService;
      /** The course roster (NRPS); without it the view lists no "not started yet". */
      roster?: (tenantId: string, contextId: string) => Promise<Roster>;
      clock?: Clock;
      log?: Logger;
      /** Fit tenant risk models in the background when due (default true). */
      autoFitRisk?: boolean;
    },
  ) {
    this.clock = deps.clock ?? systemClock;
    this.risk = new RiskModels({ pool: deps.pool, clock: this.clock, log: deps.log, autoFit: deps.autoFitRisk });
    this.summaries = new SummaryStore({ pool: deps.pool, clock: this.clock, risk: this.risk, log: deps.log });
  }

  /**
   * Every student's state per skill of the assignment, and who may need help: the reasons and actions of the
   * first `details` students of that list (most likely first; all for the CSV).
   */
  async classView(actor: Actor, opts: { details?: number } = {}): Promise<ClassView> {
    const a = await this.deps.assignments.get(actor);
    const now = this.clock.now();
    if (!a) return { assignment: null, skills: [], rows: [], help: [], riskSource: 'default', at: now };
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    await this.summaries.refresh(a, cache);
    const [stored, risk] = await Promise.all([this.summaries.read(a), this.risk.modelFor(actor.tenantId)]);
    const { lines, help } = assembleClass(stored, a.skills, now);
    const shown = help.slice(0, opts.details ?? HELP_DETAILS);
    const details = await this.summaries.flags(a, shown.map((h) => h.userId));
    for (const h of shown) {
      const of = details.get(h.userId) ?? {};
      h.flags = h.flags.flatMap((f) => {
        const d = of[f.skill];
        // A small group (3+ students flagged on the skill) wins over the student's own suggestion.
        return d ? [{ ...f, reasons: d.reasons, action: f.action === 'small_group' ? 'small_group' : d.action }] : [];
      });
    }
    return {
      assignment: a,
      skills: a.skills.map((id) => ({ id, name: cache.skillNames.get(id) ?? id })),
      rows: lines,
      help,
      riskSource: risk.source,
      at: now,
    };
  }

  /**
   * Brings the summaries up to date and says what state they are in: a stamp that changes whenever a learner's
   * summary is rewritten (or a learner appears), to reuse a rendered view while it holds. Null: no assignment.
   */
  async classStamp(actor: Actor): Promise<string | null> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return null;
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    await this.summaries.refresh(a, cache);
    // A class answering right now: the summaries change only when a background refresh ends (which ends the hold).
    const key = `${actor.tenantId}\u0000${a.resourceLinkId}`;
    const basis = `${a.packId}|${a.skills.join(',')}|${a.threshold}`;
    const kept = this.stamps.get(key);
    if (kept && kept.basis === basis && this.summaries.held(a)) return kept.stamp;
    const { rows } = await this.deps.pool.query<{ n: number; at: Date | null }>({
      name: 'summary-stamp',
      text: 'SELECT count(*)::int AS n, max(refreshed_at) AS at FROM class_summary_learners WHERE tenant_id = $1 AND resource_link_id = $2',
      values: [actor.tenantId, a.resourceLinkId],
    });
    const stamp = `${basis}|${rows[0]?.n ?? 0}|${rows[0]?.at?.getTime() ?? 0}`;
    if (this.stamps.size >= 1000) this.stamps.delete(this.stamps.keys().next().value!);
    this.stamps.set(key, { stamp, basis });
    return stamp;
  }

  /** "Not started yet": active learners of the course roster (NRPS) with no answer in this activity. */
  async rosterJoin(actor: Actor, view: ClassView): Promise<RosterJoin> {
    if (!view.assignment || !actor.contextId || !this.deps.roster) return { notStarted: null, rosterNote: null };
    const roster = await this.deps.roster(actor.tenantId, actor.contextId);
    if (roster.status !== 'ok') return { notStarted: null, rosterNote: roster.message };
    const started = new Set(view.rows.filter((r) => r.answers > 0).map((r) => r.userId));
    const notStarted = roster.members
      .filter((m) => m.isLearner && m.status === 'Active' && !started.has(m.userId))
      .map((m) => ({ name: m.name ?? ([m.givenName, m.familyName].filter(Boolean).join(' ') || m.userId) }));
    return { notStarted, rosterNote: null };
  }
}
