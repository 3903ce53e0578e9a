/**
 * The non-BKT simulated student (the default of `npm run simulate`): a logistic learner fitted on real answers
 * (ASSISTments 2009) where the data identify it, with forgetting and prerequisite effects chosen from the
 * literature where they do not. Described, with what is fitted and what is chosen, in docs/simulation.md.
 *
 * True chance of a student on an item of skill k at time t (days):
 *
 *   logit P = θ + δ_k + β_k + γ_k · ln(1 + S_k(t)) + ρ_k · ln(1 + F_k(t)) − λ · Σ_p shortfall_p(t) − d_item
 *
 *   θ ~ N(0, σθ)        the student's ability                                   (fitted)
 *   δ_k ~ N(0, σδ)      the student's own strength or weakness on the skill       (fitted)
 *   β_k ~ N(μβ, σβ)     the skill's easiness                                     (fitted distribution)
 *   γ_k, ρ_k            learning from a success and from a failure, per skill     (fitted distributions; ρ
 *                       floored at 0: a failure never makes a student worse)
 *   S_k, F_k            successes and failures so far, decayed by forgetting      (power law, chosen)
 *   shortfall_p         max(0, 0.8 − P_p(t)) of each prerequisite p               (λ chosen)
 *   d_item              authored difficulty + authoring error ~ N(0, 0.5)         (chosen)
 *
 * An item with several skills needs all of them: its logit uses the weakest skill's term. After an answer
 * every skill of the item counts a success or a failure, scaled by the prerequisite learning factor (weak
 * prerequisites slow learning). study() counts as half a success. Forgetting: at each event on a skill, its
 * counts are multiplied by (1 + Δ/τ)^(−DECAY), Δ the days since the skill's previous event and
 * τ = STABILITY_DAYS × (days on which the skill was practised): spaced practice forgets more slowly.
 */
import fitted from './logistic-assist09.json' with { type: 'json' };
import { gaussian, mixSeed, mulberry32 } from '../random.js';
import type { CreateStudents, SimItem, SimSkill, SimStudent, StudentWorld } from '../types.js';

/** Coefficients of the model; the defaults are the fitted ones plus the chosen constants below. */
export interface LogisticStudentParams {
  abilitySd: number;
  studentSkillSd: number;
  easinessMean: number;
  easinessSd: number;
  successMean: number;
  successSd: number;
  failureMean: number;
  failureSd: number;
  /** Power-law forgetting exponent (0 = no forgetting). */
  decay: number;
  /** Stability of a skill practised on one day, in days; grows linearly with the days of practice. */
  stabilityDays: number;
  /** Logits lost per unit of prerequisite shortfall below 0.8 (0 = no prerequisite effect). */
  prereqPenalty: number;
  /** Learning slows by this factor per unit of the worst prerequisite shortfall (floored at MIN_LEARNING). */
  prereqLearning: number;
  /** Standard deviation of the true item difficulty around the authored one (authoring error). */
  itemNoiseSd: number;
  /** A studied worked example counts as this many successes. */
  studyWeight: number;
}

/** Chosen, not fitted (the data have no timestamps, items or prerequisites): see docs/simulation.md. */
export const CHOSEN = {
  decay: 0.5,
  stabilityDays: 1,
  prereqPenalty: 2,
  prereqLearning: 1.5,
  itemNoiseSd: 0.5,
  studyWeight: 0.5,
} as const;

export const FITTED_PARAMS: LogisticStudentParams = {
  abilitySd: fitted.ability_sd,
  studentSkillSd: fitted.student_skill_sd,
  easinessMean: fitted.easiness_mean,
  easinessSd: fitted.easiness_sd,
  successMean: fitted.success_learning_mean,
  successSd: fitted.success_learning_sd,
  failureMean: fitted.failure_learning_mean,
  failureSd: fitted.failure_learning_sd,
  ...CHOSEN,
};

const MIN_LEARNING = 0.3;
const PREREQ_LEVEL = 0.8;
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

interface SkillTruth {
  index: number;
  easiness: number;
  gamma: number;
  rho: number;
  prereqs: number[];
}

