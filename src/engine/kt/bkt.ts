/**
 * Bayesian Knowledge Tracing (Corbett & Anderson 1995) fitted per skill by EM (Baum-Welch), with the optional
 * forgetting transition used by pyBKT (`forgets`), and item-level guess/slip (KT-IDEM, Pardos & Heffernan 2011).
 *
 * Fitting packs the answers once into skill-ordered typed arrays (answers of one skill, student by student, in
 * time order) and runs forward filtering / backward smoothing over them: no per-answer objects.
 */
import type { BktParams } from '../types.js';
import type { KtDataset } from './dataset.js';
import { clampP, type FitOptions, type KtModel, type KtTrainer, type SavedModel } from './model.js';
import { seededRng } from './rng.js';
import { emSkill, packBySkill, type Scratch, type SkillFit } from './bkt-em.js';

/** P(known) of each skill the student has practised, by skill index (skills absent are at their prior). */
export type BktState = Record<number, number>;

/** Options of the BKT-family EM. */
export interface BktFitOptions extends FitOptions {
  /** Fit a forgetting probability per skill (otherwise forget = 0: classic BKT). */
  forget?: boolean;
  /** Fit guess/slip per item where answers carry item ids (KT-IDEM). */
  itemLevel?: boolean;
  /** Pseudo-answers pulling an item's guess/slip towards its skill's (KT-IDEM shrinkage). */
  itemShrink?: number;
  /** Upper bound of guess and slip (identifiability guard: a "known" state must mean better answers). */
  maxGuess?: number;
  maxSlip?: number;
  /** Skills with fewer answers than this get the default (answer-weighted mean) parameters. */
  minAnswers?: number;
  /** EM iterations run from every random start before the best one is run to convergence. */
  warmIter?: number;
  /** Convergence tolerance on the log-likelihood gain per answer. */
  tol?: number;
}

/** One BKT observation update (Corbett & Anderson 1995): posterior of "known" after the answer. */
export function bktPosterior(pKnown: number, correct: boolean, guess: number, slip: number): number {
  if (correct) {
    const k = pKnown * (1 - slip);
    return k / (k + (1 - pKnown) * guess);
  }
  const k = pKnown * slip;
  return k / (k + (1 - pKnown) * (1 - guess));
}

/** The transition between two opportunities: learn if unknown, forget if known. */
export function bktTransition(pKnown: number, learn: number, forget: number): number {
  return pKnown * (1 - forget) + (1 - pKnown) * learn;
}

/** P(correct) given P(known): known and no slip, or unknown and a guess. */
export function bktPCorrect(pKnown: number, guess: number, slip: number): number {
  return pKnown * (1 - slip) + (1 - pKnown) * guess;
}

/** Fitted BKT parameters of all skills (and items for KT-IDEM), as plain arrays. */
export interface BktParamSet {
  prior: Float64Array;
  learn: Float64Array;
  forget: Float64Array;
  guess: Float64Array;
  slip: Float64Array;
  /** Skill each item's guess/slip belongs to (-1: no item parameters). */
  itemSkill: Int32Array;
  itemGuess: Float64Array;
  itemSlip: Float64Array;
  /** Parameters for skills the model does not know. */
  defaults: BktParams;
  /** Log-likelihood of the training data under the fitted parameters. */
  logLik: number;
}

/** A BKT-family model: classic BKT, BKT with forgetting, or KT-IDEM, depending on its parameters. */
export class BktModel implements KtModel<BktState> {
  constructor(
    readonly name: string,
    readonly skills: readonly string[],
    readonly items: readonly string[],
    readonly params: BktParamSet,
  ) {}

  /** The BKT parameters of one skill (defaults for an unknown index). */
  skillParams(skill: number): BktParams {
    const p = this.params;
    if (skill < 0 || skill >= p.prior.length) return { ...p.defaults };
    return { prior: p.prior[skill]!, learn: p.learn[skill]!, guess: p.guess[skill]!, slip: p.slip[skill]!, forget: p.forget[skill]! };
  }

  init(): BktState {
    return {};
  }

  private prior(skill: number): number {
    const p = this.params;
    return skill >= 0 && skill < p.prior.length ? p.prior[skill]! : p.defaults.prior;
  }

  pKnown(state: BktState, skill: number): number {
    const v = state[skill];
    return v === undefined ? this.prior(skill) : v;
  }

