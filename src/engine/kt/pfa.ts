/**
 * Performance Factors Analysis extended to "Best-LR" (Pavlik et al. 2009; Gervet et al. 2020, "When is Deep
 * Learning the Best Approach to Knowledge Tracing?") with recency-weighted success rates (R-PFA, Galyardt &
 * Goldin 2015): one logistic regression over features of the student's earlier answers,
 *
 *   logit P(correct on skill k) = b + β_k + (γ + γ_k)·log(1+s_k) + (ρ + ρ_k)·log(1+f_k)
 *                                 + γ_all·log(1+S) + ρ_all·log(1+F) + Σ ω_j·R_j + φ·[first answer on k]
 *
 * where s_k / f_k are the student's earlier successes / failures on the skill, S / F on all skills, and R_j are
 * exponentially decayed success rates (on the skill at two decays, on all skills at one), each starting from a
 * ghost failure so that a new skill starts at a rate of 0 and the first answers move it a lot. The per-skill
 * terms β_k, γ_k, ρ_k are L2-shrunk towards the shared ones. Fitting is Newton's method on sparse rows.
 */
import type { KtDataset } from './dataset.js';
import { fitSparseLogistic } from './logistic.js';
import type { FitOptions, KtModel, KtTrainer, SavedModel } from './model.js';

/** Hyperparameters of the recency-weighted rates and the L2 penalties. */
export interface PfaHyper {
  /** Decay of the two recency-weighted success rates on the skill (weight of an answer k steps back: decay^k). */
  skillDecay: [number, number];
  /** Decay of the recency-weighted success rate over all skills. */
  allDecay: number;
  /** Weight of the ghost failure that starts each recency-weighted rate. */
  ghost: number;
  /** L2 penalty (per answer) of the skill easiness β_k. */
  l2Skill: number;
  /** L2 penalty (per answer) of the per-skill count weights γ_k, ρ_k. */
  l2SkillCounts: number;
}

export const DEFAULT_PFA_HYPER: PfaHyper = {
  skillDecay: [0.6, 0.9],
  allDecay: 0.8,
  ghost: 1,
  l2Skill: 1e-5,
  l2SkillCounts: 1e-4,
};

/** Counters of one skill: successes, failures and the two decayed rates (numerator, denominator). */
export interface PfaSkillState {
  s: number;
  f: number;
  n1: number;
  d1: number;
  n2: number;
  d2: number;
  /** Current run on the skill: +r after r consecutive successes, -r after r consecutive failures. */
  run: number;
}

/** A student's PFA state: totals over all skills, the overall decayed rate, and per skill index its counters. */
export interface PfaState {
  s: number;
  f: number;
  /** Decayed successes / decayed answers over all skills (ghost failure included). */
  n: number;
  d: number;
  skill: Record<number, PfaSkillState>;
}

/** Names of the shared (dense) features, in weight order after the intercept and the skill one-hot block. */
export const PFA_SHARED_FEATURES = [
  'log(1 + successes on the skill)',
  'log(1 + failures on the skill)',
  'log(1 + successes on all skills)',
  'log(1 + failures on all skills)',
  'decayed success rate on the skill (fast decay)',
  'decayed success rate on the skill (slow decay)',
  'decayed success rate on all skills',
  'first answer on the skill',
  'log(1 + current run of successes on the skill)',
  'log(1 + current run of failures on the skill)',
] as const;

const G = PFA_SHARED_FEATURES.length;
/** Stored entries per sparse row: intercept, skill one-hot, shared features, per-skill success/failure counts. */
export const PFA_ROW_NNZ = 2 + G + 2;

/** Weight layout for K skills: [b, β_0..β_{K-1}, shared (G), γ_0, ρ_0, γ_1, ρ_1, ...]. */
export function pfaWeightCount(nSkills: number): number {
  return 1 + nSkills + G + 2 * nSkills;
}

/**
 * Writes the sparse feature row of the student's next answer on `skill` into cols/vals at offset o
 * (PFA_ROW_NNZ entries). A skill index the model does not know gets only the intercept and shared features.
 */
export function pfaFeatureRow(
  st: PfaState,
  skill: number,
  nSkills: number,
  cols: Int32Array,
  vals: Float64Array,
  o: number,
): void {
  const k = st.skill[skill];
  const known = skill >= 0 && skill < nSkills;
  const ls = Math.log1p(k ? k.s : 0);
  const lf = Math.log1p(k ? k.f : 0);
  cols[o] = 0;
  vals[o] = 1;
  cols[o + 1] = known ? 1 + skill : 0;
  vals[o + 1] = known ? 1 : 0;
  const g0 = 1 + nSkills;
  for (let j = 0; j < G; j++) cols[o + 2 + j] = g0 + j;
  vals[o + 2] = ls;
  vals[o + 3] = lf;
  vals[o + 4] = Math.log1p(st.s);
  vals[o + 5] = Math.log1p(st.f);
  vals[o + 6] = k ? k.n1 / k.d1 : 0;
  vals[o + 7] = k ? k.n2 / k.d2 : 0;
  vals[o + 8] = st.d > 0 ? st.n / st.d : 0;
  vals[o + 9] = k ? 0 : 1;
  const run = k ? k.run : 0;
  vals[o + 10] = run > 0 ? Math.log1p(run) : 0;
  vals[o + 11] = run < 0 ? Math.log1p(-run) : 0;
  const p0 = g0 + G;
  cols[o + 2 + G] = known ? p0 + 2 * skill : 0;
  vals[o + 2 + G] = known ? ls : 0;
  cols[o + 3 + G] = known ? p0 + 2 * skill + 1 : 0;
  vals[o + 3 + G] = known ? lf : 0;
}

