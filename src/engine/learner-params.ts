/**
 * The learner model's parameters and state shapes (learner.ts): what is fitted and stored per tenant, and the
 * small plain-JSON state kept per student and skill. Split from learner.ts so no file in src/ holds more than
 * 400 lines (issue 13); learner.ts re-exports everything here.
 */
import type { BktParams } from './types.js';

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/** Per-skill parameters of the model (a skill the model was not fitted on uses `defaults`). */
export interface SkillParams {
  /** BKT with forgetting (per opportunity). */
  bkt: BktParams;
  /** Elo difficulty of the skill (logits). */
  eloD: number;
  /** PFA skill easiness and per-skill weights of log(1 + successes), log(1 + failures). */
  beta: number;
  gamma: number;
  rho: number;
}

/** Forgetting over real time (see the header). */
export interface ForgettingParams {
  /** Power-law exponent φ (0 = no forgetting). */
  phi: number;
  /** Time scale τ in days. */
  tau: number;
  /** Spacing gain σ: every extra practice session multiplies τ by (1 + σ). */
  spacing: number;
  /** A gap longer than this (hours) between two answers on a skill starts a new session. */
  sessionGapHours: number;
}

/** Defaults when no tenant data spans days: ~0.05 lower P(correct) a day later, ~0.15 a month later for a fresh skill. */
export const DEFAULT_FORGETTING: ForgettingParams = Object.freeze({ phi: 0.3, tau: 1, spacing: 1, sessionGapHours: 8 });

/** Elo hyperparameters (U(n) = a / (1 + b n); a wrong answer moves the skill ability by wrongFactor). */
export interface EloHyperParams {
  aStudent: number;
  bStudent: number;
  aSkill: number;
  bSkill: number;
  wrongFactor: number;
}

/** PFA recency decays and the ghost failure each decayed rate starts from. */
export interface PfaHyperParams {
  skillDecay: [number, number];
  allDecay: number;
  ghost: number;
}

/** The fitted model, as stored (JSON) per tenant and pack. */
export interface LearnerParams {
  kind: 'mastery-learner';
  version: 1;
  skills: Record<string, SkillParams>;
  defaults: SkillParams;
  elo: EloHyperParams;
  pfaHyper: PfaHyperParams;
  /** PFA intercept and the 10 shared weights (PFA_SHARED_FEATURES order of kt/pfa.ts). */
  pfaIntercept: number;
  pfaShared: number[];
  /** Stacking weights: one vector of FEATURES per answer-count bucket. */
  weights: number[];
  buckets: number[];
  forgetting: ForgettingParams;
  /** Where and how it was fitted (free text for reports). */
  source?: string;
}

/** What the model keeps about one student globally. */
export interface GlobalModelState {
  /** Elo global ability and answers counted. */
  th: number;
  n: number;
  /** Successes and failures on all skills (soft: partial credit counts fractionally). */
  s: number;
  f: number;
  /** Decayed success rate over all skills (numerator, denominator). */
  rn: number;
  rd: number;
  /** Skill of the previous answer. */
  prev: string | null;
}

/** What the model keeps about one student on one skill. */
export interface SkillModelState {
  /** BKT P(known) before the next opportunity. */
  p: number;
  /** Elo student-skill ability. */
  th: number;
  /** Answers on the skill (Elo count and PFA count). */
  n: number;
  /** Successes and failures on the skill. */
  s: number;
  f: number;
  /** Fast and slow decayed success rates (numerators, denominators). */
  n1: number;
  d1: number;
  n2: number;
  d2: number;
  /** +r after r successes in a row, -r after r failures in a row. */
  run: number;
  /** Last answer (1 right, 0 wrong, partial credit in between). */
  last: number;
  /** Time of the last answer on the skill (ms epoch) and of the first answer of its current session. */
  t: number;
  /** Practice sessions on the skill (answers separated by more than sessionGapHours start a new one). */
  sessions: number;
  /** Logit of the student's first answer on the skill as predicted before it: where forgetting returns to. */
  z0: number;
}