  predict(state: BktState, skill: number, item = -1): number {
    const p = this.params;
    const k = this.pKnown(state, skill);
    if (item >= 0 && item < p.itemSkill.length && p.itemSkill[item] === skill) {
      return bktPCorrect(k, p.itemGuess[item]!, p.itemSlip[item]!);
    }
    if (skill >= 0 && skill < p.prior.length) return bktPCorrect(k, p.guess[skill]!, p.slip[skill]!);
    return bktPCorrect(k, p.defaults.guess, p.defaults.slip);
  }

  update(state: BktState, skill: number, correct: boolean, item = -1): void {
    const p = this.params;
    const k = this.pKnown(state, skill);
    let g: number, s: number, l: number, f: number;
    if (skill >= 0 && skill < p.prior.length) {
      g = p.guess[skill]!;
      s = p.slip[skill]!;
      l = p.learn[skill]!;
      f = p.forget[skill]!;
    } else {
      ({ guess: g, slip: s, learn: l, forget: f } = p.defaults);
    }
    if (item >= 0 && item < p.itemSkill.length && p.itemSkill[item] === skill) {
      g = p.itemGuess[item]!;
      s = p.itemSlip[item]!;
    }
    state[skill] = bktTransition(bktPosterior(k, correct, g, s), l, f);
  }

  toJSON(): SavedModel {
    const p = this.params;
    return {
      name: this.name,
      skills: this.skills,
      items: this.items,
      prior: Array.from(p.prior),
      learn: Array.from(p.learn),
      forget: Array.from(p.forget),
      guess: Array.from(p.guess),
      slip: Array.from(p.slip),
      itemSkill: Array.from(p.itemSkill),
      itemGuess: Array.from(p.itemGuess),
      itemSlip: Array.from(p.itemSlip),
      defaults: p.defaults,
      logLik: p.logLik,
    };
  }

  /** Rebuilds a model from `toJSON()` output. */
  static fromJSON(j: SavedModel): BktModel {
    const num = (k: string) => Float64Array.from(j[k] as number[]);
    return new BktModel(j.name, j.skills as string[], j.items as string[], {
      prior: num('prior'),
      learn: num('learn'),
      forget: num('forget'),
      guess: num('guess'),
      slip: num('slip'),
      itemSkill: Int32Array.from(j.itemSkill as number[]),
      itemGuess: num('itemGuess'),
      itemSlip: num('itemSlip'),
      defaults: j.defaults as BktParams,
      logLik: j.logLik as number,
    });
  }
}


/**
 * Fits BKT per skill by EM with random restarts (Corbett & Anderson 1995; forgetting as in pyBKT; item-level
 * guess/slip as KT-IDEM, Pardos & Heffernan 2011). Skills with too few answers get the answer-weighted mean
 * parameters of the others, which are also the defaults for unknown skills.
 */
