/**
 * The product's live learner model (../learner.ts) as a kt model, so `npm run kt` and `bench:kt` evaluate
 * exactly the code the practice loop runs: the same state, the same update, the same prediction. The dataset's
 * numeric skill indices are mapped to the skill ids the live model is keyed by.
 */
import { DEFAULT_MASTERY_RULE, type GlobalModelState, LearnerModel, type MasteryRule, type SkillModelState, initGlobal, meetsMastery } from '../learner.js';
import { fitLearnerDataset } from '../learner-fit.js';
import type { KtDataset } from './dataset.js';
import { splitFold, studentFolds } from './dataset.js';
import { auc, calibration, type ReliabilityBin } from './metrics.js';
import type { FitOptions, KtModel, KtTrainer, SavedModel } from './model.js';
import { seededRng } from './rng.js';

/** A student's state under the live model, as the kt evaluation keeps it. */
export interface LiveKtState {
  g: GlobalModelState;
  k: Map<string, SkillModelState>;
}

/** The live model behind the kt interface. */
export class LiveKtModel implements KtModel<LiveKtState> {
  readonly name = 'live';
  readonly items: readonly string[] = [];

  constructor(readonly model: LearnerModel, readonly skills: readonly string[]) {}

  private id(skill: number): string {
    return this.skills[skill] ?? `#${skill}`;
  }

  init(): LiveKtState {
    return { g: initGlobal(), k: new Map() };
  }

  predict(state: LiveKtState, skill: number): number {
    const id = this.id(skill);
    return this.model.predict(state.g, id, state.k.get(id));
  }

  update(state: LiveKtState, skill: number, correct: boolean): void {
    const id = this.id(skill);
    let k = state.k.get(id);
    if (!k) state.k.set(id, (k = this.model.initSkill(id)));
    this.model.update(state.g, id, k, correct ? 1 : 0);
  }

  pKnown(state: LiveKtState, skill: number): number {
    const id = this.id(skill);
    return this.model.masteryProbability(state.g, id, state.k.get(id), 0);
  }

  toJSON(): SavedModel {
    return { name: this.name, skills: this.skills, params: this.model.params };
  }
}

/** The live model fitted on a kt dataset. */
export function fitLive(ds: KtDataset, opts: FitOptions = {}): LiveKtModel {
  return new LiveKtModel(fitLearnerDataset(ds, opts), ds.skills);
}

export const liveTrainer: KtTrainer = {
  name: 'live',
  description: 'the product\'s learner model: stack of Elo ability, PFA counts, BKT (+ item offset, forgetting)',
  fit: (ds, opts) => fitLive(ds, opts),
};

/** What the mastery rule's verdicts predicted about the answers that followed them. */
export interface MasteryReport {
  /** First verdicts per (student, skill). */
  verdicts: number;
  /** Verdicts followed by at least one more answer on the skill, and the share of those next answers right. */
  withNext: number;
  nextCorrect: number;
  /** Share right of the next up-to-3 answers after each verdict (pooled). */
  next3Correct: number;
  /** Median answers on the skill up to and including the verdict. */
  medianAnswers: number;
  /** Reference: share right of the answer after ANY correct answer, and after 3 right in a row (first time). */
  nextCorrectAfterAnyCorrect: number;
  nextCorrectAfter3InARow: number;
  /** Online predictions: AUC, reliability table, expected calibration error. */
  auc: number;
  ece: number;
  bins: ReliabilityBin[];
  answers: number;
}

/** Per-student raw tallies, merged over folds. */
interface Tally {
  verdicts: number;
  withNext: number;
  nextRight: number;
  next3: number;
  next3Right: number;
  toMastery: number[];
  anyCorrectNext: number;
  anyCorrectNextRight: number;
  inARowNext: number;
  inARowNextRight: number;
  pred: number[];
  y: number[];
}

const newTally = (): Tally => ({
  verdicts: 0, withNext: 0, nextRight: 0, next3: 0, next3Right: 0, toMastery: [], anyCorrectNext: 0, anyCorrectNextRight: 0,
  inARowNext: 0, inARowNextRight: 0, pred: [], y: [],
});

