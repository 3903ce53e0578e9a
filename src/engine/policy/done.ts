/**
 * Rule: nothing left to practise: every skill mastered, or the skills left were practised `giveUpAnswers`
 * times without mastery (practice_paused: the teacher is the next step), or the open skills have no item.
 */
import { type Rule, reason, rule, step } from './view.js';

export const done: Rule = rule('done', (v) => {
  const all = v.skills().every((id) => v.isMastered(id));
  if (all) return step('done', null, null, reason('all_mastered', null));
  const stuck = v.skills().filter((id) => !v.isMastered(id) && ((v.state.skills[id]?.run ?? 0) >= v.cfg.giveUpAnswers || v.lowValue(id)));
  return step('done', null, null, stuck.length ? reason('practice_paused', null, stuck) : reason('no_items', null));
});
