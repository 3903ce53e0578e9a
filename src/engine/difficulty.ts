/**
 * Online item difficulty (Elo-style, as in Pelánek 2016 "Applications of the Elo rating system in adaptive
 * educational systems"). Difficulty lives on the logit scale of the learner model: it shifts an item's guess
 * and slip (see itemEmission in bkt.ts), so two items of one skill are told apart while the skill's
 * mastery stays the student's part of the prediction.
 *
 * Difficulties are shared by all students, so they are not part of a learner's state: the caller keeps one
 * ItemStat per item, passes `difficulty` in the bank to nextStep, and stores the difficulty used on each
 * attempt so replay stays exact.
 */
import { pCorrectItem } from './bkt.js';
import type { BktParams } from './types.js';

/** The calibration of one item. */
export interface ItemStat {
  /** Logit-scale difficulty: 0 is the skill's average item, +1 is markedly harder. */
  difficulty: number;
  /** Answers this estimate has seen (drives the shrinking step size). */
  answers: number;
}

/** Options of the Elo update. */
export interface EloOptions {
  /** Step size of the first answer (default 0.8). */
  k?: number;
  /** How fast the step shrinks with answers: K(n) = k / (1 + decay · n) (default 0.05). */
  decay?: number;
  /** Difficulties are clamped to ±limit (default 4) so one odd cohort cannot run an item away. */
  limit?: number;
}

/** A new item: average difficulty, no answers. */
export const NEW_ITEM: ItemStat = Object.freeze({ difficulty: 0, answers: 0 });

/** The Elo step size after n answers: large while uncertain, shrinking as evidence accumulates. */
export function eloStep(answers: number, options: EloOptions = {}): number {
  return (options.k ?? 0.8) / (1 + (options.decay ?? 0.05) * answers);
}

/**
 * Update an item's difficulty after one answer. `predicted` is P(correct) the model gave with the item's
 * current difficulty; `observed` is 1/0 (or a partial score). An item answered better than predicted gets
 * easier: d' = d + K(n) · (predicted - observed).
 */
export function calibrateItem(stat: ItemStat | undefined, predicted: number, observed: boolean | number, options: EloOptions = {}): ItemStat {
  const s = stat ?? NEW_ITEM;
  const o = typeof observed === 'number' ? observed : observed ? 1 : 0;
  const limit = options.limit ?? 4;
  const d = s.difficulty + eloStep(s.answers, options) * (predicted - o);
  return { difficulty: Math.min(Math.max(d, -limit), limit), answers: s.answers + 1 };
}

/**
 * P(correct) on a specific item: the skills' mastery (BKT, conjunctive over the item's skills) combined with
 * the item's difficulty.
 */
export function predictItem(pKnown: readonly number[], params: readonly BktParams[], difficulty = 0): number {
  return pCorrectItem(pKnown, params, difficulty);
}