/** Makes a population of logistic students; `overrides` changes coefficients (tests, sensitivity runs). */
export function createLogisticStudents(world: StudentWorld, overrides: Partial<LogisticStudentParams> = {}) {
  const P: LogisticStudentParams = { ...FITTED_PARAMS, ...overrides };
  const wr = mulberry32(mixSeed(world.seed, 0x10915));
  const index = new Map(world.skills.map((s: SimSkill, i) => [s.id, i]));
  const skills: SkillTruth[] = world.skills.map((s, i) => ({
    index: i,
    easiness: gaussian(wr, P.easinessMean, P.easinessSd),
    gamma: Math.max(0.05, gaussian(wr, P.successMean, P.successSd)),
    rho: Math.max(0, gaussian(wr, P.failureMean, P.failureSd)),
    prereqs: s.prerequisites.map((p) => index.get(p)).filter((p): p is number => p !== undefined),
  }));
  const itemDifficulty = new Map(world.items.map((it) => [it.id, it.difficulty + gaussian(wr, 0, P.itemNoiseSd)]));
  const K = skills.length;

  return {
    params: P,
    student(i: number): SimStudent {
      const rng = mulberry32(mixSeed(world.seed, 0x57d, i));
      const ability = gaussian(rng, 0, P.abilitySd);
      const own = Float64Array.from({ length: K }, () => gaussian(rng, 0, P.studentSkillSd));
      const succ = new Float64Array(K);
      const fail = new Float64Array(K);
      const last = new Float64Array(K).fill(NaN);
      const days = new Float64Array(K);
      const lastDay = new Float64Array(K).fill(-1);
      // Memo of P per skill at one time (the prerequisite recursion asks for the same skills repeatedly).
      let memoAt = NaN;
      const memo = new Float64Array(K).fill(NaN);

      const retained = (k: number, t: number): number => {
        if (Number.isNaN(last[k]!) || P.decay === 0) return 1;
        const dt = Math.max(0, t - last[k]!);
        return (1 + dt / (P.stabilityDays * Math.max(1, days[k]!))) ** -P.decay;
      };
      const shortfalls = (k: number, t: number): { sum: number; worst: number } => {
        let sum = 0, worst = 0;
        for (const p of skills[k]!.prereqs) {
          const s = Math.max(0, PREREQ_LEVEL - prob(p, t));
          sum += s;
          if (s > worst) worst = s;
        }
        return { sum, worst };
      };
      /** The skill's logit at t on an average item, without the prerequisite effect. */
      const own0 = (k: number, t: number): number => {
        const sk = skills[k]!;
        const r = retained(k, t);
        return ability + own[k]! + sk.easiness + sk.gamma * Math.log1p(succ[k]! * r) + sk.rho * Math.log1p(fail[k]! * r);
      };
      const logit = (k: number, t: number): number => own0(k, t) - (P.prereqPenalty > 0 ? P.prereqPenalty * shortfalls(k, t).sum : 0);
      function prob(k: number, t: number): number {
        if (t !== memoAt) { memoAt = t; memo.fill(NaN); }
        let p = memo[k]!;
        if (Number.isNaN(p)) memo[k] = p = sigmoid(logit(k, t));
        return p;
      }
      const skillsOf = (item: SimItem): number[] => item.skills.map((s) => index.get(s)).filter((k): k is number => k !== undefined);
      const learn = (ks: number[], t: number, success: number, failure: number) => {
        const factors = ks.map((k) => Math.max(MIN_LEARNING, 1 - P.prereqLearning * shortfalls(k, t).worst));
        ks.forEach((k, j) => {
          const r = retained(k, t);
          succ[k] = succ[k]! * r + success * factors[j]!;
          fail[k] = fail[k]! * r + failure * factors[j]!;
          last[k] = t;
          const day = Math.floor(t);
          if (day !== lastDay[k]) { lastDay[k] = day; days[k]! += 1; }
        });
        memoAt = NaN;
      };
      return {
        pCorrect(skillId: string, atDays: number): number {
          const k = index.get(skillId);
          if (k === undefined) throw new Error(`unknown skill ${skillId}`);
          return prob(k, atDays);
        },
        answer(item: SimItem, atDays: number): boolean {
          const ks = skillsOf(item);
          let weakest = Infinity;
          for (const k of ks) weakest = Math.min(weakest, logit(k, atDays));
          if (!ks.length) weakest = ability;
          const correct = rng() < sigmoid(weakest - (itemDifficulty.get(item.id) ?? item.difficulty));
          learn(ks, atDays, correct ? 1 : 0, correct ? 0 : 1);
          return correct;
        },
        study(item: SimItem, atDays: number): void {
          learn(skillsOf(item), atDays, P.studyWeight, 0);
        },
      };
    },
  };
}

const createStudents: CreateStudents = (world) => createLogisticStudents(world);
export default createStudents;
