import crypto from 'node:crypto';
import type pg from 'pg';
import { applyAttempt, createRng, nextStep, type LearnerState, type ReasonCode, type SkillState, type StepRequest } from '../engine/index.js';
import { answersToMastery, suggestedSkills, type SkillSuggestion } from '../engine/estimate.js';
import { GOAL_POLICY } from '../engine/policy/student-choice.js';
import type { Catalog, PackEntry } from '../content/catalog.js';
import type { Item, Skill } from '../content/content.schema.js';
import { isTemplate } from '../content/templates.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Clock } from '../clock.js';
import type { Actor } from '../lti/actor.js';
import type { Calibration } from './calibration.js';
import { settled, type LearnerStore, type StepResult } from './learner-store.js';
import type { Assignment, AttemptRow, CurrentQuestion, LearnerKey, LearnerRow, VersionedLearner } from './practice.repository.js';
import { configOf, progressOf, type Progress } from './progress.js';
import { afterStudied, goalStatus, parseGoal, sessionAt, withGoal, type GoalStatus, type PracticeSession } from './session.js';
import { mistakes, type MistakeRow } from './practice.repository.js';
import type { SubmissionWriter } from './submission-writer.js';

/** What the student page shows. */
/** Why the practice page shows no question: an engine done reason, or 'more' when a step became available. */
export interface DoneReason {
  code: ReasonCode | 'more';
  related: string[];
}

export type PracticeView =
  | { kind: 'not_configured' }
  | { kind: 'done'; progress: Progress; assignment: Assignment; skills: ReadonlyMap<string, Skill>; session: PracticeSession; goal: GoalStatus | null; reason: DoneReason }
  | {
      kind: 'question' | 'worked_example';
      item: Item;
      current: CurrentQuestion;
      progress: Progress;
      assignment: Assignment;
      /** The pack's skills by id, so the page names them in the reader's language. */
      skills: ReadonlyMap<string, Skill>;
      /** Set right after a submission. */
      result?: SubmissionResult;
      /** Memoises rendering of this item instance (the pack's content is immutable while cached). */
      memo: <T>(key: string, make: () => T) => T;
      notice?: string;
      /** When this page was made (ms); the answer form sends it back to time the question as shown. */
      shownAt: number;
      /** After an answer that finished the question: the next step, already stored (shown in place by the page's script). */
      upcoming?: PracticeView;
      /** The practice session (goal, points) and how far its goal is. */
      session: PracticeSession;
      goal: GoalStatus | null;
    };

/** The student's pages around practice (issue 17): plan (goal and skill choice), session summary, mistakes. */
export interface SessionPage {
  kind: 'plan' | 'summary' | 'mistakes';
  progress: Progress;
  assignment: Assignment;
  skills: ReadonlyMap<string, Skill>;
  session: PracticeSession;
  goal: GoalStatus | null;
  /** The next step's reason (summary: what is next), null when no question is on screen. */
  next: CurrentQuestion['reason'] | null;
  /** Without a question on screen: why (every skill mastered, practice paused, come back later, ...). */
  done: DoneReason | null;
  /** Plan: the model's suggestions with their reasons. */
  suggestions: SkillSuggestion[];
  /** Mistakes: the questions finished wrong, with the concrete item. */
  mistakes: { row: MistakeRow; item: Item }[];
  now: number;
}

/** The stored outcome of one submission, replayed as is when the same submission comes again. */
export interface SubmissionResult {
  correct: boolean;
  score: number;
  feedback: string;
  message?: string;
  tries: number;
  finished: boolean;
  itemId: string;
  seed: number;
  /** Why the question was chosen and how many hints were open (to show a replay as it was). */
  reason?: CurrentQuestion['reason'];
  hints?: number;
  /** The student said "I don't know" (no answer given, the worked solution shown). */
  skipped?: boolean;
}

/** Rendered item views kept per pack entry. */
const MAX_RENDERED = 5_000;

export interface StepDeps {
  pool: pg.Pool;
  clock: Clock;
  catalog: Catalog;
  assignments: AssignmentService;
  calibration: Calibration;
  store: LearnerStore;
  /** Answers and studied examples are written through this (group commit under load). */
  writer: SubmissionWriter;
}

/** One step of the loop on the actor's learner row: the assignment, its pack, the row and its key. */
export type StepFn = (a: Assignment, cache: PackEntry, row: VersionedLearner, key: LearnerKey) => Promise<StepResult<PracticeView>>;
/** A step's own read of the row (gets the row remembered in memory, first try only). */
export type StepRead = (key: LearnerKey, a: Assignment, cache: PackEntry, known: VersionedLearner | undefined) => Promise<VersionedLearner | null>;

