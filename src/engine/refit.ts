/**
 * A tenant's refit of the learner model from its own attempt log, the pure part: `model refit`
 * (src/practice/model.service.ts refitModel) and the simulator (`npm run -s simulate -- --refit`) both call
 * refitFromLog, so what the simulator measures is what the product does.
 *
 *  1. split the learners: HELD_OUT_SHARE of them (by a hash of the learner key, stable from one refit to the
 *     next) are held out, the fit sees the others;
 *  2. fit: the whole stack (learner-fit.ts fitLearnerDataset) when the log is large, else only each skill's
 *     own parameters on top of the current model (fitSkillsOnly), with each answer's item difficulty as the
 *     offset the live prediction subtracts (logit P = z - d: the adaptive policy chooses items by predicted
 *     success, so without it the stack learns the difficulty of the items weak and strong students were given
 *     as if it were their ability); forgetting from the answers' real times (fitForgetting); item difficulties
 *     jointly with ability (fitItemDifficulties), then the stack once more with those difficulties;
 *  3. reject a degenerate fit (checkModel);
 *  4. reject a fit whose predictions after a delay are over-confident (delayedCalibration): a mastery verdict is
 *     a prediction one day ahead, so a fit with too little forgetting gives verdicts that do not hold, even when
 *     its log-likelihood is higher (most answers of an adaptive log come minutes after the previous one);
 *  5. accept only a fit that predicts the held-out learners better (mean log-likelihood per answer) than the
 *     current model with the tenant's live item calibration.
 */
import crypto from 'node:crypto';
import {
  type ItemDrift, type LearnerLogEntry, byLearner, checkModel, fitForgetting, fitItemDifficulties, fitLearnerDataset, fitSkillsOnly,
  heldOutLogLik, logToDataset, predictLog,
} from './learner-fit.js';
import { LearnerModel, type LearnerParams } from './learner.js';

/** A pack needs at least this many first-try answers, from this many learners, to be refitted. */
export const MIN_ANSWERS_TO_FIT = 500;
export const MIN_LEARNERS_TO_FIT = 20;
/** Share of learners held out to judge a new fit against the current model. */
export const HELD_OUT_SHARE = 0.2;
/** From this many answers the whole stack is refitted; below, only each skill's own parameters (fitSkillsOnly). */
export const MIN_ANSWERS_FULL_FIT = 50_000;
/** An answer is "delayed" when it comes at least this long after the learner's last answer on its skills. */
export const DELAY_HOURS = 12;
/** Held-out delayed answers needed before their calibration can refuse a fit (fewer: the check is skipped). */
export const MIN_DELAYED_ANSWERS = 100;
/**
 * How much more over-confident on delayed answers (mean predicted minus observed P(correct)) than the current
 * model a fit may be; beyond it (and beyond this much in absolute terms) the fit is refused.
 */
export const DELAYED_TOLERANCE = 0.02;

/**
 * After the first fit (offsets: authored difficulties), the stack is fitted again this many times with the
 * jointly fitted difficulties (simulated logistic class: held-out log-likelihood -0.5435 -> -0.5423).
 */
export const DIFFICULTY_ROUNDS = 1;

/** A learner goes to the held-out share by a hash of its key: stable from one refit to the next. */
export function isHeldOut(learner: string, share = HELD_OUT_SHARE): boolean {
  return crypto.createHash('sha1').update(learner).digest().readUInt32BE(0) / 2 ** 32 < share;
}

/** Calibration of a model's predictions of answers that come after a delay (held-out learners). */
export interface DelayedCalibration {
  /** Delayed answers (at least DELAY_HOURS after the learner's last answer on the answer's skills). */
  answers: number;
  /** Mean predicted P(correct) of those answers, and the share right. */
  predicted: number;
  observed: number;
  /** predicted - observed: > 0 the model expects more than students keep (verdicts that do not hold). */
  overconfidence: number;
  /** The same restricted to predictions >= 0.7, where mastery verdicts are given (null when none). */
  highPredicted: number | null;
  highObserved: number | null;
  highAnswers: number;
}

/** How a model predicts the answers that come after a delay, online over each learner's log. */
export function delayedCalibration(model: LearnerModel, learners: readonly LearnerLogEntry[][], difficulty?: ReadonlyMap<string, number>, delayHours = DELAY_HOURS): DelayedCalibration {
  const out = { p: [] as number[], y: [] as number[], z: [] as number[], item: [] as string[], gapHours: [] as number[] };
  predictLog(model, learners, difficulty, out);
  let n = 0, sp = 0, sy = 0, hn = 0, hp = 0, hy = 0;
  for (let i = 0; i < out.p.length; i++) {
    const g = out.gapHours[i]!;
    if (!(g >= delayHours) || !Number.isFinite(g)) continue;
    n++; sp += out.p[i]!; sy += out.y[i]!;
    if (out.p[i]! >= 0.7) { hn++; hp += out.p[i]!; hy += out.y[i]!; }
  }
  const predicted = n ? sp / n : 0, observed = n ? sy / n : 0;
  return {
    answers: n, predicted, observed, overconfidence: predicted - observed,
    highPredicted: hn ? hp / hn : null, highObserved: hn ? hy / hn : null, highAnswers: hn,
  };
}

/** Why a candidate's delayed predictions are too confident compared with the current model's, or null. */
export function delayedProblem(candidate: DelayedCalibration, current: DelayedCalibration, tolerance = DELAYED_TOLERANCE, minAnswers = MIN_DELAYED_ANSWERS): string | null {
  if (candidate.answers < minAnswers) return null;
  const limit = Math.max(current.overconfidence, 0) + tolerance;
  if (candidate.overconfidence > limit) {
    return `over-confident after a delay of ${DELAY_HOURS} h or more: predicts ${candidate.predicted.toFixed(3)} where held-out learners got ${candidate.observed.toFixed(3)} right`
      + ` (the current model: ${current.predicted.toFixed(3)} vs ${current.observed.toFixed(3)}; ${candidate.answers} answers)`;
  }
  return null;
}

