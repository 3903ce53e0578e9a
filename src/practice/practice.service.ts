import type pg from 'pg';
import type { Logger } from 'pino';
import type { LearnerState } from '../engine/index.js';
import { Catalog, DEMO_PACK_ID, type PackEntry } from '../content/catalog.js';
import type { Item } from '../content/content.schema.js';
import { clockOf } from '../clock.js';
import { AssignmentService } from '../assignments/assignment.service.js';
import type { Actor } from '../lti/actor.js';
import { Calibration } from './calibration.js';
import { Answers, type AnswerSubmission } from './answer.js';
import { LearnerStore } from './learner-store.js';
import type { Assignment } from './practice.repository.js';
import type { Progress } from './progress.js';
import { Steps, type PracticeView, type SessionPage } from './step.js';
import { SUBMISSION_WRITER_DEFAULTS, SubmissionWriter, type SubmissionWriterOptions } from './submission-writer.js';

export { DEMO_PACK_ID };
export { MAX_TRIES, shownSince, type AnswerSubmission } from './answer.js';
export type { DoneReason, PracticeView, SessionPage, SubmissionResult } from './step.js';
export type { Progress, SkillProgress, SkillStatus } from './progress.js';

/**
 * The student's practice loop, as one facade for the routes and tests: the next-step use cases
 * (src/practice/step.ts), the answer use case (src/practice/answer.ts), the learner rows and their
 * optimistic read-modify-write (src/practice/learner-store.ts). Answers are graded with the content
 * module and written in ONE statement (attempt, learner state, item difficulty, LMS score rows);
 * idempotent per submission id.
 */
export class PracticeService {
  /** The tenants' content packs (shared with the instructor faces). */
  readonly catalog: Catalog;
  /** The settings of each resource link (shared with the instructor faces). */
  readonly assignments: AssignmentService;
  private readonly store: LearnerStore;
  private readonly writer: SubmissionWriter;
  private readonly steps: Steps;
  private readonly answers: Answers;

  constructor(deps: {
    pool: pg.Pool;
    log: Logger;
    now?: () => number;
    /** Called after an answer committed LMS scores (wakes grade delivery). */
    scoresQueued?: () => void;
    writer?: Partial<SubmissionWriterOptions>;
    catalog?: Catalog;
    assignments?: AssignmentService;
  }) {
    const clock = clockOf(deps.now);
    this.catalog = deps.catalog ?? new Catalog({ pool: deps.pool, log: deps.log, clock });
    this.assignments = deps.assignments ?? new AssignmentService({ pool: deps.pool, log: deps.log, catalog: this.catalog, clock });
    const calibration = new Calibration({ pool: deps.pool, log: deps.log, clock });
    this.writer = new SubmissionWriter(deps.pool, deps.log, { ...SUBMISSION_WRITER_DEFAULTS, ...deps.writer });
    this.store = new LearnerStore({ pool: deps.pool, clock });
    this.steps = new Steps({ pool: deps.pool, clock, catalog: this.catalog, assignments: this.assignments, calibration, store: this.store, writer: this.writer });
    this.answers = new Answers(this.steps, deps.scoresQueued);
  }

  /** Statements and submissions the answer writer has written (batching figures). */
  get writerStats(): Readonly<SubmissionWriter['stats']> {
    return this.writer.stats;
  }

  /** A pack of the tenant (see Catalog.pack). */
  pack(tenantId: string, packId: string): Promise<PackEntry> {
    return this.catalog.pack(tenantId, packId);
  }

  /** The assignment of the actor's resource link (see AssignmentService.get). */
  assignment(actor: Actor): Promise<Assignment | null> {
    return this.assignments.get(actor);
  }

  /** Instructors: creates or changes the assignment of their resource link. */
  configure(actor: Actor, body: unknown): Promise<Assignment> {
    return this.assignments.configure(actor, body);
  }

  /** The progress panel: mastery and status per assigned skill. */
  progress(state: LearnerState, a: Assignment, cache: PackEntry): Progress {
    return this.steps.progress(state, a, cache);
  }

  /** The concrete item on screen (a template is instantiated with its seed). */
  concrete(cache: PackEntry, itemId: string, seed: number): Item {
    return this.steps.concrete(cache, itemId, seed);
  }

  /** Drops every remembered row of one user of a tenant (after their data is deleted). */
  forgetUser(tenantId: string, userId: string): void {
    this.store.forgetUser(tenantId, userId);
  }

  /** The student page: the unanswered question, or the next step (see Steps.view). */
  view(actor: Actor, opts: { skill?: string } = {}): Promise<PracticeView> {
    return this.steps.view(actor, opts);
  }

  /** Reveals the next hint of the current question (see Steps.hint). */
  hint(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.steps.hint(actor, itemId, seed);
  }

  /** Grades a submitted answer, as decoded from the form by `answerFrom` (see src/practice/answer.ts). */
  answer(actor: Actor, submission: AnswerSubmission): Promise<PracticeView> {
    return this.answers.answer(actor, submission);
  }

  /** A page around practice: the session plan (goal, skill choice), summary or the mistakes (see Steps.page). */
  page(actor: Actor, kind: SessionPage['kind']): Promise<SessionPage | { kind: 'not_configured' }> {
    return this.steps.page(actor, kind);
  }

  /** Sets the session's goal from the goal form's value (see Steps.setGoal). */
  setGoal(actor: Actor, value: string): Promise<PracticeView> {
    return this.steps.setGoal(actor, value);
  }

  /** The student studied a worked example (see Steps.studied). */
  studied(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.steps.studied(actor, itemId, seed);
  }
}
