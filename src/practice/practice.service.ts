import crypto from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import {
  applyAttempt, boundDifficulty, calibrateItem, createRng, createState, nextStep, predictItem,
  upgradeState, type LearnerState, type ResolvedConfig,
} from '../engine/index.js';
import { Catalog, DEMO_PACK_ID, type PackEntry } from '../content/catalog.js';
import type { Item } from '../content/content.schema.js';
import { clockOf } from '../clock.js';
import { Calibration } from './calibration.js';
import { AssignmentService } from '../assignments/assignment.service.js';
import { grade, type GradeResult } from '../content/grading.js';
import { isTemplate } from '../content/templates.js';
import { defaultGrade, outboxRows, outboxUpsertSql, type OutboxRow } from '../grades/index.js';
import { AppError, badRequest, forbidden } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import {
  createLearner, readForAnswer, readLearner,
  updateLearner, type Assignment, type AttemptRow, type CurrentQuestion, type LearnerKey, type LearnerRow, type SubmissionWrites, type VersionedLearner,
} from './practice.repository.js';
import { answerSchema } from './practice.schema.js';
import { configOf, progressOf, rebuildState, type Progress } from './progress.js';
import { SUBMISSION_WRITER_DEFAULTS, SubmissionWriter, type SubmissionWriterOptions } from './submission-writer.js';

/** Tries a student gets on one question before the right answer is shown. */
export const MAX_TRIES = 2;
export { DEMO_PACK_ID };

export type { Progress, SkillProgress, SkillStatus } from './progress.js';

/** What the student page shows. */
export type PracticeView =
  | { kind: 'not_configured' }
  | { kind: 'done'; progress: Progress; assignment: Assignment }
  | {
      kind: 'question' | 'worked_example';
      item: Item;
      current: CurrentQuestion;
      progress: Progress;
      assignment: Assignment;
      /** Set right after a submission. */
      result?: SubmissionResult;
      /** Memoises rendering of this item instance (the pack's content is immutable while cached). */
      memo: <T>(key: string, make: () => T) => T;
      notice?: string;
      /** When this page was made (ms); the answer form sends it back to time the question as shown. */
      shownAt: number;
      /** After an answer that finished the question: the next step, already stored (shown in place by the page's script). */
      upcoming?: PracticeView;
    };

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
}

/**
 * Learner rows this process read or wrote are reused this long. Every write still checks the row's
 * version, so with several processes a reused row can at worst show a page that is one step behind
 * (the next submit then re-reads); no answer is ever lost or counted twice.
 */
const LEARNER_CACHE_MS = 60_000;
/** Learner rows kept (oldest used dropped first). */
const LEARNER_CACHE_SIZE = 20_000;
/** Times a step is tried when other requests of the same student keep writing first. */
const MAX_WRITE_ATTEMPTS = 5;
/** Rendered item views kept per pack entry. */
const MAX_RENDERED = 5_000;

/**
 * The student's practice loop: picks the next step with the engine, grades answers with the content
 * module, and in ONE transaction appends the attempt, updates the learner state and item difficulty,
 * and queues the grade for the LMS. Idempotent per submission id.
 */
type PackCache = PackEntry;

export class PracticeService {
  /** The tenants' content packs (shared with the instructor faces). */
  readonly catalog: Catalog;
  private readonly calibration: Calibration;
  /** The settings of each resource link (shared with the instructor faces). */
  readonly assignments: AssignmentService;
  /** Recently used learner rows by tenant, assignment and user (see LEARNER_CACHE_MS). */
  private learners = new Map<string, { row: VersionedLearner; at: number }>();

  /** Answers and studied examples are written through this (group commit under load). */
  private readonly writer: SubmissionWriter;

