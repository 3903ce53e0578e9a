/**
 * The default predictor: a logistic blend (stacking) of BKT with forgetting (Corbett & Anderson 1995, with
 * forgetting) and Elo with student and student-skill abilities (Pelánek 2016), plus a few online counters of the
 * student's own history. The blend weights are fitted on out-of-fold predictions (inner cross-validation by
 * student inside the training data), so they learn how far to trust each model, never from in-sample fits.
 * P(known) for mastery display comes from the BKT component: it stays a probability of knowing the skill.
 */
import { BktModel, fitBkt, type BktState } from './bkt.js';
import { splitFold, studentFolds, type KtDataset } from './dataset.js';
import { EloModel, fitElo, sigmoid, type EloState } from './elo.js';
import { fitLogistic } from './logistic.js';
import type { FitOptions, KtModel, KtTrainer, SavedModel } from './model.js';
import { seededRng } from './rng.js';

/** A student's state under the blend: both components' states plus answer counters per skill. */
export interface BlendState {
  bkt: BktState;
  elo: EloState;
  /** Answers so far per skill index. */
  count: Record<number, number>;
  /** Last answer per skill index (1 correct, 0 wrong). */
  last: Record<number, number>;
  /** Skill index of the previous answer (-1 before the first). */
  prevSkill: number;
}

/** Names of the blend's features, in weight order (the intercept first). */
export const BLEND_FEATURES = [
  'intercept',
  'logit P(correct) BKT+forget',
  'logit P(known) BKT+forget',
  'Elo student ability',
  'Elo student-skill ability',
  'Elo skill difficulty',
  'first answer on the skill',
  'log(1 + answers on the skill)',
  'last answer on the skill (+1/-1, 0 if none)',
  'skill switch',
  'BKT logit x first answer',
  'student ability x first answer',
  'BKT logit x log answers',
  'student-skill ability x log answers',
  'student ability x skill switch',
] as const;

const D = BLEND_FEATURES.length;

function logit(p: number): number {
  const q = p < 1e-6 ? 1e-6 : p > 1 - 1e-6 ? 1 - 1e-6 : p;
  return Math.log(q / (1 - q));
}

/** Fills `out[o..o+D)` with the blend features of the student's next answer on `skill`. */
function features(bkt: BktModel, elo: EloModel, st: BlendState, skill: number, item: number, out: Float64Array, o: number): void {
  const lb = logit(bkt.predict(st.bkt, skill, item));
  const n = st.count[skill] ?? 0;
  const first = n === 0 ? 1 : 0;
  const logN = Math.log1p(n);
  const last = st.last[skill];
  const sw = st.prevSkill >= 0 && st.prevSkill !== skill ? 1 : 0;
  const ths = st.elo.theta;
  const thsk = st.elo.skill[skill]?.theta ?? 0;
  const dk = skill >= 0 && skill < elo.skillDifficulty.length ? elo.skillDifficulty[skill]! : 0;
  out[o] = 1;
  out[o + 1] = lb;
  out[o + 2] = logit(bkt.pKnown(st.bkt, skill));
  out[o + 3] = ths;
  out[o + 4] = thsk;
  out[o + 5] = dk;
  out[o + 6] = first;
  out[o + 7] = logN;
  out[o + 8] = last === undefined ? 0 : last * 2 - 1;
  out[o + 9] = sw;
  out[o + 10] = lb * first;
  out[o + 11] = ths * first;
  out[o + 12] = lb * logN;
  out[o + 13] = thsk * logN;
  out[o + 14] = ths * sw;
}

/** The fitted blend: BKT+forgetting and Elo components and the logistic weights over their features. */
export class BlendModel implements KtModel<BlendState> {
  readonly name = 'blend';
  private readonly x = new Float64Array(D);

  constructor(
    readonly bkt: BktModel,
    readonly elo: EloModel,
    readonly weights: Float64Array,
  ) {}

  get skills(): readonly string[] {
    return this.bkt.skills;
  }

