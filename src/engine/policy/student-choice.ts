/** Rule: the student picked a skill (the assignment allows it) that is open or mastered: practise it. */
import { type Rule, reason, rule, step } from './view.js';

export const studentChoice: Rule = rule('student_choice', (v, rng) => {
  const s = v.request.skill;
  if (!s || !v.cfg.allowStudentChoice || !v.inScope(s) || !(v.isOpen(s) || v.isMastered(s))) return null;
  const pick = v.pickItem(s, rng, v.cfg.targetSuccess);
  return pick ? step('question', pick, s, reason('student_choice', s)) : null;
});
