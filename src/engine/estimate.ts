/**
 * "About N more questions" (issue 17): how many more answers the student would need until the mastery rule is
 * met, if they go on answering at their current success rate on the skill. Pure, and read-only on the learner
 * model: the model's own update and the mastery rule (meetsMastery) are run on copies of the student's state.
 *
 * The answers are a deterministic sequence at the student's rate (right whenever the running share of right
 * answers would fall below the rate), each folded in as a real right or wrong answer on an average item, the
 * way the live model sees answers. The rate is the student's own on the skill, shrunk towards the model's
 * prediction for them (two answers' worth), so a first lucky or unlucky answer does not swing it.
 */
import { type LearnerState, type ResolvedConfig, type EngineConfig, resolveConfig } from './state.js';
import { initGlobal, meetsMastery, type GlobalModelState, type SkillModelState } from './learner.js';
import { nextStep, prepareBank, type Bank, type PreparedBank, type ReasonCode } from './select.js';
import { createView } from './policy/index.js';
import { createRng } from './rng.js';

/** Answers looked ahead; beyond this the estimate is "not at this rate" (null). */
export const ESTIMATE_HORIZON = 20;
/** Weight, in answers, of the model's prediction in the student's rate. */
const PRIOR_ANSWERS = 2;

/** The estimate for one skill. */
export interface MasteryEstimate {
  /** More answers until the mastery rule is met (0: mastered), or null if not within ESTIMATE_HORIZON at this rate. */
  answers: number | null;
  /** The success rate it assumes, in [0, 1]. */
  rate: number;
  /** Answers needed if every one were right (the fewest possible), or null if not within the horizon; when
   * `answers` is a number it is that number (not simulated again). */
  atLeast: number | null;
}

/** The student's success rate on a skill: their right answers, with the model's prediction as two answers' prior. */
export function successRate(state: LearnerState, skill: string, config: EngineConfig | ResolvedConfig, now: number): number {
  const cfg = resolveConfig(config);
  const s = state.skills[skill];
  const g = state.model ?? initGlobal();
  const prior = cfg.model.predict(g, skill, s && s.m.n > 0 ? s.m : undefined, now, 0);
  const answers = s?.answers ?? 0;
  const correct = s?.correct ?? 0;
  return (correct + PRIOR_ANSWERS * prior) / (answers + PRIOR_ANSWERS);
}

/**
 * Expected answers until the mastery rule would be met at the student's current success rate (see the module
 * comment). `rate` overrides the student's rate (tests, what-ifs).
 */
export function answersToMastery(
  state: LearnerState, skill: string, config: EngineConfig | ResolvedConfig, now: number, o: { rate?: number; horizon?: number } = {},
): MasteryEstimate {
  const cfg = resolveConfig(config);
  const s = state.skills[skill];
  const rate = Math.min(1, Math.max(0, o.rate ?? successRate(state, skill, cfg, now)));
  if (s?.mastered) return { answers: 0, rate, atLeast: 0 };
  const answers = simulate(state, skill, cfg, now, rate, o.horizon ?? ESTIMATE_HORIZON);
  // The fewest answers (all right) is only worth saying when the student's own rate does not get there.
  const atLeast = answers !== null || rate >= 1 ? answers : simulate(state, skill, cfg, now, 1, o.horizon ?? ESTIMATE_HORIZON);
  return { answers, rate, atLeast };
}

/** Answers at `rate` until the mastery rule is met (see the module comment), or null beyond `horizon`. */
function simulate(state: LearnerState, skill: string, cfg: ResolvedConfig, now: number, rate: number, horizon: number): number | null {
  const s = state.skills[skill];
  const model = cfg.model;
  const g: GlobalModelState = { ...(state.model ?? initGlobal()) };
  const k: SkillModelState = s && s.m.n > 0 ? { ...s.m } : model.initSkill(skill);
  const rule = { threshold: cfg.masteryThreshold, minAnswers: cfg.minAnswers, horizonDays: cfg.horizonDays, uncertainty: cfg.masteryUncertainty };
  // The rule also counts the answers before (minAnswers is on the skill's answers, as applyAttempt does).
  const before = s?.answers ?? 0;
  let owed = 0.5;
  for (let i = 1; i <= horizon; i++) {
    owed += rate;
    const right = owed >= 1;
    if (right) owed -= 1;
    model.update(g, skill, k, right ? 1 : 0, now, 0);
    if (before + i >= cfg.minAnswers && meetsMastery(model, g, skill, k, now, rule)) return i;
  }
  return null;
}

/** Why a skill is suggested to the student: a reason code of the engine, or close to mastery. */
export interface SkillSuggestion {
  skill: string;
  code: ReasonCode | 'almost_mastered';
  related: readonly string[];
}

/** A skill this close to mastery (estimated answers) is suggested as "almost there". */
export const ALMOST_ANSWERS = 3;

/**
 * The skills the model suggests to a student choosing what to practise, each with its reason: the policy's own
 * next step (what it would choose now, and why), the mastered skills whose review is due, and the skills the
 * student could master within ALMOST_ANSWERS more answers. Each skill once, in that order.
 */
export function suggestedSkills(state: LearnerState, bank: Bank | PreparedBank, config: EngineConfig | ResolvedConfig, now: number): SkillSuggestion[] {
  const cfg = resolveConfig(config);
  const prepared = prepareBank(bank);
  const out: SkillSuggestion[] = [];
  const add = (s: SkillSuggestion) => { if (!out.some((o) => o.skill === s.skill)) out.push(s); };
  const next = nextStep(state, prepared, { ...cfg, allowStudentChoice: false }, createRng(1), now);
  if (next.skill && next.kind !== 'done') add({ skill: next.skill, code: next.reason.code, related: next.reason.related });
  const scope = cfg.skills ?? prepared.skills.map((s) => s.id);
  for (const id of scope) {
    const s = state.skills[id];
    if (s?.mastered && s.dueAt !== null && s.dueAt <= now) add({ skill: id, code: 'review_due', related: [] });
  }
  const v = createView(state, prepared, cfg, now, {});
  for (const id of scope) {
    const s = state.skills[id];
    if (!s || s.mastered || !v.isOpen(id)) continue;
    const e = answersToMastery(state, id, cfg, now);
    if (e.answers !== null && e.answers <= ALMOST_ANSWERS) add({ skill: id, code: 'almost_mastered', related: [] });
  }
  return out;
}
