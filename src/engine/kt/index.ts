/**
 * Learner models for knowledge tracing, pure (no I/O): fit on an answer log, then predict each student's next
 * answer online. See model.ts for the common interface and evaluate.ts for the evaluation protocol.
 */
import { BktModel, bktForgetTrainer, bktTrainer, ktIdemTrainer } from './bkt.js';
import { BlendModel, blendPfaTrainer, blendTrainer } from './blend.js';
import { EloModel, eloTrainer } from './elo.js';
import { PfaModel, pfaTrainer } from './pfa.js';
import { LiveKtModel, liveTrainer } from './live.js';
import { LearnerModel, isLearnerParams } from '../learner.js';
import type { KtDataset } from './dataset.js';
import type { FitOptions, KtModel, KtTrainer, SavedModel } from './model.js';

export * from './bkt.js';
export * from './blend.js';
export * from './elo.js';
export * from './pfa.js';
export * from './live.js';
export { fitLogistic, fitSparseLogistic } from './logistic.js';
export * from './dataset.js';
export * from './evaluate.js';
export * from './metrics.js';
export * from './model.js';
export { seededRng } from './rng.js';

/** Every learner model, by name. */
export const trainers = {
  bkt: bktTrainer,
  'bkt-forget': bktForgetTrainer,
  'kt-idem': ktIdemTrainer,
  elo: eloTrainer,
  pfa: pfaTrainer,
  blend: blendTrainer,
  'blend-pfa': blendPfaTrainer,
  live: liveTrainer,
} as const satisfies Record<string, KtTrainer>;

/** Name of a learner model. */
export type ModelName = keyof typeof trainers;

/**
 * The model `npm run kt` evaluates without --model: the product's live learner model (../learner.ts), which
 * is the blend-pfa stack (chosen by 5-fold cross-validation on ASSISTments 2009, see bench:kt) run through the
 * live code path, with the item-difficulty and forgetting terms the product adds.
 */
export const defaultModel: ModelName = 'live';

/** The trainer of a model by name; throws on an unknown name. */
export function trainer(name: string): KtTrainer {
  const t = (trainers as Record<string, KtTrainer>)[name];
  if (!t) throw new Error(`unknown model ${name}; known: ${Object.keys(trainers).join(', ')}`);
  return t;
}

/** Fits the default predictor on an answer log. */
export function fitDefaultModel(ds: KtDataset, opts?: FitOptions): KtModel {
  return trainer(defaultModel).fit(ds, opts);
}

/** Rebuilds a fitted model from its `toJSON()` output. */
export function loadModel(saved: SavedModel): KtModel {
  switch (saved.name) {
    case 'bkt':
    case 'bkt-forget':
    case 'kt-idem':
      return BktModel.fromJSON(saved);
    case 'elo':
      return EloModel.fromJSON(saved);
    case 'pfa':
      return PfaModel.fromJSON(saved);
    case 'blend':
    case 'blend-pfa':
      return BlendModel.fromJSON(saved);
    case 'live':
      if (!isLearnerParams(saved.params)) throw new Error('live model: bad parameters');
      return new LiveKtModel(new LearnerModel(saved.params), saved.skills as string[]);
    default:
      throw new Error(`cannot load model ${saved.name}`);
  }
}
