import crypto from 'node:crypto';
import { applyAttempt, boundDifficulty, calibrateItem, predictItem } from '../engine/index.js';
import type { PackEntry } from '../content/catalog.js';
import type { Item } from '../content/content.schema.js';
import { grade, type GradeResult } from '../content/grading.js';
import { defaultGrade, outboxRows, outboxUpsertSql, type OutboxRow } from '../grades/index.js';
import { forbidden } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { settled, type StepResult } from './learner-store.js';
import {
  readForAnswer, type Assignment, type AttemptRow, type CurrentQuestion, type LearnerKey, type LearnerRow, type SubmissionWrites, type VersionedLearner,
} from './practice.repository.js';
import { configOf } from './progress.js';
import type { AnswerInput } from './practice.schema.js';
import { masteredOf, type PracticeView, type Steps, type StepRead, type SubmissionResult } from './step.js';
import { afterAnswer } from './session.js';

/** Tries a student gets on one question before the right answer is shown. */
export const MAX_TRIES = 2;

/**
 * A submitted answer as the HTTP face decoded it: the validated form, and the response grading expects for
 * the concrete item on screen (the form's shape depends on the item: ordering items post positions).
 */
export interface AnswerSubmission {
  input: AnswerInput;
  response: (item: Item) => unknown;
  /** "I don't know": a wrong answer without a guess; the question ends and its worked solution is shown. */
  skipped?: boolean;
}

/** What the answer's own read found: the item's calibration and, when the submission was recorded, its result. */
interface AnswerRead {
  stat?: { difficulty: number; answers: number };
  seen: { resourceLinkId: string; result: unknown } | null;
}

/**
 * The answer use case: grades a submitted answer (decoded from the form by src/practice/practice.routes.ts).
 * A malformed answer gets a message and stores nothing. Otherwise ONE statement appends the attempt, updates
 * the learner state (first try only counts for the model) and the item's difficulty, and queues the LMS
 * score: all or nothing. The same submission id again replays the stored result.
 */
export class Answers {
  constructor(
    private readonly steps: Steps,
    /** Called after an answer committed LMS scores (wakes grade delivery). */
    private readonly scoresQueued?: () => void,
  ) {}

  async answer(actor: Actor, submission: AnswerSubmission): Promise<PracticeView> {
    const { input } = submission;
    const found: AnswerRead = { seen: null };
    return this.steps.run(
      actor,
      async (a, cache, row, key) => {
        if (found.seen) {
          if (found.seen.resourceLinkId !== a.resourceLinkId) throw forbidden('This answer belongs to another activity.');
          return { view: this.steps.replay(a, cache, row, found.seen.result as SubmissionResult) };
        }
        const cur = row.current;
        if (!cur || cur.finished || cur.kind !== 'question' || cur.itemId !== input.item_id || cur.seed !== input.seed) {
          return { view: this.steps.render(a, cache, row, { notice: 'stale' }) };
        }
        return this.record(actor, a, cache, row, key, cur, submission, found.stat);
      },
      this.read(actor, input, found),
    );
  }

  /** The answer's read: the row this process knows when the form answers its current question, else one read for answering. */
  private read(actor: Actor, input: AnswerInput, found: AnswerRead): StepRead {
    const { calibration, pool } = this.steps.deps;
    return async (key, a, cache, known) => {
      // Fast path: this process knows the row, and the form answers its current question with that
      // question's own submission id, so it cannot have been recorded (recording renews the id and the
      // version guards against other processes). The item's calibration comes from the bank (seconds old;
      // the write applies the step as a delta).
      const cur = known?.current;
      if (known && cur && !cur.finished && cur.kind === 'question' && cur.itemId === input.item_id && cur.seed === input.seed && cur.submissionId === input.submission_id) {
        await calibration.bank(actor.tenantId, a.packId, cache);
        found.stat = calibration.stat(cache, cur.itemId);
        found.seen = null;
        return known;
      }
      const r = await readForAnswer(pool, key, input.submission_id, a.packId, input.item_id);
      found.stat = r.stat;
      found.seen = r.seen;
      return r.learner;
    };
  }

