import type { ActivityProgress, GradingProgress, SkillMastery } from './outbox.js';

/** Inputs of the default grading rule. */
export interface GradeRuleInput {
  /** The assigned skills with their current mastery (P(known), 0..1). */
  skills: SkillMastery[];
  /** A skill counts as mastered at or above this mastery (default 0.95). */
  threshold?: number;
  /** The assignment's points (scoreMaximum). */
  points: number;
  /** Answers the student has given in this assignment. */
  answered: number;
  /** Send gradingProgress Pending until every skill is mastered (the score then does not show in Canvas). */
  pendingUntilComplete?: boolean;
}

/** The score fields the rule decides (what enqueueScore takes, minus identity and time). */
export interface GradeRuleOutput {
  scoreGiven: number;
  scoreMaximum: number;
  activityProgress: ActivityProgress;
  gradingProgress: GradingProgress;
  comment: string;
  mastered: number;
}

/**
 * The default grading rule (docs/grades.md): scoreGiven = (assigned skills mastered / assigned skills)
 * x points, rounded to 2 decimals. activityProgress (AGS 2.0 §3.4.4): Initialized before any answer,
 * Started once answering with no skill mastered yet, InProgress with some mastered, Completed when all
 * are. gradingProgress (§3.4.5) is FullyGraded (Canvas records only FullyGraded and PendingManual), or
 * Pending until Completed when the assignment asks for it. The comment lists mastery per skill.
 */
export function defaultGrade(input: GradeRuleInput): GradeRuleOutput {
  const threshold = input.threshold ?? 0.95;
  const total = input.skills.length;
  const mastered = input.skills.filter((s) => s.mastery >= threshold).length;
  const share = total === 0 ? 0 : mastered / total;
  const activityProgress: ActivityProgress =
    input.answered <= 0 ? 'Initialized' : total > 0 && mastered === total ? 'Completed' : mastered > 0 ? 'InProgress' : 'Started';
  const gradingProgress: GradingProgress = input.pendingUntilComplete && activityProgress !== 'Completed' ? 'Pending' : 'FullyGraded';
  const parts = input.skills.map((s) => `${s.name} ${Math.round(s.mastery * 100)}%${s.mastery >= threshold ? ' (mastered)' : ''}`);
  const comment = `Mastered ${mastered} of ${total} skills. ${parts.join('; ')}`.slice(0, 1000);
  return { scoreGiven: Math.round(share * input.points * 100) / 100, scoreMaximum: input.points, activityProgress, gradingProgress, comment, mastered };
}
