/**
 * Rule: remediation of a wheel-spinning skill (Beck & Gong 2013): `remediationErrors` wrong answers in a row,
 * or `stallAnswers` answers without the mastery probability rising. Steps escalate with the remediations
 * already taken since the last right answer: first the weakest prerequisite that is not solid (a question on
 * it at the target success rate), else / then a worked example of the skill, then easier items of the skill
 * (predicted success 0.9). The most recently practised struggling skill is helped first. A skill the
 * move-on rule set aside is not remediated (the student works on other skills first).
 */
import { type Rule, reason, rule, step } from './view.js';

/** Predicted success wanted of an easier item. */
export const EASIER_TARGET = 0.9;

export const remediation: Rule = rule('remediation', (v, rng) => {
  const cfg = v.cfg;
  let struggling: string | null = null;
  let latest = -Infinity;
  for (const id of v.skills()) {
    const s = v.state.skills[id];
    if (!s || s.mastered || s.parkedAt !== null || v.lowValue(id) || !v.isOpen(id)) continue;
    const spinning = s.wrongStreak >= cfg.remediationErrors || (s.stall >= cfg.stallAnswers && s.answers >= cfg.minAnswers + 2);
    if (spinning && s.lastStep > latest) { struggling = id; latest = s.lastStep; }
  }
  if (!struggling) return null;
  const s = v.state.skills[struggling]!;
  if (s.remediations === 0) {
    let weakest: string | null = null;
    let weakestP = Infinity;
    for (const p of v.bank.byId.get(struggling)?.prerequisites ?? []) {
      if (!v.bank.itemsBySkill.has(p)) continue;
      const pk = v.recall(p);
      if (pk < cfg.masteryThreshold && pk < weakestP) { weakest = p; weakestP = pk; }
    }
    if (weakest) {
      const pick = v.pickItem(weakest, rng, cfg.targetSuccess);
      if (pick) return step('question', pick, weakest, reason('remediation_prerequisite', weakest, [struggling]), struggling);
    }
  }
  if (s.remediations <= 1) {
    const pick = v.pickItem(struggling, rng, 1);
    if (pick) return step('worked_example', pick, struggling, reason('worked_example', struggling), struggling);
  }
  const pick = v.pickItem(struggling, rng, EASIER_TARGET);
  return pick ? step('question', pick, struggling, reason('easier_item', struggling), struggling) : null;
});
