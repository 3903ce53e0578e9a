/**
 * Evaluation of learner models the way the knowledge-tracing literature does it: every answer of a held-out
 * student is predicted from that student's earlier answers only (online: predict, then update), and the
 * predictions are scored by AUC and RMSE. Cross-validation splits by student.
 */
import { splitFold, studentFolds, type KtDataset } from './dataset.js';
import { auc, rmse } from './metrics.js';
import type { FitOptions, KtModel, KtTrainer } from './model.js';
import { seededRng } from './rng.js';

/**
 * Online predictions for every answer of a dataset: for each student, a fresh state; for each answer in order,
 * `predict` first, then `update` with the answer. The answer being predicted is never given to the model
 * before its prediction is recorded.
 */
export function predictOnline(model: KtModel, ds: KtDataset): Float64Array {
  const out = new Float64Array(ds.correct.length);
  const nStudents = ds.studentStart.length - 1;
  for (let s = 0; s < nStudents; s++) {
    const state = model.init();
    for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) {
      const skill = ds.skill[i]!;
      const item = ds.item[i]!;
      out[i] = model.predict(state, skill, item);
      model.update(state, skill, ds.correct[i] === 1, item);
    }
  }
  return out;
}

/** Scores of one evaluation. */
export interface EvalScore {
  auc: number;
  rmse: number;
  answers: number;
}

/** AUC and RMSE of a model's online predictions on a dataset. */
export function evaluate(model: KtModel, ds: KtDataset): EvalScore & { pred: Float64Array } {
  const pred = predictOnline(model, ds);
  return { auc: auc(pred, ds.correct), rmse: rmse(pred, ds.correct), answers: pred.length, pred };
}

/** Result of a cross-validation. */
export interface CvResult extends EvalScore {
  /** Mean fit time per fold, seconds. */
  fitSeconds: number;
  /** Online predictions per second over all folds (prediction + update). */
  predictionsPerSecond: number;
  /** Out-of-fold predictions, aligned with the dataset's answers. */
  pred: Float64Array;
  /** Per-fold AUCs. */
  foldAuc: number[];
}

/**
 * K-fold cross-validation by student: each fold's students are predicted online by a model fitted on the other
 * folds' students. Scores pool all out-of-fold predictions.
 */
export function crossValidate(
  trainer: KtTrainer,
  ds: KtDataset,
  k: number,
  opts: FitOptions & { foldSeed?: number } = {},
): CvResult {
  const nStudents = ds.studentStart.length - 1;
  const fold = studentFolds(nStudents, k, seededRng(opts.foldSeed ?? 42));
  const pred = new Float64Array(ds.correct.length);
  let fitMs = 0;
  let predMs = 0;
  const foldAuc: number[] = [];
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(ds, fold, f);
    const t0 = performance.now();
    const model = trainer.fit(train, opts);
    const t1 = performance.now();
    const p = predictOnline(model, test);
    predMs += performance.now() - t1;
    fitMs += t1 - t0;
    foldAuc.push(auc(p, test.correct));
    let j = 0;
    for (let s = 0; s < nStudents; s++) {
      if (fold[s] !== f) continue;
      for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) pred[i] = p[j++]!;
    }
  }
  return {
    auc: auc(pred, ds.correct),
    rmse: rmse(pred, ds.correct),
    answers: pred.length,
    fitSeconds: fitMs / k / 1000,
    predictionsPerSecond: pred.length / (predMs / 1000),
    pred,
    foldAuc,
  };
}