/**
 * Replays every student of `ds` through the live model (predict, then update; no peeking) and applies the
 * product's mastery rule after each answer (meetsMastery, as state.ts does). Rows of one student are in the
 * order given; the log has no times, so the verdict's one-day horizon is applied to a state whose last answer
 * is "now".
 */
function tally(model: LearnerModel, skills: readonly string[], ds: KtDataset, rule: MasteryRule, t: Tally): void {
  const nStudents = ds.studentStart.length - 1;
  for (let s = 0; s < nStudents; s++) {
    const g = initGlobal();
    const ks = new Map<string, SkillModelState>();
    /** Per skill: index of the verdict's answer, answers seen since, rights among the next 3. */
    const after = new Map<string, { seen: number }>();
    const lastRight = new Map<string, boolean>();
    const streak = new Map<string, number>();
    const streakDone = new Map<string, boolean>();
    for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) {
      const id = skills[ds.skill[i]!] ?? `#${ds.skill[i]}`;
      const y = ds.correct[i]!;
      let k = ks.get(id);
      t.pred.push(model.predict(g, id, k));
      t.y.push(y);
      const a = after.get(id);
      if (a && a.seen < 3) {
        if (a.seen === 0) { t.withNext++; t.nextRight += y; }
        t.next3++;
        t.next3Right += y;
        a.seen++;
      }
      if (lastRight.get(id)) { t.anyCorrectNext++; t.anyCorrectNextRight += y; }
      if (streakDone.get(id) === true) { t.inARowNext++; t.inARowNextRight += y; streakDone.set(id, false); }
      if (!k) ks.set(id, (k = model.initSkill(id)));
      model.update(g, id, k, y);
      lastRight.set(id, y === 1);
      const st = y ? (streak.get(id) ?? 0) + 1 : 0;
      streak.set(id, st);
      if (st === 3 && !streakDone.has(id)) streakDone.set(id, true);
      if (!after.has(id) && meetsMastery(model, g, id, k, 0, rule)) {
        after.set(id, { seen: 0 });
        t.verdicts++;
        t.toMastery.push(k.n);
      }
    }
  }
}

function finish(t: Tally, bins = 10): MasteryReport {
  const cal = calibration(t.pred, t.y, bins);
  const sorted = [...t.toMastery].sort((a, b) => a - b);
  const median = sorted.length ? (sorted.length % 2 ? sorted[(sorted.length - 1) / 2]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2) : NaN;
  return {
    verdicts: t.verdicts,
    withNext: t.withNext,
    nextCorrect: t.withNext ? t.nextRight / t.withNext : NaN,
    next3Correct: t.next3 ? t.next3Right / t.next3 : NaN,
    medianAnswers: median,
    nextCorrectAfterAnyCorrect: t.anyCorrectNext ? t.anyCorrectNextRight / t.anyCorrectNext : NaN,
    nextCorrectAfter3InARow: t.inARowNext ? t.inARowNextRight / t.inARowNext : NaN,
    auc: auc(t.pred, t.y),
    ece: cal.ece,
    bins: cal.bins,
    answers: t.y.length,
  };
}

/** The mastery report of a fitted live model on held-out students. */
export function masteryReport(model: LearnerModel, skills: readonly string[], test: KtDataset, rule: MasteryRule = DEFAULT_MASTERY_RULE): MasteryReport {
  const t = newTally();
  tally(model, skills, test, rule, t);
  return finish(t);
}

/** The mastery report pooled over K-fold cross-validation by student (each fold's students held out). */
export function masteryReportCv(ds: KtDataset, k: number, rule: MasteryRule = DEFAULT_MASTERY_RULE, opts: FitOptions & { foldSeed?: number } = {}): MasteryReport {
  const fold = studentFolds(ds.studentStart.length - 1, k, seededRng(opts.foldSeed ?? 42));
  const t = newTally();
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(ds, fold, f);
    const m = fitLearnerDataset(train, opts);
    tally(m, train.skills, test, rule, t);
  }
  return finish(t);
}
