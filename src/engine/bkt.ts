/**
 * Bayesian Knowledge Tracing (Corbett & Anderson 1995) with forgetting, item difficulty and the two
 * rules the classic model leaves open: how several skills share one answer and how hints weaken it.
 *
 * Vocabulary: pKnown is P(L), the probability the skill is known before an opportunity. An opportunity
 * is observed (posterior), then the student may learn or forget (transition).
 */
import type { BktParams } from './types.js';

/** Probabilities are kept in [PROB_EPS, 1 - PROB_EPS] so no update can lock a skill at 0 or 1. */
export const PROB_EPS = 1e-4;

/**
 * Upper bound for guess and slip. Above 0.5 the model is degenerate (an unknown skill answers better than
 * a known one, Baker, Corbett & Aleven 2008 "contextual guess and slip"), so fitted and given parameters are
 * capped below it.
 */
export const MAX_GUESS_SLIP = 0.45;

/** Defaults for a skill with no fitted parameters: typical values from the BKT literature. */
export const DEFAULT_BKT: BktParams = Object.freeze({ prior: 0.2, learn: 0.15, guess: 0.2, slip: 0.1, forget: 0 });

/** Clamp a probability away from 0 and 1. */
export function clampProb(p: number): number {
  if (!(p > PROB_EPS)) return PROB_EPS;
  return p > 1 - PROB_EPS ? 1 - PROB_EPS : p;
}

/**
 * Return parameters that are safe to compute with: every probability clamped away from 0 and 1, guess and
 * slip below MAX_GUESS_SLIP, forget in [0, 1 - eps] (0 is allowed: classic BKT never forgets).
 */
export function guardParams(m: BktParams): BktParams {
  return {
    prior: clampProb(m.prior),
    learn: clampProb(m.learn),
    guess: Math.min(clampProb(m.guess), MAX_GUESS_SLIP),
    slip: Math.min(clampProb(m.slip), MAX_GUESS_SLIP),
    forget: Number.isFinite(m.forget) && m.forget > 0 ? Math.min(m.forget, 1 - PROB_EPS) : 0,
  };
}

const logit = (p: number): number => Math.log(p / (1 - p));
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * The guess and slip of one item. An item's difficulty d (logit scale, 0 = the skill's average item)
 * shifts both P(correct | known) and P(correct | unknown) by -d on the logit scale, as item-specific guess
 * and slip do in KT-IDEM (Pardos & Heffernan 2011). With d = 0 this is plain BKT.
 */
export function itemEmission(m: BktParams, difficulty = 0): { guess: number; slip: number } {
  if (difficulty === 0) return { guess: m.guess, slip: m.slip };
  return {
    guess: clampProb(sigmoid(logit(m.guess) - difficulty)),
    slip: clampProb(1 - sigmoid(logit(1 - m.slip) - difficulty)),
  };
}

/** P(correct) on one opportunity of a skill, before the answer: P(L)(1 - S) + (1 - P(L))G. */
export function pCorrect(pKnown: number, m: BktParams, difficulty = 0): number {
  const e = itemEmission(m, difficulty);
  return pKnown * (1 - e.slip) + (1 - pKnown) * e.guess;
}

/**
 * The learning transition after an opportunity: unknown -> known with P(T), known -> unknown with P(F).
 */
export function transition(pKnown: number, m: BktParams): number {
  return clampProb(pKnown * (1 - m.forget) + (1 - pKnown) * m.learn);
}

/** Posterior P(known) after one answer, then the chance to learn (BKT, Corbett & Anderson 1995). */
export function updateKnown(p: number, correct: boolean, m: BktParams): number {
  const seen = correct ? (p * (1 - m.slip)) / (p * (1 - m.slip) + (1 - p) * m.guess)
                       : (p * m.slip) / (p * m.slip + (1 - p) * (1 - m.guess));
  return transition(seen, m);
}

