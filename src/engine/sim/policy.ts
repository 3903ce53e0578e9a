/**
 * What the harness drives: a policy makes one session per student; a session says what to show next and
 * hears what happened. Sessions see only what a real product sees (the items shown and whether the answers
 * were right), never the simulated student.
 */
import type { SimItem } from './types.js';

/** One step a policy shows: a question to answer or a worked example to study. */
export interface PolicyStep {
  kind: 'question' | 'worked_example';
  item: SimItem;
}

export interface PolicySession {
  /**
   * The next step at `atDays` (days since the student's first question); null when the student is done;
   * 'later' when there is nothing to do today but practice resumes on a later day (the product's "come back
   * tomorrow": skills resting after good answers come back for a spaced check).
   */
  next(atDays: number): PolicyStep | null | 'later';
  /** The outcome of the step just shown (`correct` is false for a worked example). */
  record(step: PolicyStep, correct: boolean, atDays: number): void;
  /** Skills the policy declared mastered by the last record() (newly, including a re-mastery after a lapse). */
  verdicts(): readonly string[];
  /** Skills the policy considers mastered now. */
  mastered(): readonly string[];
}

export interface Policy {
  name: string;
  /** A session for student number i (seeded from i: reproducible). */
  session(i: number): PolicySession;
  /** Called after each student's day of practice, in class order (the product refreshes item calibration). */
  afterStudentDay?(): void;
}