export function fitBkt(ds: KtDataset, name: string, opts: BktFitOptions = {}): BktModel {
  const withForget = opts.forget ?? false;
  const itemLevel = opts.itemLevel ?? false;
  const restarts = opts.restarts ?? 5;
  const minAnswers = opts.minAnswers ?? 10;
  const warmIter = opts.warmIter ?? 6;
  const o = {
    maxIter: opts.maxIter ?? 100,
    tol: opts.tol ?? 1e-7,
    maxGuess: opts.maxGuess ?? 0.45,
    maxSlip: opts.maxSlip ?? 0.45,
    itemShrink: opts.itemShrink ?? 10,
  };
  const rng = seededRng(opts.seed ?? 1);
  const pk = packBySkill(ds, itemLevel);
  const nSkills = ds.skills.length;
  const n = ds.correct.length;
  const sc: Scratch = { filt: new Float64Array(n), pred: new Float64Array(n), gam: new Float64Array(n) };
  const prior = new Float64Array(nSkills);
  const learn = new Float64Array(nSkills);
  const forget = new Float64Array(nSkills);
  const guess = new Float64Array(nSkills);
  const slip = new Float64Array(nSkills);
  const itemSkill = new Int32Array(ds.items.length).fill(-1);
  const itemGuess = new Float64Array(ds.items.length);
  const itemSlip = new Float64Array(ds.items.length);
  const fitted = new Uint8Array(nSkills);
  let logLik = 0;
  const sum = { prior: 0, learn: 0, forget: 0, guess: 0, slip: 0, w: 0 };
  const itemCount = new Int32Array(ds.items.length);
  for (let s = 0; s < nSkills; s++) {
    const a = pk.skillStart[s]!;
    const b = pk.skillStart[s + 1]!;
    if (b - a < minAnswers) continue;
    const m = pk.groupItems[s]!.length + 1;
    // Restarts: a few EM iterations from each random start, then the most likely one runs to convergence.
    let best: SkillFit | undefined;
    for (let r = 0; r < restarts; r++) {
      const init: SkillFit = {
        prior: 0.1 + 0.8 * rng(),
        learn: 0.01 + 0.3 * rng(),
        forget: 0.01 + 0.15 * rng(),
        guess: new Float64Array(m).fill(0.05 + 0.35 * rng()),
        slip: new Float64Array(m).fill(0.05 + 0.35 * rng()),
        logLik: -Infinity,
      };
      const fit = emSkill(pk, a, b, m, withForget, { ...o, maxIter: Math.min(o.maxIter, warmIter) }, init, sc);
      if (!best || fit.logLik > best.logLik) best = fit;
    }
    const f = emSkill(pk, a, b, m, withForget, o, best!, sc);
    prior[s] = f.prior;
    learn[s] = f.learn;
    forget[s] = f.forget;
    guess[s] = f.guess[0]!;
    slip[s] = f.slip[0]!;
    fitted[s] = 1;
    logLik += f.logLik;
    const items = pk.groupItems[s]!;
    for (let j = 0; j < items.length; j++) {
      const it = items[j]!;
      let cnt = 0;
      for (let t = a; t < b; t++) if (pk.group[t] === j + 1) cnt++;
      if (cnt > itemCount[it]!) {
        itemCount[it] = cnt;
        itemSkill[it] = s;
        itemGuess[it] = f.guess[j + 1]!;
        itemSlip[it] = f.slip[j + 1]!;
      }
    }
    const w = b - a;
    sum.prior += w * f.prior;
    sum.learn += w * f.learn;
    sum.forget += w * f.forget;
    sum.guess += w * f.guess[0]!;
    sum.slip += w * f.slip[0]!;
    sum.w += w;
  }
  const defaults: BktParams =
    sum.w > 0
      ? {
          prior: sum.prior / sum.w,
          learn: sum.learn / sum.w,
          forget: sum.forget / sum.w,
          guess: sum.guess / sum.w,
          slip: sum.slip / sum.w,
        }
      : { prior: 0.3, learn: 0.1, forget: 0, guess: 0.2, slip: 0.1 };
  for (let s = 0; s < nSkills; s++) {
    if (fitted[s]) continue;
    prior[s] = defaults.prior;
    learn[s] = defaults.learn;
    forget[s] = defaults.forget;
    guess[s] = defaults.guess;
    slip[s] = defaults.slip;
  }
  return new BktModel(name, ds.skills, itemLevel ? ds.items : [], {
    prior, learn, forget, guess, slip, itemSkill, itemGuess, itemSlip, defaults, logLik,
  });
}

/** Classic BKT: per-skill prior, learn, guess, slip by EM, no forgetting (Corbett & Anderson 1995). */
export const bktTrainer: KtTrainer = {
  name: 'bkt',
  description: 'BKT, EM per skill (Corbett & Anderson 1995)',
  fit: (ds, opts) => fitBkt(ds, 'bkt', { ...opts, forget: false }),
};

/** BKT with a per-skill forgetting probability (pyBKT `forgets`). */
export const bktForgetTrainer: KtTrainer = {
  name: 'bkt-forget',
  description: 'BKT + forgetting per skill (pyBKT forgets)',
  fit: (ds, opts) => fitBkt(ds, 'bkt-forget', { ...opts, forget: true }),
};

/**
 * KT-IDEM (Pardos & Heffernan 2011): BKT with forgetting whose guess and slip are per item where answers carry
 * item ids, shrunk towards the skill's values; identical to BKT with forgetting on a log without item ids.
 */
export const ktIdemTrainer: KtTrainer = {
  name: 'kt-idem',
  description: 'KT-IDEM: BKT+forget with per-item guess/slip',
  fit: (ds, opts) => fitBkt(ds, 'kt-idem', { ...opts, forget: true, itemLevel: true }),
};
