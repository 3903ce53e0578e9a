/**
 * The common interface of every learner model of the engine. A fitted model is immutable and shared by all
 * students; each student has a plain, JSON-serialisable state that the model reads (`predict`, `pKnown`) and
 * mutates (`update`). Skills and items are given as indices into the model's `skills` / `items` lists; an index
 * the model does not know (e.g. -1, or a skill added after fitting) falls back to default parameters.
 */
import type { KtDataset } from './dataset.js';

/** A fitted learner model: an online predictor of answers. */
export interface KtModel<S = unknown> {
  /** The model's name (a key of the model registry). */
  readonly name: string;
  /** Skill ids the model was fitted on, by index. */
  readonly skills: readonly string[];
  /** Item ids the model was fitted on, by index (empty when fitted without items). */
  readonly items: readonly string[];
  /** A new student's state (nothing answered yet). */
  init(): S;
  /** P(correct) of the student's next answer on this skill (and item, if known), before seeing it. */
  predict(state: S, skill: number, item?: number): number;
  /** Folds one observed answer into the student's state (mutates `state`). */
  update(state: S, skill: number, correct: boolean, item?: number): void;
  /** P(the student knows the skill) now, for mastery display; a probability in [0, 1]. */
  pKnown(state: S, skill: number): number;
  /** Plain data from which `loadModel` rebuilds the model. */
  toJSON(): SavedModel;
}

/** Serialised fitted model: `{ name, ...parameters }`. */
export interface SavedModel {
  readonly name: string;
  readonly [key: string]: unknown;
}

/** Options shared by model fitting. */
export interface FitOptions {
  /** Seed of the random restarts. */
  seed?: number;
  /** Number of EM restarts per skill (BKT family). */
  restarts?: number;
  /** Maximum EM iterations per restart. */
  maxIter?: number;
}

/** Something that fits a model on a dataset. */
export interface KtTrainer {
  readonly name: string;
  /** A one-line description of the method, for tables. */
  readonly description: string;
  fit(ds: KtDataset, opts?: FitOptions): KtModel;
}

/** Clamps a probability into [lo, 1-lo]. */
export function clampP(p: number, lo = 1e-6): number {
  return p < lo ? lo : p > 1 - lo ? 1 - lo : p;
}

/** Index of an id in a list, or -1 (for mapping the product's skill ids to model indices). */
export function indexOfId(ids: readonly string[], id: string): number {
  return ids.indexOf(id);
}
