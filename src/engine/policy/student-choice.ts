/** Rule: the student picked a skill (the assignment allows it) that is open or mastered: practise it. */
import { done } from './done.js';
import { practice } from './practice.js';
import { remediation } from './remediation.js';
import { reviewDue } from './review.js';
import { type Rule, reason, rule, step } from './view.js';

export const studentChoice: Rule = rule('student_choice', (v, rng) => {
  const s = v.request.skill;
  if (!s || !v.cfg.allowStudentChoice || !v.inScope(s) || !(v.isOpen(s) || v.isMastered(s))) return null;
  const pick = v.pickItem(s, rng, v.cfg.targetSuccess);
  return pick ? step('question', pick, s, reason('student_choice', s)) : null;
});

/**
 * The policy while the student works towards a skill goal they set (issue 17): their skill on every step, except
 * that a struggling student still gets remediation first (a worked example, a prerequisite, an easier item).
 */
export const GOAL_POLICY: readonly Rule[] = [remediation, studentChoice, reviewDue, practice, done];