/**
 * The next-step use cases of the student loop (show the current or next step, a hint, a studied worked
 * example) and what the answer path shares with them: choosing the next step with the engine, the
 * progress panel, rendering a step and replaying a recorded submission.
 */
export class Steps {
  constructor(readonly deps: StepDeps) {}

  now(): number {
    return this.deps.clock.now();
  }

  /** Runs `fn` on the actor's learner row through the learner store (not configured: nothing to run). */
  async run(actor: Actor, fn: StepFn, read?: StepRead): Promise<PracticeView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { kind: 'not_configured' };
    const cache = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const key: LearnerKey = { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: actor.userId };
    return this.deps.store.update(key, a, cache, (row) => fn(a, cache, row, key), read && ((known) => read(key, a, cache, known)));
  }

  /** The progress panel: mastery and status per assigned skill. */
  progress(state: LearnerState, a: Assignment, cache: PackEntry): Progress {
    return progressOf(state, a, cache, this.now());
  }

  /**
   * Why nothing is on screen: the engine's done reason at `now` (every skill mastered, practice paused on some
   * skills, come back later, no questions). The done rule is deterministic, so this is the reason the last
   * choice ended with; a question that became due since (a review, a skill back from its rest) is 'more'.
   */
  doneReason(state: LearnerState, a: Assignment, cache: PackEntry, now: number): DoneReason {
    const step = nextStep(state, cache.bank, configOf(a, cache), createRng(1), now);
    if (step.kind !== 'done') return { code: 'more', related: [] };
    return { code: step.reason.code, related: [...step.reason.related] };
  }

  /** The concrete item on screen (a template is instantiated with its seed). */
  concrete(cache: PackEntry, itemId: string, seed: number): Item {
    return this.deps.catalog.concrete(cache, itemId, seed);
  }

  /** Picks the next step with the engine (the caller stores it as the current question). */
  async choose(actor: Actor, a: Assignment, cache: PackEntry, row: LearnerRow, skill?: string, followUp?: StepRequest['followUp']): Promise<CurrentQuestion | null> {
    const bank = await this.deps.calibration.bank(actor.tenantId, a.packId, cache);
    const rng = createRng(crypto.randomInt(2 ** 31));
    const now = this.now();
    const session = row.session ? sessionAt(row.session, now) : null;
    const request: StepRequest = skill && a.allowChoice && a.skills.includes(skill) ? { skill } : {};
    // No item twice in a session while unseen items of its skill remain.
    if (session?.seen.length) request.avoid = new Set(session.seen);
    if (followUp) request.followUp = followUp;
    // A skill goal not met yet: its skill on every step (remediation first, see GOAL_POLICY).
    const goalSkill = session?.goal?.kind === 'skill' && session.goalMetAt === null && a.allowChoice && a.skills.includes(session.goal.skill) ? session.goal.skill : null;
    const step = goalSkill && !request.skill
      ? nextStep(row.state, bank, configOf(a, cache), rng, now, { ...request, skill: goalSkill }, GOAL_POLICY)
      : nextStep(row.state, bank, configOf(a, cache), rng, now, request);
    if (step.kind === 'done' || !step.itemId) return null;
    const item = cache.items.get(step.itemId);
    if (!item) return null;
    return {
      kind: step.kind,
      itemId: step.itemId,
      seed: isTemplate(item) ? crypto.randomInt(1, 2 ** 31) : 0,
      skill: step.skill,
      reason: { code: step.reason.code, skill: step.reason.skill, related: [...step.reason.related] },
      remediates: step.remediates,
      servedAt: this.now(),
      hints: 0,
      tries: 0,
      finished: false,
      submissionId: crypto.randomUUID(),
    };
  }

  render(a: Assignment, cache: PackEntry, row: LearnerRow, extra: { result?: SubmissionResult; notice?: string } = {}): Exclude<PracticeView, { kind: 'not_configured' }> {
    const now = this.now();
    const progress = this.withEstimates(this.progress(row.state, a, cache), row.state, a, cache, now);
    const session = sessionAt(row.session, now);
    const goal = goalStatus(session, now, masteredOf(progress));
    if (!row.current) return { kind: 'done', progress, assignment: a, skills: cache.skills, session, goal, reason: this.doneReason(row.state, a, cache, now) };
    const prefix = `${row.current.itemId}\u0000${row.current.seed}\u0000`;
    const memo = <T>(key: string, make: () => T): T => {
      const k = prefix + key;
      if (cache.rendered.has(k)) return cache.rendered.get(k) as T;
      const v = make();
      if (cache.rendered.size >= MAX_RENDERED) cache.rendered.clear();
      cache.rendered.set(k, v);
      return v;
    };
    const item = memo('item', () => this.concrete(cache, row.current!.itemId, row.current!.seed));
    return { kind: row.current.kind, item, current: row.current, progress, assignment: a, skills: cache.skills, memo, shownAt: now, session, goal, ...extra };
  }

  /**
   * Each skill's "about N more questions" (src/engine/estimate.ts), for the skills not mastered and open (a locked
   * skill shows what it builds on instead). A skill's state object is shared by the states after answers on other
   * skills (applyAttempt copies only the answered skills), so its estimate is made once per answer on it in this
   * process; the student's overall ability moving meanwhile shifts it by little, and "about" says so.
   */
  withEstimates(progress: Progress, state: LearnerState, a: Assignment, cache: PackEntry, now: number): Progress {
    const cfg = configOf(a, cache);
    const estimate = (id: string): { answers: number | null; atLeast: number | null } => {
      const k = state.skills[id];
      const hit = k ? estimates.get(k) : undefined;
      if (hit && hit.model === cfg.model && hit.threshold === cfg.masteryThreshold && hit.minAnswers === cfg.minAnswers) return hit;
      const e = answersToMastery(state, id, cfg, now);
      const made = { model: cfg.model, threshold: cfg.masteryThreshold, minAnswers: cfg.minAnswers, answers: e.answers, atLeast: e.atLeast };
      if (k) estimates.set(k, made);
      return made;
    };
    return {
      ...progress,
      skills: progress.skills.map((s) => {
        if (s.status === 'mastered' || s.status === 'review_due') return { ...s, toGo: 0 };
        if (!s.open) return s;
        const e = estimate(s.id);
        return { ...s, toGo: e.answers, atLeast: e.atLeast };
      }),
    };
  }

  /** A page around practice (plan, summary, mistakes): one read, no write. */
  async page(actor: Actor, kind: SessionPage['kind']): Promise<SessionPage | { kind: 'not_configured' }> {
    let page: SessionPage | null = null;
    const view = await this.run(actor, async (a, cache, row, key) => {
      const now = this.now();
      const progress = this.withEstimates(this.progress(row.state, a, cache), row.state, a, cache, now);
      const session = sessionAt(row.session, now);
      const bank = kind === 'plan' ? await this.deps.calibration.bank(actor.tenantId, a.packId, cache) : null;
      const wrong = kind === 'mistakes' ? await mistakes(this.deps.pool, key) : [];
      page = {
        kind, progress, assignment: a, skills: cache.skills, session, goal: goalStatus(session, now, masteredOf(progress)),
        next: row.current && !row.current.finished ? row.current.reason : null,
        done: row.current && !row.current.finished ? null : this.doneReason(row.state, a, cache, now),
        suggestions: bank ? suggestedSkills(row.state, bank, configOf(a, cache), now).filter((x) => a.skills.includes(x.skill)) : [],
        mistakes: wrong.filter((m) => m.packId === a.packId && cache.items.has(m.itemId)).map((m) => ({ row: m, item: this.concrete(cache, m.itemId, m.seed) })),
        now,
      };
      return { view: this.render(a, cache, row) };
    });
    return view.kind === 'not_configured' || !page ? { kind: 'not_configured' } : page;
  }

  /**
   * Sets the session's goal from the goal form ("questions:10", "minutes:15", "skill:<id>", "none"); a skill goal
   * needs the assignment to allow student choice. Unknown values change nothing. Then the practice page.
   */
  async setGoal(actor: Actor, value: string): Promise<PracticeView> {
    return this.run(actor, async (a, cache, row) => {
      const now = this.now();
      const goal = parseGoal(value, a.allowChoice ? a.skills : []);
      if (goal === undefined) return { view: this.render(a, cache, row) };
      const progress = this.progress(row.state, a, cache);
      const session = withGoal(sessionAt(row.session, now), goal, now, masteredOf(progress));
      const next: VersionedLearner = { ...row, session };
      // A new skill goal: the question on screen (unanswered) gives way to one on that skill.
      if (goal?.kind === 'skill' && session.goalMetAt === null && !(row.current && row.current.skill === goal.skill)) {
        if (!row.current || row.current.tries === 0) next.current = await this.choose(actor, a, cache, next);
      }
      return { write: next, show: () => this.render(a, cache, next) };
    });
  }

  /**
   * A recorded submission shown again (double click, retry, replayed form): its stored result on the
   * question it answered, even when the student has moved on to the next question since.
   */
  replay(a: Assignment, cache: PackEntry, row: LearnerRow, result: SubmissionResult): PracticeView {
    const cur = row.current;
    // A try that left its question open, replayed after the student moved on (a page one step behind from
    // another process's learner cache, then the same form again): that question cannot be answered any more,
    // so its form must not be offered again. A made-up submission id for it could never be recorded (the
    // answer path finds the question not current and answers 'stale', 200): an acknowledged answer lost.
    if (!result.finished && !(cur && cur.itemId === result.itemId && cur.seed === result.seed)) {
      return this.render(a, cache, row, { notice: 'stale' });
    }
    const shown: CurrentQuestion =
      cur && cur.itemId === result.itemId && cur.seed === result.seed
        ? { ...cur, tries: Math.max(cur.tries, result.tries), finished: cur.finished || result.finished }
        : {
            kind: 'question', itemId: result.itemId, seed: result.seed, skill: null, remediates: null, servedAt: 0,
            reason: result.reason ?? cur?.reason ?? { code: 'practice_at_level', skill: null, related: [] },
            hints: result.hints ?? 0, tries: result.tries, finished: result.finished, submissionId: crypto.randomUUID(),
          };
    return this.render(a, cache, { ...row, current: shown }, { result });
  }

  /**
   * The student page: resumes the unanswered question (a relaunch or a second tab shows the same one),
   * or picks the next step; a student's choice of skill (when allowed) replaces the current question.
   * Showing an unanswered question is one read and no write.
   */
  async view(actor: Actor, opts: { skill?: string } = {}): Promise<PracticeView> {
    return this.run(actor, async (a, cache, row) => {
      const chosen = opts.skill && a.allowChoice && a.skills.includes(opts.skill) ? opts.skill : undefined;
      if (row.current && !row.current.finished && !chosen) return { view: this.render(a, cache, row) };
      const next: VersionedLearner = { ...row, current: await this.choose(actor, a, cache, row, chosen) };
      return { write: next, show: () => this.render(a, cache, next) };
    });
  }

  /** Reveals the next hint of the current question (hint use is recorded with the answer). */
  async hint(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.run(actor, async (a, cache, row) => {
      const cur = row.current;
      if (cur && !cur.finished && cur.itemId === itemId && cur.seed === seed) {
        const item = this.concrete(cache, cur.itemId, cur.seed);
        if (cur.hints < item.hints.length) {
          const next: VersionedLearner = { ...row, current: { ...cur, hints: cur.hints + 1 } };
          return { write: next, show: () => this.render(a, cache, next) };
        }
      }
      return { view: this.render(a, cache, row) };
    });
  }

  /** The student studied a worked example: recorded in the log and the model, then practice goes on. */
  async studied(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.run(actor, async (a, cache, row, key) => {
      const cur = row.current;
      if (!(cur && cur.kind === 'worked_example' && !cur.finished && cur.itemId === itemId && cur.seed === seed)) return { view: this.render(a, cache, row) };
      const item = this.concrete(cache, cur.itemId, cur.seed);
      const now = this.now();
      const attempt: AttemptRow = {
        tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: actor.userId, packId: a.packId, itemId, seed, skills: item.skills,
        kind: 'worked_example', tryNumber: 1, counted: true, response: null, correct: false, score: 0, hintsUsed: 0,
        timeMs: Math.max(0, Math.min(now - cur.servedAt, 3_600_000)), difficulty: null, remediates: cur.remediates, submissionId: cur.submissionId,
        result: { studied: true }, answeredAt: new Date(now),
      };
      const next: VersionedLearner = { ...row, state: applyAttempt(row.state, { itemId, skills: item.skills, correct: false, hintsUsed: 0, at: now, kind: 'worked_example' }, configOf(a, cache)) };
      next.session = afterStudied(row.session, itemId, now, masteredOf(this.progress(next.state, a, cache)));
      // A similar question follows the example: the same template with new numbers, else a close item of the skill.
      const skill = cur.skill ?? item.skills[0];
      const authored = cache.items.get(itemId);
      next.current = await this.choose(actor, a, cache, next, undefined, skill ? { skill, itemId, sameItem: !!authored && isTemplate(authored) } : undefined);
      let outcome: 'recorded' | 'conflict' | 'duplicate' = 'conflict';
      return {
        write: async () => settled((outcome = await this.deps.writer.record({ key, learner: next, attempt })), next),
        show: () => this.render(a, cache, outcome === 'recorded' ? next : row),
      };
    });
  }
}

/** Estimates made per skill state object (see Steps.withEstimates), with the settings they were made under. */
const estimates = new WeakMap<SkillState, { model: unknown; threshold: number; minAnswers: number; answers: number | null; atLeast: number | null }>();

/** The skills the progress shows as mastered (a due review is still mastered). */
export function masteredOf(progress: Progress): Set<string> {
  return new Set(progress.skills.filter((s) => s.status === 'mastered' || s.status === 'review_due').map((s) => s.id));
}
