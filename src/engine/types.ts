/**
 * Shared types of the pure adaptive engine. Nothing in src/engine imports anything outside src/engine.
 */

/** Bayesian Knowledge Tracing parameters of one skill (Corbett & Anderson 1995, with forgetting). */
export interface BktParams {
  /** P(L0): the chance the student knows the skill before the first answer. */
  prior: number;
  /** P(T): the chance to learn the skill at each practice opportunity. */
  learn: number;
  /** P(G): the chance to answer correctly without knowing the skill (< 0.5). */
  guess: number;
  /** P(S): the chance to answer wrongly while knowing the skill (< 0.5). */
  slip: number;
  /** P(F): the chance to forget a known skill between two opportunities (0 for classic BKT). */
  forget: number;
}

/** A seeded random source returning floats in [0, 1). Engine code never calls Math.random. */
export type Rng = () => number;
