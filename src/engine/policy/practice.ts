/**
 * Rule: practice. Interleave the first `maxOpenSkills` open skills (prerequisites mastered, set aside or
 * unlocked) in prerequisite order, taking the one practised least recently, with the item whose predicted
 * success for this student is closest to the target. Moving on: a skill with `moveOnAnswers` answers and no
 * mastery is set aside (state.ts) because more practice now has little value; the open skills not set aside
 * come first, and the set-aside ones come back when nothing else is left, until `giveUpAnswers` answers
 * without mastery: then practice on it stops (the teacher is the next step; done says so).
 */
import { type Rule, reason, rule, step } from './view.js';

export const practice: Rule = rule('practice', (v, rng) => {
  const { state, cfg } = v;
  const pickFrom = (parked: boolean): string[] => {
    const active: string[] = [];
    for (const id of v.skills()) {
      if (!v.isOpen(id) || v.isParked(id) !== parked) continue;
      if (v.lowValue(id)) continue;
      if (!v.bank.itemsBySkill.get(id)?.some((it) => v.usable(it))) continue;
      active.push(id);
      if (active.length >= cfg.maxOpenSkills) break;
    }
    return active;
  };
  let active = pickFrom(false);
  if (active.length === 0) active = pickFrom(true);
  const candidates = active.length > 1 ? active.filter((id) => id !== state.lastSkill) : active;
  let chosen: string | null = null;
  let oldest = Infinity;
  for (const id of candidates) {
    const last = state.skills[id]?.lastStep ?? -1;
    if (last < oldest) { chosen = id; oldest = last; }
  }
  if (!chosen) return null;
  const pick = v.pickItem(chosen, rng, cfg.targetSuccess);
  if (!pick) return null;
  const s = state.skills[chosen];
  const last = state.lastSkill;
  const justParked = last !== null && last !== chosen && state.skills[last]?.parkedAt === state.steps;
  const prereqs = (v.bank.byId.get(chosen)?.prerequisites ?? []).filter((p) => v.inScope(p));
  const why = justParked ? reason('moving_on', chosen, [last])
    : s && s.answers > 0 ? reason('practice_at_level', chosen)
    : prereqs.length > 0 && prereqs.every((p) => v.isMastered(p)) ? reason('new_skill_prereqs_mastered', chosen, prereqs)
    : reason('new_skill', chosen);
  return step('question', pick, chosen, why);
});
