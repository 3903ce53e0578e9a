/** Rule: nothing left to practise: every skill mastered, or the open skills have no usable item. */
import { type Rule, reason, rule, step } from './view.js';

export const done: Rule = rule('done', (v) => {
  const all = v.skills().every((id) => v.isMastered(id));
  return step('done', null, null, all ? reason('all_mastered', null) : reason('no_items', null));
});