  /** Grades the answer to the current question and builds its one write (attempt, state, calibration, scores). */
  private async record(
    actor: Actor, a: Assignment, cache: PackEntry, row: VersionedLearner, key: LearnerKey, cur: CurrentQuestion,
    { input, response: decode, skipped = false }: AnswerSubmission, stat: AnswerRead['stat'],
  ): Promise<StepResult<PracticeView>> {
    const steps = this.steps;
    const item = steps.concrete(cache, cur.itemId, cur.seed);
    const response = skipped ? null : decode(item);
    const graded: GradeResult = skipped ? { correct: false, score: 0, feedback: '' } : grade(item, response);
    if (graded.message) {
      return { view: steps.render(a, cache, row, { result: { correct: false, score: 0, feedback: '', message: graded.message, tries: cur.tries, finished: false, itemId: cur.itemId, seed: cur.seed } }) };
    }
    const now = steps.now();
    const tryNumber = cur.tries + 1;
    const finished = graded.correct || skipped || tryNumber >= MAX_TRIES;
    const result: SubmissionResult = {
      correct: graded.correct, score: graded.score, feedback: graded.feedback, tries: tryNumber, finished, itemId: cur.itemId, seed: cur.seed, reason: cur.reason, hints: cur.hints,
      ...(skipped ? { skipped: true } : {}),
    };
    const cfg = configOf(a, cache);
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
    // The session: counts, points (never taken away) and the item seen, before the next step is chosen.
    const mastered = masteredOf(steps.progress(next.state, a, cache));
    const masteredNow = counted ? item.skills.filter((id) => next.state.skills[id]?.mastered && !row.state.skills[id]?.mastered) : [];
    next.session = afterAnswer(row.session, {
      itemId: cur.itemId, skill: cur.skill ?? item.skills[0] ?? '', tryNumber, correct: graded.correct, skipped, at: now, masteredNow,
    }, mastered);
    // A finished question's successor is chosen now, on the new state, and stored with the answer:
    // "Next" is then one read and no write. (null: every skill mastered, the done page.)
    if (finished) next.current = await steps.choose(actor, a, cache, next);
    const attempt: AttemptRow = {
      tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: actor.userId, packId: a.packId, itemId: cur.itemId, seed: cur.seed,
      skills: item.skills, kind: 'answer', tryNumber, counted, response, correct: graded.correct, score: graded.score, hintsUsed: cur.hints,
      timeMs: Math.max(0, Math.min(now - shownSince(cur.servedAt, input.shown_at, now), 3_600_000)), difficulty: itemStat.difficulty, remediates: cur.remediates,
      submissionId: input.submission_id, result, answeredAt: new Date(now),
      confidence: skipped ? null : input.confidence ?? null, skipped,
    };
    let outcome: 'recorded' | 'conflict' | 'duplicate' = 'conflict';
    return {
      write: async () => {
        outcome = await steps.deps.writer.record({ key, learner: next, attempt, extra: writes });
        if (outcome === 'recorded' && writes.scores) this.scoresQueued?.();
        return settled(outcome, next);
      },
      // The page shows the answered question with its feedback; a duplicate that raced in from another
      // request is shown as a replay.
      show: () => {
        if (outcome !== 'recorded') return steps.replay(a, cache, row, result);
        const view = steps.render(a, cache, { ...next, current: shown }, { result });
        if (finished && view.kind === 'question') view.upcoming = steps.render(a, cache, next);
        return view;
      },
    };
  }

  /** The LMS score rows for this student's new state (written in the answer's statement). */
  private scoreRows(actor: Actor, a: Assignment, cache: PackEntry, row: LearnerRow, now: number): OutboxRow[] {
    const progress = this.steps.progress(row.state, a, cache);
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

/**
 * Since when the student saw the question: the moment the page showing it was made (sent back by the
 * form), if it is plausible (not before the question was chosen, not in the future); else when chosen.
 * A question chosen in advance (with the previous answer) is timed from when it was shown.
 */
export function shownSince(servedAt: number, shownAt: number | undefined, now: number): number {
  return shownAt !== undefined && shownAt >= servedAt && shownAt <= now ? shownAt : servedAt;
}
