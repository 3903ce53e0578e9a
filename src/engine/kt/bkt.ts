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

const EPS = 1e-4;

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

/** Skill-ordered packing of a dataset for EM. */
interface SkillPack {
  /** Answers ordered by skill, then student, then time. */
  obs: Uint8Array;
  /** 1 where a (student, skill) sequence starts. */
  start: Uint8Array;
  /** Emission group of each answer, local to its skill (0 = the skill itself or an item-less answer). */
  group: Int32Array;
  /** Skill s owns packed answers skillStart[s] .. skillStart[s+1]-1. */
  skillStart: Int32Array;
  /** Items of each local emission group (index g-1 of the skill's list; group 0 has no item). */
  groupItems: Int32Array[];
}

function packBySkill(ds: KtDataset, itemLevel: boolean): SkillPack {
  const n = ds.correct.length;
  const nSkills = ds.skills.length;
  const skillStart = new Int32Array(nSkills + 1);
  for (let i = 0; i < n; i++) skillStart[ds.skill[i]! + 1]!++;
  for (let s = 0; s < nSkills; s++) skillStart[s + 1]! += skillStart[s]!;
  const fill = skillStart.slice(0, nSkills);
  const obs = new Uint8Array(n);
  const start = new Uint8Array(n);
  const group = new Int32Array(n);
  const lastStudent = new Int32Array(nSkills).fill(-1);
  const groupMaps: Map<number, number>[] = [];
  const groupItems: number[][] = [];
  for (let s = 0; s < nSkills; s++) {
    groupMaps.push(new Map());
    groupItems.push([]);
  }
  const nStudents = ds.studentStart.length - 1;
  for (let st = 0; st < nStudents; st++) {
    for (let i = ds.studentStart[st]!; i < ds.studentStart[st + 1]!; i++) {
      const k = ds.skill[i]!;
      const o = fill[k]!++;
      obs[o] = ds.correct[i]!;
      if (lastStudent[k] !== st) {
        start[o] = 1;
        lastStudent[k] = st;
      }
      const it = ds.item[i]!;
      if (itemLevel && it >= 0) {
        const m = groupMaps[k]!;
        let g = m.get(it);
        if (g === undefined) {
          g = m.size + 1;
          m.set(it, g);
          groupItems[k]!.push(it);
        }
        group[o] = g;
      }
    }
  }
  return { obs, start, group, skillStart, groupItems: groupItems.map((a) => Int32Array.from(a)) };
}

interface SkillFit {
  prior: number;
  learn: number;
  forget: number;
  /** Guess/slip per local group; index 0 is the skill level. */
  guess: Float64Array;
  slip: Float64Array;
  logLik: number;
}

/** Scratch buffers reused across skills. */
interface Scratch {
  filt: Float64Array;
  pred: Float64Array;
  gam: Float64Array;
}

/**
 * EM over the answers [a, b) of one skill with `m` local emission groups. Forward pass: filtered P(known)
 * after each answer and the predictive P(known) before it; backward pass: smoothed posteriors and expected
 * transition counts from the two-state forward-filtering backward-smoothing recursions.
 */