export interface RefitOptions {
  /** Item id -> the tenant's live (online) difficulty, with which the current model is judged. */
  liveDifficulty?: ReadonlyMap<string, number>;
  /** Name of the new version (params.source). */
  source?: string;
  /** Which learners are held out (default isHeldOut). */
  heldOut?: (learner: string) => boolean;
  /** Answers from which the whole stack is refitted (default MIN_ANSWERS_FULL_FIT). */
  minAnswersFullFit?: number;
  /** Tolerance of the delayed-calibration check (default DELAYED_TOLERANCE). */
  delayedTolerance?: number;
  /**
   * Fit the stack with the items' authored difficulty as the offset the live prediction subtracts (default
   * true); false: as before, without (the stack then absorbs the difficulty of the items the policy chose).
   */
  withDifficulty?: boolean;
  /** Refits of the stack with the fitted item difficulties as offsets (default DIFFICULTY_ROUNDS). */
  difficultyRounds?: number;
}

/** What a refit produced and whether it should replace the current model. */
export interface RefitResult {
  answers: number;
  learners: number;
  /** 'accepted': use the new fit; 'rejected': keep the current one; 'skipped': too little data (no fit). */
  outcome: 'accepted' | 'rejected' | 'skipped';
  /** Why rejected or skipped (null when accepted). */
  reason: string | null;
  /** Which fit: the whole stack or only each skill's parameters (null when skipped). */
  kind: 'full' | 'skills' | null;
  /** The candidate's parameters (null when skipped). */
  params: LearnerParams | null;
  /** Every item's jointly fitted difficulty (empty when skipped). */
  drift: ItemDrift[];
  /** Mean log-likelihood per held-out answer of the candidate (null when degenerate or skipped) and of the current model. */
  heldOutLogLik: number | null;
  baselineLogLik: number | null;
  /** Calibration of the held-out answers after a delay, candidate and current model. */
  delayed: { candidate: DelayedCalibration; current: DelayedCalibration } | null;
}

/**
 * Refits the learner model on a tenant's attempt log (one pack; first tries in time order per learner) and
 * judges the candidate against `current` on held-out learners. Pure and deterministic.
 */
export function refitFromLog(current: LearnerModel, log: readonly LearnerLogEntry[], opts: RefitOptions = {}): RefitResult {
  const learners = byLearner(log);
  const res: RefitResult = {
    answers: log.length, learners: learners.length, outcome: 'skipped', reason: null, kind: null, params: null, drift: [],
    heldOutLogLik: null, baselineLogLik: null, delayed: null,
  };
  const held = opts.heldOut ?? ((l: string) => isHeldOut(l));
  const train = learners.filter((l) => !held(l[0]!.learner));
  const test = learners.filter((l) => held(l[0]!.learner));
  if (log.length < MIN_ANSWERS_TO_FIT || learners.length < MIN_LEARNERS_TO_FIT || test.length === 0 || train.length === 0) {
    res.reason = `too little data (${log.length} answers from ${learners.length} learners; needs ${MIN_ANSWERS_TO_FIT} from ${MIN_LEARNERS_TO_FIT})`;
    return res;
  }
  const full = log.length >= (opts.minAnswersFullFit ?? MIN_ANSWERS_FULL_FIT);
  res.kind = full ? 'full' : 'skills';
  const fitOnce = (difficulty: ReadonlyMap<string, number> | 'authored' | undefined) => {
    const trainDs = logToDataset(train, difficulty);
    let p = full ? fitLearnerDataset(trainDs, { seed: 1 }).params : fitSkillsOnly(current.params, trainDs);
    p = { ...p, forgetting: fitForgetting(p, train), ...(opts.source ? { source: opts.source } : {}) };
    return { params: p, drift: fitItemDifficulties(new LearnerModel(p), train) };
  };
  let { params, drift } = fitOnce(opts.withDifficulty === false ? undefined : 'authored');
  // The stack again with the jointly fitted difficulties as offsets (they and the abilities are estimated together).
  if (opts.withDifficulty !== false) {
    for (let r = 0; r < (opts.difficultyRounds ?? DIFFICULTY_ROUNDS); r++) ({ params, drift } = fitOnce(new Map(drift.map((d) => [d.itemId, d.difficulty]))));
  }
  const fitted = new Map(drift.map((d) => [d.itemId, d.difficulty]));
  res.params = params;
  res.drift = drift;
  const candidate = new LearnerModel(params);
  const problem = checkModel(params);
  res.baselineLogLik = heldOutLogLik(current, test, opts.liveDifficulty);
  res.heldOutLogLik = problem ? null : heldOutLogLik(candidate, test, fitted);
  const delayed = {
    candidate: delayedCalibration(candidate, test, fitted),
    current: delayedCalibration(current, test, opts.liveDifficulty),
  };
  res.delayed = delayed;
  const late = problem ? null : delayedProblem(delayed.candidate, delayed.current, opts.delayedTolerance);
  const better = res.heldOutLogLik !== null && res.heldOutLogLik > res.baselineLogLik;
  if (problem) res.reason = `degenerate fit: ${problem}`;
  else if (late) res.reason = late;
  else if (!better) res.reason = `does not predict held-out learners better (${res.heldOutLogLik!.toFixed(4)} vs ${res.baselineLogLik.toFixed(4)} per answer)`;
  res.outcome = res.reason === null ? 'accepted' : 'rejected';
  return res;
}