  constructor(
    private readonly deps: {
      pool: pg.Pool;
      log: Logger;
      now?: () => number;
      /** Called after an answer committed LMS scores (wakes grade delivery). */
      scoresQueued?: () => void;
      writer?: Partial<SubmissionWriterOptions>;
      catalog?: Catalog;
      assignments?: AssignmentService;
    },
  ) {
    const clock = clockOf(deps.now);
    this.catalog = deps.catalog ?? new Catalog({ pool: deps.pool, log: deps.log, clock });
    this.assignments = deps.assignments ?? new AssignmentService({ pool: deps.pool, log: deps.log, catalog: this.catalog, clock });
    this.calibration = new Calibration({ pool: deps.pool, log: deps.log, clock });
    this.writer = new SubmissionWriter(deps.pool, deps.log, { ...SUBMISSION_WRITER_DEFAULTS, ...deps.writer });
  }

  /** Statements and submissions the answer writer has written (batching figures). */
  get writerStats(): Readonly<SubmissionWriter['stats']> {
    return this.writer.stats;
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** A pack of the tenant (see Catalog.pack). */
  pack(tenantId: string, packId: string): Promise<PackEntry> {
    return this.catalog.pack(tenantId, packId);
  }

  private config(a: Assignment, cache: PackCache): ResolvedConfig {
    return configOf(a, cache);
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
  progress(state: LearnerState, a: Assignment, cache: PackCache): Progress {
    return progressOf(state, a, cache, this.now());
  }

  /** Picks the next step with the engine (the caller stores it as the current question). */
  private async choose(actor: Actor, a: Assignment, cache: PackCache, row: LearnerRow, skill?: string): Promise<CurrentQuestion | null> {
    const bank = await this.calibration.bank(actor.tenantId, a.packId, cache);
    const rng = createRng(crypto.randomInt(2 ** 31));
    const step = nextStep(row.state, bank, this.config(a, cache), rng, this.now(), skill && a.allowChoice && a.skills.includes(skill) ? { skill } : {});
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

  /** The concrete item on screen (a template is instantiated with its seed). */
  concrete(cache: PackCache, itemId: string, seed: number): Item {
    return this.catalog.concrete(cache, itemId, seed);
  }

  /**
   * Runs one step of the loop against the learner row: `fn` gets the row (recently used, read or created)
   * and either returns the view to show, or a changed row to write first. Writes are conditional on the
   * version read (optimistic concurrency: no transaction is held across round trips); when another
   * request of the same student wrote in between, the step runs again on a freshly read row.
   */
  private async step(
    actor: Actor,
    fn: (a: Assignment, cache: PackCache, row: VersionedLearner, key: LearnerKey) => Promise<{ view: PracticeView } | { write: (() => Promise<WriteOutcome>) | VersionedLearner; show: () => PracticeView }>,
    /** A step's own read; gets the row remembered in memory (first try only), or undefined. */
    read?: (key: LearnerKey, a: Assignment, cache: PackCache, known: VersionedLearner | undefined) => Promise<VersionedLearner | null>,
  ): Promise<PracticeView> {
    const a = await this.assignment(actor);
    if (!a) return { kind: 'not_configured' };
    const cache = await this.pack(actor.tenantId, a.packId);
    const key: LearnerKey = { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: actor.userId };
    for (let attempt = 1; ; attempt++) {
      const known = attempt === 1 ? this.recall(key) : undefined;
      let row = (read ? await read(key, a, cache, known) : known)
        ?? (await readLearner(this.deps.pool, key))
        ?? (await createLearner(this.deps.pool, key, createState()));
      // A state stored by an older engine is rebuilt from the attempt log (written back with the next step).
      if (!upgradeState(row.state)) row = { ...row, state: await this.rebuild(key, a, cache) };
      // A row served from memory keeps its age: the cache never outlives LEARNER_CACHE_MS since the last read or write.
      if (row !== known) this.remember(key, row);
      const out = await fn(a, cache, row, key);
      if ('view' in out) return out.view;
      let outcome: WriteOutcome;
      if (typeof out.write === 'function') outcome = await out.write();
      else outcome = (await updateLearner(this.deps.pool, key, out.write)) ? { written: out.write } : 'conflict';
      if (outcome !== 'conflict') {
        if (outcome === 'unchanged') this.forget(key);
        else this.remember(key, { ...outcome.written, version: outcome.written.version + 1 });
        return out.show();
      }
      this.forget(key);
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new AppError('busy', 409, 'Your answer could not be saved because this activity is open in another tab. Please reload the page.');
    }
  }

  /** The learner state replayed from the attempt log with the current model (older stored states). */
  private rebuild(key: LearnerKey, a: Assignment, cache: PackCache): Promise<LearnerState> {
    return rebuildState(this.deps.pool, key, a, cache);
  }

  private cacheKey(k: LearnerKey): string {
    return `${k.tenantId}\u0000${k.resourceLinkId}\u0000${k.userId}`;
  }

  /** A learner row this process used recently, if still fresh. Never mutated: steps copy before changing. */
  private recall(k: LearnerKey): VersionedLearner | undefined {
    const hit = this.learners.get(this.cacheKey(k));
    return hit && this.now() - hit.at < LEARNER_CACHE_MS ? hit.row : undefined;
  }

  private remember(k: LearnerKey, row: VersionedLearner): void {
    const id = this.cacheKey(k);
    const prev = this.learners.get(id);
    // Keep a newer version read or written by a concurrent request of the same student.
    if (prev && prev.row.version > row.version && this.now() - prev.at < LEARNER_CACHE_MS) return;
    this.learners.delete(id);
    if (this.learners.size >= LEARNER_CACHE_SIZE) this.learners.delete(this.learners.keys().next().value!);
    this.learners.set(id, { row, at: this.now() });
  }

  private forget(k: LearnerKey): void {
    this.learners.delete(this.cacheKey(k));
  }

  /** Drops every remembered row of one user of a tenant (after their data is deleted). */
  forgetUser(tenantId: string, userId: string): void {
    for (const id of [...this.learners.keys()]) {
      const [t, , u] = id.split('\u0000');
      if (t === tenantId && u === userId) this.learners.delete(id);
    }
  }

  private render(a: Assignment, cache: PackCache, row: LearnerRow, extra: { result?: SubmissionResult; notice?: string } = {}): Exclude<PracticeView, { kind: 'not_configured' }> {
    const progress = this.progress(row.state, a, cache);
    if (!row.current) return { kind: 'done', progress, assignment: a };
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
    return { kind: row.current.kind, item, current: row.current, progress, assignment: a, memo, shownAt: this.now(), ...extra };
  }

  /**
   * A recorded submission shown again (double click, retry, replayed form): its stored result on the
   * question it answered, even when the student has moved on to the next question since.
   */
  private replay(a: Assignment, cache: PackCache, row: LearnerRow, result: SubmissionResult): PracticeView {
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
    return this.step(actor, async (a, cache, row) => {
      const chosen = opts.skill && a.allowChoice && a.skills.includes(opts.skill) ? opts.skill : undefined;
      if (row.current && !row.current.finished && !chosen) return { view: this.render(a, cache, row) };
      const next: VersionedLearner = { ...row, current: await this.choose(actor, a, cache, row, chosen) };
      return { write: next, show: () => this.render(a, cache, next) };
    });
  }

  /** Reveals the next hint of the current question (hint use is recorded with the answer). */
  async hint(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.step(actor, async (a, cache, row) => {
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

  /**
   * Grades a submitted answer. A malformed answer gets a message and stores nothing. Otherwise ONE
   * statement appends the attempt, updates the learner state (first try only counts for the model) and
   * the item's difficulty, and queues the LMS score: all or nothing. The same submission id again
   * replays the stored result.
   */
  async answer(actor: Actor, body: Record<string, unknown>): Promise<PracticeView> {
    const parsed = answerSchema.safeParse(body);
    if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'The answer form is incomplete.');
    const input = parsed.data;
    let stat: { difficulty: number; answers: number } | undefined;
    let seen: { resourceLinkId: string; result: unknown } | null = null;
    const read = async (key: LearnerKey, a: Assignment, cache: PackCache, known: VersionedLearner | undefined) => {
      // Fast path: this process knows the row, and the form answers its current question with that
      // question's own submission id, so it cannot have been recorded (recording renews the id and the
      // version guards against other processes). The item's calibration comes from the bank (seconds old;
      // the write applies the step as a delta).
      const cur = known?.current;
      if (known && cur && !cur.finished && cur.kind === 'question' && cur.itemId === input.item_id && cur.seed === input.seed && cur.submissionId === input.submission_id) {
        await this.calibration.bank(actor.tenantId, a.packId, cache);
        stat = this.calibration.stat(cache, cur.itemId);
        seen = null;
        return known;
      }
      const r = await readForAnswer(this.deps.pool, key, input.submission_id, a.packId, input.item_id);
      stat = r.stat;
      seen = r.seen;
      return r.learner;
    };
    return this.step(
      actor,
      async (a, cache, row, key) => {
        if (seen) {
          if (seen.resourceLinkId !== a.resourceLinkId) throw forbidden('This answer belongs to another activity.');
          return { view: this.replay(a, cache, row, seen.result as SubmissionResult) };
        }
        const cur = row.current;
        if (!cur || cur.finished || cur.kind !== 'question' || cur.itemId !== input.item_id || cur.seed !== input.seed) {
          return { view: this.render(a, cache, row, { notice: 'stale' }) };
        }
        const item = this.concrete(cache, cur.itemId, cur.seed);
        const response = responseFrom(item, input.response, body);
        const graded: GradeResult = grade(item, response);
        if (graded.message) {
          return { view: this.render(a, cache, row, { result: { correct: false, score: 0, feedback: '', message: graded.message, tries: cur.tries, finished: false, itemId: cur.itemId, seed: cur.seed } }) };
        }
        const now = this.now();
        const tryNumber = cur.tries + 1;
        const finished = graded.correct || tryNumber >= MAX_TRIES;
        const result: SubmissionResult = {
          correct: graded.correct, score: graded.score, feedback: graded.feedback, tries: tryNumber, finished, itemId: cur.itemId, seed: cur.seed, reason: cur.reason, hints: cur.hints,
        };
        const cfg = this.config(a, cache);
        const authored = cache.items.get(cur.itemId)?.difficulty ?? 0;
        const itemStat = stat ? { difficulty: boundDifficulty(stat.difficulty, authored), answers: stat.answers } : { difficulty: authored, answers: 0 };
        const counted = tryNumber === 1;
        const shown: CurrentQuestion = { ...cur, tries: tryNumber, finished, submissionId: crypto.randomUUID() };
        const next: VersionedLearner = { ...row, current: shown };
        const writes: SubmissionWrites = {};
        if (counted) {
          // The live model's prediction for this student (ability included) is what the item is calibrated against.
          const predicted = predictItem(row.state, { skills: item.skills, difficulty: itemStat.difficulty }, cfg, now);
          const calibrated = calibrateItem(itemStat, predicted, graded.score, authored);
          writes.itemStat = { difficulty: calibrated.difficulty, delta: calibrated.difficulty - itemStat.difficulty, correct: graded.correct };
          next.state = applyAttempt(row.state, {
            itemId: cur.itemId, skills: item.skills, correct: graded.correct, score: graded.score, hintsUsed: cur.hints, at: now,
            difficulty: itemStat.difficulty, remediates: cur.remediates ?? undefined,
          }, cfg);
          next.answered = row.answered + 1;
          writes.scores = { rows: this.scoreRows(actor, a, cache, next, now), upsert: outboxUpsertSql };
        }
        // A finished question's successor is chosen now, on the new state, and stored with the answer:
        // "Next" is then one read and no write. (null: every skill mastered, the done page.)
        if (finished) next.current = await this.choose(actor, a, cache, next);
        const attempt: AttemptRow = {
          tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: actor.userId, packId: a.packId, itemId: cur.itemId, seed: cur.seed,
          skills: item.skills, kind: 'answer', tryNumber, counted, response, correct: graded.correct, score: graded.score, hintsUsed: cur.hints,
          timeMs: Math.max(0, Math.min(now - shownSince(cur.servedAt, input.shown_at, now), 3_600_000)), difficulty: itemStat.difficulty, remediates: cur.remediates,
          submissionId: input.submission_id, result, answeredAt: new Date(now),
        };
        let outcome: 'recorded' | 'conflict' | 'duplicate' = 'conflict';
        return {
          write: async () => {
            outcome = await this.writer.record({ key, learner: next, attempt, extra: writes });
            if (outcome === 'recorded' && writes.scores) this.deps.scoresQueued?.();
            return settled(outcome, next);
          },
          // The page shows the answered question with its feedback; a duplicate that raced in from another
          // request is shown as a replay.
          show: () => {
            if (outcome !== 'recorded') return this.replay(a, cache, row, result);
            const view = this.render(a, cache, { ...next, current: shown }, { result });
            if (finished && view.kind === 'question') view.upcoming = this.render(a, cache, next);
            return view;
          },
        };
      },
      read,
    );
  }

  /** The student studied a worked example: recorded in the log and the model, then practice goes on. */
  async studied(actor: Actor, itemId: string, seed: number): Promise<PracticeView> {
    return this.step(actor, async (a, cache, row, key) => {
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
      const next: VersionedLearner = { ...row, state: applyAttempt(row.state, { itemId, skills: item.skills, correct: false, hintsUsed: 0, at: now, kind: 'worked_example' }, this.config(a, cache)) };
      next.current = await this.choose(actor, a, cache, next);
      let outcome: 'recorded' | 'conflict' | 'duplicate' = 'conflict';
      return {
        write: async () => settled((outcome = await this.writer.record({ key, learner: next, attempt })), next),
        show: () => this.render(a, cache, outcome === 'recorded' ? next : row),
      };
    });
  }

  /** The LMS score rows for this student's new state (written in the answer's statement). */
  private scoreRows(actor: Actor, a: Assignment, cache: PackCache, row: LearnerRow, now: number): OutboxRow[] {
    const progress = this.progress(row.state, a, cache);
    const skills = progress.skills.map((s) => ({ skillId: s.id, name: s.name, mastery: Math.min(1, Math.max(0, s.mastery)) }));
    const g = defaultGrade({ skills, threshold: a.threshold, points: a.points, answered: row.answered });
    return outboxRows({
      tenantId: actor.tenantId,
      userId: actor.userId,
      resourceLinkId: a.resourceLinkId,
      scoreGiven: g.scoreGiven,
      scoreMaximum: g.scoreMaximum,
      activityProgress: g.activityProgress,
      gradingProgress: g.gradingProgress,
      comment: g.comment,
      title: a.title ?? undefined,
      perSkillColumns: a.perSkillColumns,
      skillMastery: skills,
      at: new Date(now),
    });
  }
}

/** What a step's write did: wrote this row, found the submission already recorded, or lost a race. */
type WriteOutcome = { written: VersionedLearner } | 'unchanged' | 'conflict';

const settled = (outcome: 'recorded' | 'conflict' | 'duplicate', row: VersionedLearner): WriteOutcome =>
  outcome === 'recorded' ? { written: row } : outcome === 'duplicate' ? 'unchanged' : 'conflict';

/**
 * Since when the student saw the question: the moment the page showing it was made (sent back by the
 * form), if it is plausible (not before the question was chosen, not in the future); else when chosen.
 * A question chosen in advance (with the previous answer) is timed from when it was shown.
 */
export function shownSince(servedAt: number, shownAt: number | undefined, now: number): number {
  return shownAt !== undefined && shownAt >= servedAt && shownAt <= now ? shownAt : servedAt;
}

/** Turns the answer form into the response grading expects (ordering items post `order_<id>` positions). */
export function responseFrom(item: Item, response: string | string[] | undefined, body: Record<string, unknown>): unknown {
  if (item.type === 'ordering') {
    const positions = item.entries.map((e) => ({ id: e.id, pos: Number(body[`order_${e.id}`]) }));
    if (positions.some((p) => !Number.isInteger(p.pos))) return positions.every((p) => body[`order_${p.id}`] === undefined || body[`order_${p.id}`] === '') ? [] : ['__invalid__'];
    return positions.sort((x, y) => x.pos - y.pos).map((p) => p.id);
  }
  if (item.type === 'multiple_choice') return response === undefined ? [] : Array.isArray(response) ? response : [response];
  if (response === undefined) return '';
  return response;
}