function emSkill(
  pk: SkillPack,
  a: number,
  b: number,
  m: number,
  withForget: boolean,
  o: Required<Pick<BktFitOptions, 'maxIter' | 'tol' | 'maxGuess' | 'maxSlip' | 'itemShrink'>>,
  init: SkillFit,
  sc: Scratch,
): SkillFit {
  const { obs, start, group } = pk;
  const { filt, pred, gam } = sc;
  let prior = init.prior;
  let learn = init.learn;
  let forget = withForget ? init.forget : 0;
  const guess = init.guess.slice();
  const slip = init.slip.slice();
  const gNum = new Float64Array(m); // expected correct answers while unknown
  const gDen = new Float64Array(m); // expected answers while unknown
  const sNum = new Float64Array(m); // expected wrong answers while known
  const sDen = new Float64Array(m); // expected answers while known
  const n = b - a;
  let prevLL = -Infinity;
  let ll = 0;
  for (let iter = 0; iter < o.maxIter; iter++) {
    ll = 0;
    let prod = 1;
    let post = 0;
    for (let t = a; t < b; t++) {
      const p = start[t] ? prior : post * (1 - forget) + (1 - post) * learn;
      pred[t] = p;
      const g = group[t]!;
      let kn: number, un: number;
      if (obs[t]) {
        kn = p * (1 - slip[g]!);
        un = (1 - p) * guess[g]!;
      } else {
        kn = p * slip[g]!;
        un = (1 - p) * (1 - guess[g]!);
      }
      const den = kn + un;
      prod *= den;
      if (prod < 1e-280) {
        ll += Math.log(prod);
        prod = 1;
      }
      post = kn / den;
      filt[t] = post;
    }
    ll += Math.log(prod);
    gNum.fill(0);
    gDen.fill(0);
    sNum.fill(0);
    sDen.fill(0);
    let priorSum = 0;
    let nSeq = 0;
    let uk = 0;
    let uDen = 0;
    let ku = 0;
    let kDen = 0;
    for (let t = b - 1; t >= a; t--) {
      let gamma: number;
      if (t + 1 === b || start[t + 1]) {
        gamma = filt[t]!;
      } else {
        const f = filt[t]!;
        const gn = gam[t + 1]!;
        const pn = pred[t + 1]!;
        const qn = 1 - pn;
        const rk = pn > 0 ? gn / pn : 0;
        const ru = qn > 0 ? (1 - gn) / qn : 0;
        const kk = f * (1 - forget) * rk;
        const kuT = f * forget * ru;
        const ukT = (1 - f) * learn * rk;
        const uu = (1 - f) * (1 - learn) * ru;
        gamma = kk + kuT;
        uk += ukT;
        uDen += ukT + uu;
        ku += kuT;
        kDen += kk + kuT;
      }
      gam[t] = gamma;
      const g = group[t]!;
      gDen[g]! += 1 - gamma;
      sDen[g]! += gamma;
      if (obs[t]) gNum[g]! += 1 - gamma;
      else sNum[g]! += gamma;
      if (start[t]) {
        priorSum += gamma;
        nSeq++;
      }
    }
    // M-step, with one pseudo-answer of smoothing and the identifiability bounds.
    prior = clampP((priorSum + 0.5) / (nSeq + 1), EPS);
    learn = clampP((uk + 0.1) / (uDen + 1), EPS);
    if (withForget) forget = clampP((ku + 0.01) / (kDen + 1), EPS);
    let tgn = 0, tgd = 0, tsn = 0, tsd = 0;
    for (let g = 0; g < m; g++) {
      tgn += gNum[g]!;
      tgd += gDen[g]!;
      tsn += sNum[g]!;
      tsd += sDen[g]!;
    }
    const gSkill = Math.min(o.maxGuess, clampP((tgn + 0.2) / (tgd + 1), EPS));
    const sSkill = Math.min(o.maxSlip, clampP((tsn + 0.1) / (tsd + 1), EPS));
    if (m === 1) {
      guess[0] = gSkill;
      slip[0] = sSkill;
    } else {
      const k = o.itemShrink;
      for (let g = 0; g < m; g++) {
        guess[g] = Math.min(o.maxGuess, clampP((gNum[g]! + k * gSkill) / (gDen[g]! + k), EPS));
        slip[g] = Math.min(o.maxSlip, clampP((sNum[g]! + k * sSkill) / (sDen[g]! + k), EPS));
      }
      if (gDen[0]! + sDen[0]! === 0) {
        guess[0] = gSkill;
        slip[0] = sSkill;
      }
    }
    if (ll - prevLL < o.tol * n) break;
    prevLL = ll;
  }
  return { prior, learn, forget, guess, slip, logLik: ll };
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
