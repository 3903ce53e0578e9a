/**
 * Types of the at-risk (wheel-spinning) model. Pure data: no I/O, no clock.
 *
 * The model reads one answer stream: every answer of every student, in the order each student gave them. A
 * (student, skill) *sequence* is the student's answers on that skill, numbered 1, 2, … in that order.
 */

/** One answer. `hints` and `ms` are optional: a log without them (e.g. a `student,skill,correct` CSV) still works. */
export interface RiskAnswer {
  student: string;
  skill: string;
  correct: boolean;
  /** Hints the student opened on this question (absent = unknown, not zero). */
  hints?: number;
  /** Time the student took, in milliseconds (absent = unknown). */
  ms?: number;
}

/** What "mastered" and "wheel-spinning" mean for the label and for today's rule (see docs/risk.md). */
export interface RiskDefinition {
  /** Mastered at the first answer that ends a run of this many correct answers in a row (ASSISTments: 3). */
  masteryRun: number;
  /** Wheel-spinning: no mastery within this many answers on the skill (Beck & Gong 2013: 10). */
  horizon: number;
  /**
   * 'unfinished' (default): a sequence is positive when it is not mastered within `horizon` answers, whether the
   * student kept failing or stopped ("wheel-spins or does not finish"). 'strict': Beck & Gong's label, where a
   * sequence that stops before `horizon` answers without mastery has no label and is left out.
   */
  label: 'unfinished' | 'strict';
}

export const DEFAULT_DEFINITION: RiskDefinition = { masteryRun: 3, horizon: 10, label: 'unfinished' };

/** Reason codes; the view translates them with their parameters. */
export type RiskReason =
  | { code: 'recent_wrong'; skill: string; wrong: number; of: number }
  | { code: 'wrong_streak'; skill: string; count: number }
  | { code: 'low_accuracy'; skill: string; correct: number; of: number }
  | { code: 'many_answers'; skill: string; answers: number }
  | { code: 'declining'; skill: string; earlierPercent: number; recentPercent: number }
  | { code: 'struggled_elsewhere'; mastered: number; of: number }
  | { code: 'low_accuracy_elsewhere'; correct: number; of: number }
  | { code: 'hard_skill'; skill: string; percent: number }
  | { code: 'many_hints'; skill: string; hints: number; of: number }
  | { code: 'slow'; skill: string; seconds: number }
  | { code: 'no_mastery_yet'; skill: string; answers: number }
  /** No single sign stands out: students with this start on a skill often stop before mastering it. */
  | { code: 'may_not_finish'; skill: string; answers: number }
  /** Today's rule, second clause: the student's answers on every skill, none mastered. */
  | { code: 'no_skill_mastered'; answers: number };

export type RiskReasonCode = RiskReason['code'];

/** What the teacher could do. */
export type RiskAction = 'reteach_prerequisite' | 'worked_example' | 'small_group';

/** One raised flag. */
export interface RiskFlag {
  student: string;
  skill: string;
  /** The answer (1-based, on this skill) at which the flag was raised; it uses answers 1..atAnswer only. */
  atAnswer: number;
  /** Predicted probability of wheel-spinning or not finishing (1 when already certain). */
  probability: number;
  /** Most important first, at most three. */
  reasons: RiskReason[];
  action: RiskAction;
}