  get items(): readonly string[] {
    return this.bkt.items;
  }

  init(): BlendState {
    return { bkt: this.bkt.init(), elo: this.elo.init(), count: {}, last: {}, prevSkill: -1 };
  }

  predict(state: BlendState, skill: number, item = -1): number {
    features(this.bkt, this.elo, state, skill, item, this.x, 0);
    let z = 0;
    for (let j = 0; j < D; j++) z += this.weights[j]! * this.x[j]!;
    return sigmoid(z);
  }

  update(state: BlendState, skill: number, correct: boolean, item = -1): void {
    this.bkt.update(state.bkt, skill, correct, item);
    this.elo.update(state.elo, skill, correct, item);
    state.count[skill] = (state.count[skill] ?? 0) + 1;
    state.last[skill] = correct ? 1 : 0;
    state.prevSkill = skill;
  }

  /** P(known) of the BKT+forgetting component (a probability of knowing the skill, for mastery). */
  pKnown(state: BlendState, skill: number): number {
    return this.bkt.pKnown(state.bkt, skill);
  }

  toJSON(): SavedModel {
    return { name: this.name, bkt: this.bkt.toJSON(), elo: this.elo.toJSON(), weights: Array.from(this.weights) };
  }

  static fromJSON(j: SavedModel): BlendModel {
    return new BlendModel(
      BktModel.fromJSON(j.bkt as SavedModel),
      EloModel.fromJSON(j.elo as SavedModel),
      Float64Array.from(j.weights as number[]),
    );
  }
}

/** Features of every answer of a dataset under online updates of the two components (predict, then update). */
function blendFeatures(bkt: BktModel, elo: EloModel, ds: KtDataset, out: Float64Array, rows: ArrayLike<number>): void {
  const probe = new BlendModel(bkt, elo, new Float64Array(D));
  const nStudents = ds.studentStart.length - 1;
  for (let s = 0; s < nStudents; s++) {
    const st = probe.init();
    for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) {
      const k = ds.skill[i]!;
      const it = ds.item[i]!;
      features(bkt, elo, st, k, it, out, rows[i]! * D);
      probe.update(st, k, ds.correct[i] === 1, it);
    }
  }
}

/** Options of the blend fit. */
export interface BlendFitOptions extends FitOptions {
  /** Inner folds producing the out-of-fold features the weights are fitted on. */
  innerFolds?: number;
}

/**
 * Fits the blend: Elo hyperparameters on the training data, then inner K-fold CV by student to get
 * out-of-fold features of every training answer, logistic weights on them, and finally both components refitted
 * on all the training data.
 */
export function fitBlend(ds: KtDataset, opts: BlendFitOptions = {}): BlendModel {
  const k = opts.innerFolds ?? 3;
  const elo = fitElo(ds, opts);
  const nStudents = ds.studentStart.length - 1;
  const fold = studentFolds(nStudents, k, seededRng((opts.seed ?? 1) + 7));
  const n = ds.correct.length;
  const X = new Float64Array(n * D);
  const y = new Uint8Array(n);
  let row = 0;
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(ds, fold, f);
    const b = fitBkt(train, 'bkt-forget', { ...opts, forget: true });
    const e = fitElo(train, { ...opts, hyper: elo.hyper });
    const rows = new Int32Array(test.correct.length);
    for (let i = 0; i < rows.length; i++) rows[i] = row + i;
    blendFeatures(b, e, test, X, rows);
    y.set(test.correct, row);
    row += rows.length;
  }
  const weights = fitLogistic(X, y, D, 1e-5);
  const bkt = fitBkt(ds, 'bkt-forget', { ...opts, forget: true });
  return new BlendModel(bkt, elo, weights);
}

/** The default predictor: logistic stacking of BKT+forgetting and Elo, weights from inner cross-validation. */
export const blendTrainer: KtTrainer = {
  name: 'blend',
  description: 'logistic blend of BKT+forget and Elo (inner-CV stacking)',
  fit: (ds, opts) => fitBlend(ds, opts),
};
