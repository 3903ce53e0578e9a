/**
 * Rule: nothing left to practise: every skill mastered, or the skills left have little value now (view.lowValue:
 * practised `giveUpAnswers` times without mastery, or at a plateau; practice_paused: the teacher is the next
 * step, and a skill at a plateau comes back once forgetting lowers it), or the open skills have no item.
 */
import { type Rule, reason, rule, step } from './view.js';

export const done: Rule = rule('done', (v) => {
  const all = v.skills().every((id) => v.isMastered(id));
  if (all) return step('done', null, null, reason('all_mastered', null));
  // Skills resting after good answers come back for a spaced check once their rest is over: come back later.
  const resting = v.skills().filter((id) => !v.isMastered(id) && v.resting(id));
  if (resting.length) return step('done', null, null, reason('come_back_later', null, resting));
  const stuck = v.skills().filter((id) => !v.isMastered(id) && v.lowValue(id));
  return step('done', null, null, stuck.length ? reason('practice_paused', null, stuck) : reason('no_items', null));
});
