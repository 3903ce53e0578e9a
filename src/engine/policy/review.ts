/**
 * Rule: a mastered skill whose review is due: the learner model predicts its P(correct) on a new item has
 * fallen below the threshold (SkillState.dueAt, from the fitted forgetting curve). Most overdue first.
 */
import { type Rule, reason, rule, step } from './view.js';

export const reviewDue: Rule = rule('review_due', (v, rng) => {
  if (!v.cfg.reviews) return null;
  let due: string | null = null;
  let dueAt = Infinity;
  for (const id of v.skills()) {
    const s = v.state.skills[id];
    if (s?.mastered && s.dueAt !== null && s.dueAt <= v.now && s.dueAt < dueAt) { due = id; dueAt = s.dueAt; }
  }
  if (!due) return null;
  const pick = v.pickItem(due, rng, v.cfg.targetSuccess);
  return pick ? step('question', pick, due, reason('review_due', due)) : null;
});