/** What was observed on one answer, as the learner model needs it. */
export interface Observation {
  /** Whether the answer was graded correct. */
  correct: boolean;
  /** Partial credit in [0, 1] when the grader gives one; it replaces `correct` as soft evidence. */
  score?: number;
  /** Hints revealed before answering. */
  hintsUsed: number;
  /** The item's difficulty on the logit scale when it was answered (0 = average item of the skill). */
  difficulty?: number;
}

/** Options of the update rules. */
export interface UpdateOptions {
  /** Evidence weight kept per hint on a correct answer (default 0.5: one hint halves the evidence). */
  hintWeight?: number;
}

/**
 * Hint rule: a correct answer after h hints is weaker evidence, because the hints may have given the
 * answer away. Its likelihood is tempered, P(known | correct) ∝ P(known) · P(correct | known)^w with
 * w = hintWeight^h (a power likelihood), so w = 1 is an unaided answer and w -> 0 is no evidence at all.
 * A wrong answer despite hints is full evidence of not knowing (w = 1): the hints made it easier, not
 * harder. The learning transition still applies: a hinted attempt is still practice.
 */
export function evidenceWeight(correct: boolean, hintsUsed: number, hintWeight = 0.5): number {
  if (!correct || hintsUsed <= 0) return 1;
  return Math.pow(Math.min(Math.max(hintWeight, 0), 1), hintsUsed);
}

/**
 * Posterior P(known) of every skill tagged on one item, then each skill's learning transition.
 *
 * Credit rule for items tagging several skills: conjunctive. The answer is correct only if every skill
 * "performs" (known and no slip, or unknown and a lucky guess), so P(correct) = Π_i c_i with c_i the
 * single-skill P(correct). A correct answer is then full evidence for each skill (the other factors cancel,
 * so each skill gets the classic update). A wrong answer is shared blame: for skill i,
 * P(wrong | known_i) = 1 - (1 - S_i) · Π_{j≠i} c_j, so when the other skills are probably unknown the wrong
 * answer says little about skill i. Why: giving every skill full blame (the common "duplicate the row"
 * practice) punishes a mastered skill for a neighbour's gap and traps students in remediation; the
 * conjunctive rule is the exact Bayesian update under the conjunctive model (Koedinger, Pavlik, Stamper,
 * Nixon & Ritter 2011) at the cost of one product per skill. With one skill it is plain BKT.
 *
 * Partial credit s in [0, 1] is soft evidence (Jeffrey's rule): s · post(correct) + (1 - s) · post(wrong).
 */
export function updateSkills(
  pKnown: readonly number[],
  params: readonly BktParams[],
  obs: Observation,
  options: UpdateOptions = {},
): number[] {
  const n = pKnown.length;
  const d = obs.difficulty ?? 0;
  const emissions = params.map((m) => itemEmission(m, d));
  const c = pKnown.map((p, i) => p * (1 - emissions[i]!.slip) + (1 - p) * emissions[i]!.guess);
  const score = obs.score === undefined ? (obs.correct ? 1 : 0) : Math.min(Math.max(obs.score, 0), 1);
  const wCorrect = evidenceWeight(true, obs.hintsUsed, options.hintWeight);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let others = 1;
    for (let j = 0; j < n; j++) if (j !== i) others *= c[j]!;
    const p = pKnown[i]!;
    const e = emissions[i]!;
    let post = 0;
    if (score > 0) {
      const lk = Math.pow(1 - e.slip, wCorrect);
      const lu = Math.pow(e.guess, wCorrect);
      post += score * ((p * lk) / (p * lk + (1 - p) * lu));
    }
    if (score < 1) {
      const lk = 1 - (1 - e.slip) * others;
      const lu = 1 - e.guess * others;
      post += (1 - score) * ((p * lk) / (p * lk + (1 - p) * lu));
    }
    out[i] = transition(clampProb(post), params[i]!);
  }
  return out;
}

/** P(correct) on an item tagging several skills under the conjunctive rule: the product of each skill's. */
export function pCorrectItem(pKnown: readonly number[], params: readonly BktParams[], difficulty = 0): number {
  let p = 1;
  for (let i = 0; i < pKnown.length; i++) p *= pCorrect(pKnown[i]!, params[i]!, difficulty);
  return p;
}
