/**
 * The EM of the BKT family (kt/bkt.ts fitBkt): answers packed by skill into typed arrays, and Baum-Welch over
 * one skill's answers (forward filtering, backward smoothing, expected counts). Split from bkt.ts so no file
 * in src/ holds more than 400 lines (issue 13).
 */
import type { KtDataset } from './dataset.js';
import type { BktFitOptions } from './bkt.js';
import { clampP } from './model.js';

/** Bound of the fitted probabilities away from 0 and 1. */
const EPS = 1e-4;

/** Skill-ordered packing of a dataset for EM. */
export interface SkillPack {
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

export function packBySkill(ds: KtDataset, itemLevel: boolean): SkillPack {
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

export interface SkillFit {
  prior: number;
  learn: number;
  forget: number;
  /** Guess/slip per local group; index 0 is the skill level. */
  guess: Float64Array;
  slip: Float64Array;
  logLik: number;
}

/** Scratch buffers reused across skills. */
export interface Scratch {
  filt: Float64Array;
  pred: Float64Array;
  gam: Float64Array;
}

/**
 * EM over the answers [a, b) of one skill with `m` local emission groups. Forward pass: filtered P(known)
 * after each answer and the predictive P(known) before it; backward pass: smoothed posteriors and expected
 * transition counts from the two-state forward-filtering backward-smoothing recursions.
 */
export function emSkill(
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