/** Folds one answer into a PFA state (the counters and decayed rates). */
export function pfaUpdate(st: PfaState, skill: number, correct: boolean, h: PfaHyper): void {
  const c = correct ? 1 : 0;
  let k = st.skill[skill];
  if (!k) {
    k = { s: 0, f: 0, n1: 0, d1: h.ghost, n2: 0, d2: h.ghost, run: 0 };
    st.skill[skill] = k;
  }
  if (correct) {
    k.s++;
    st.s++;
    k.run = k.run > 0 ? k.run + 1 : 1;
  } else {
    k.f++;
    st.f++;
    k.run = k.run < 0 ? k.run - 1 : -1;
  }
  const [a, b] = h.skillDecay;
  k.n1 = a * k.n1 + c;
  k.d1 = a * k.d1 + 1;
  k.n2 = b * k.n2 + c;
  k.d2 = b * k.d2 + 1;
  if (st.d === 0) st.d = h.ghost;
  st.n = h.allDecay * st.n + c;
  st.d = h.allDecay * st.d + 1;
}

/** A fitted PFA / Best-LR model. */
export class PfaModel implements KtModel<PfaState> {
  readonly name = 'pfa';
  private readonly cols = new Int32Array(PFA_ROW_NNZ);
  private readonly vals = new Float64Array(PFA_ROW_NNZ);

  constructor(
    readonly skills: readonly string[],
    readonly weights: Float64Array,
    readonly hyper: PfaHyper,
  ) {}

  get items(): readonly string[] {
    return [];
  }

  init(): PfaState {
    return { s: 0, f: 0, n: 0, d: 0, skill: {} };
  }

  /** The logit of the next answer on the skill. */
  logit(state: PfaState, skill: number): number {
    pfaFeatureRow(state, skill, this.skills.length, this.cols, this.vals, 0);
    let z = 0;
    for (let j = 0; j < PFA_ROW_NNZ; j++) z += this.weights[this.cols[j]!]! * this.vals[j]!;
    return z;
  }

  predict(state: PfaState, skill: number): number {
    return 1 / (1 + Math.exp(-this.logit(state, skill)));
  }

  update(state: PfaState, skill: number, correct: boolean): void {
    pfaUpdate(state, skill, correct, this.hyper);
  }

  /**
   * PFA has no latent "known" state; this is the predicted success chance on the skill, the closest probability
   * to show. The default model takes P(known) from BKT instead.
   */
  pKnown(state: PfaState, skill: number): number {
    return this.predict(state, skill);
  }

  toJSON(): SavedModel {
    return { name: this.name, skills: this.skills, weights: Array.from(this.weights), hyper: this.hyper };
  }

  static fromJSON(j: SavedModel): PfaModel {
    return new PfaModel(j.skills as string[], Float64Array.from(j.weights as number[]), j.hyper as PfaHyper);
  }
}

/** Options of the PFA fit. */
export interface PfaFitOptions extends FitOptions {
  hyper?: Partial<PfaHyper>;
}

/**
 * Fits PFA / Best-LR: builds every training answer's sparse feature row from the student's earlier answers
 * (online, predict-then-update order), then the L2-regularised logistic regression by Newton's method.
 */
export function fitPfa(ds: KtDataset, opts: PfaFitOptions = {}): PfaModel {
  const h: PfaHyper = { ...DEFAULT_PFA_HYPER, ...opts.hyper };
  const nSkills = ds.skills.length;
  const n = ds.correct.length;
  const cols = new Int32Array(n * PFA_ROW_NNZ);
  const vals = new Float64Array(n * PFA_ROW_NNZ);
  const nStudents = ds.studentStart.length - 1;
  for (let s = 0; s < nStudents; s++) {
    const st: PfaState = { s: 0, f: 0, n: 0, d: 0, skill: {} };
    for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) {
      const k = ds.skill[i]!;
      pfaFeatureRow(st, k, nSkills, cols, vals, i * PFA_ROW_NNZ);
      pfaUpdate(st, k, ds.correct[i] === 1, h);
    }
  }
  const d = pfaWeightCount(nSkills);
  const l2 = new Float64Array(d).fill(1e-7);
  l2[0] = 0;
  for (let k = 0; k < nSkills; k++) {
    l2[1 + k] = h.l2Skill;
    l2[1 + nSkills + G + 2 * k] = h.l2SkillCounts;
    l2[1 + nSkills + G + 2 * k + 1] = h.l2SkillCounts;
  }
  const w = fitSparseLogistic(cols, vals, PFA_ROW_NNZ, ds.correct, d, l2);
  return new PfaModel(ds.skills, w, h);
}

/** PFA / Best-LR with recency-weighted rates (Gervet et al. 2020; Galyardt & Goldin 2015). */
export const pfaTrainer: KtTrainer = {
  name: 'pfa',
  description: 'PFA/Best-LR: skill + success/failure counts + decayed rates',
  fit: (ds, opts) => fitPfa(ds, opts),
};
