/**
 * Elo-style learner model with a global ability per student and a local ability per student and skill
 * (Pelánek 2016, "Applications of the Elo rating system in adaptive educational systems"; the hierarchical
 * "student + student-skill" variant): P(correct) = σ(θ_s + θ_sk − d_k [− d_i]). After each answer both abilities
 * move by the prediction error times an uncertainty function U(n) = a / (1 + b·n) that shrinks with the number
 * of answers n already seen, so early answers move the estimate a lot and later ones little.
 * Wrong answers may move the local ability by a different factor (PFA-Elo, Papoušek et al. 2014).
 */
import type { KtDataset } from './dataset.js';
import type { FitOptions, KtModel, KtTrainer, SavedModel } from './model.js';

/** Hyperparameters of the Elo model. */
export interface EloHyper {
  /** U(n) = a / (1 + b n) of the global student ability. */
  aStudent: number;
  bStudent: number;
  /** U(n) of the student-skill ability. */
  aSkill: number;
  bSkill: number;
  /** Factor of the student-skill step after a wrong answer (1: symmetric Elo). */
  wrongFactor: number;
}

/** A student's Elo state: global ability and answer count, and per skill index the local ability and count. */
export interface EloState {
  theta: number;
  n: number;
  skill: Record<number, { theta: number; n: number }>;
}

/** Logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/** The Elo uncertainty function U(n) = a / (1 + b n) (Pelánek 2016). */
export function eloUncertainty(a: number, b: number, n: number): number {
  return a / (1 + b * n);
}

/** A fitted Elo model: skill (and item) difficulties plus the hyperparameters of the student updates. */
export class EloModel implements KtModel<EloState> {
  constructor(
    readonly skills: readonly string[],
    readonly items: readonly string[],
    readonly skillDifficulty: Float64Array,
    readonly itemDifficulty: Float64Array,
    readonly hyper: EloHyper,
    readonly name = 'elo',
  ) {}

  init(): EloState {
    return { theta: 0, n: 0, skill: {} };
  }

  /** The logit θ_s + θ_sk − d_k − d_i of the next answer. */
  logit(state: EloState, skill: number, item = -1, offset = 0): number {
    const d = skill >= 0 && skill < this.skillDifficulty.length ? this.skillDifficulty[skill]! : 0;
    const di = item >= 0 && item < this.itemDifficulty.length ? this.itemDifficulty[item]! : 0;
    const local = state.skill[skill];
    return state.theta + (local ? local.theta : 0) - d - di - offset;
  }

  predict(state: EloState, skill: number, item = -1, offset = 0): number {
    return sigmoid(this.logit(state, skill, item, offset));
  }

  /** `offset`: the item's known difficulty (KtDataset.offset), as the live model's update takes it. */
  update(state: EloState, skill: number, correct: boolean, item = -1, offset = 0): void {
    const h = this.hyper;
    const err = (correct ? 1 : 0) - this.predict(state, skill, item, offset);
    let local = state.skill[skill];
    if (!local) {
      local = { theta: 0, n: 0 };
      state.skill[skill] = local;
    }
    state.theta += eloUncertainty(h.aStudent, h.bStudent, state.n) * err;
    state.n++;
    local.theta += eloUncertainty(h.aSkill, h.bSkill, local.n) * err * (correct ? 1 : h.wrongFactor);
    local.n++;
  }

  /**
   * Elo has no latent "known" state; this is the success chance on an average item of the skill, the closest
   * probability to show. The default (blend) model takes P(known) from BKT instead.
   */
  pKnown(state: EloState, skill: number): number {
    return this.predict(state, skill);
  }

  toJSON(): SavedModel {
    return {
      name: this.name,
      skills: this.skills,
      items: this.items,
      skillDifficulty: Array.from(this.skillDifficulty),
      itemDifficulty: Array.from(this.itemDifficulty),
      hyper: this.hyper,
    };
  }

  static fromJSON(j: SavedModel): EloModel {
    return new EloModel(
      j.skills as string[],
      j.items as string[],
      Float64Array.from(j.skillDifficulty as number[]),
      Float64Array.from(j.itemDifficulty as number[]),
      j.hyper as EloHyper,
    );
  }
}

/**
 * One online pass over a dataset with the Elo model. With `learnDifficulty` the skill and item difficulties are
 * also updated online (their own uncertainty function over their answer counts). Returns the log-likelihood
 * of the online predictions. Works on typed arrays; per-student local abilities live in arrays reset per student.
 */
function eloPass(
  ds: KtDataset,
  h: EloHyper,
  dSkill: Float64Array,
  dItem: Float64Array,
  nSkillSeen: Float64Array | null,
  nItemSeen: Float64Array | null,
  scratch: { theta: Float64Array; n: Float64Array; touched: Int32Array },
  out?: Float64Array,
): number {
  const { theta: lt, n: ln, touched } = scratch;
  const nStudents = ds.studentStart.length - 1;
  let ll = 0;
  for (let s = 0; s < nStudents; s++) {
    let g = 0;
    let gn = 0;
    let nt = 0;
    for (let i = ds.studentStart[s]!; i < ds.studentStart[s + 1]!; i++) {
      const k = ds.skill[i]!;
      const it = ds.item[i]!;
      if (ln[k] === 0 && lt[k] === 0) touched[nt++] = k;
      const z = g + lt[k]! - dSkill[k]! - (it >= 0 ? dItem[it]! : 0) - (ds.offset ? ds.offset[i]! : 0);
      const p = 1 / (1 + Math.exp(-z));
      if (out) out[i] = p;
      const c = ds.correct[i]!;
      ll += Math.log(c ? p : 1 - p);
      const err = c - p;
      g += (h.aStudent / (1 + h.bStudent * gn)) * err;
      gn++;
      lt[k]! += (h.aSkill / (1 + h.bSkill * ln[k]!)) * err * (c ? 1 : h.wrongFactor);
      ln[k]!++;
      if (nSkillSeen) {
        dSkill[k]! -= (1 / (1 + 0.05 * nSkillSeen[k]!)) * err;
        nSkillSeen[k]!++;
        if (it >= 0 && nItemSeen) {
          dItem[it]! -= (1 / (1 + 0.05 * nItemSeen[it]!)) * err;
          nItemSeen[it]!++;
        }
      }
    }
    for (let j = 0; j < nt; j++) {
      lt[touched[j]!] = 0;
      ln[touched[j]!] = 0;
    }
  }
  return ll;
}

/** Options of the Elo fit. */
export interface EloFitOptions extends FitOptions {
  /** Fixed hyperparameters (skip the search). */
  hyper?: EloHyper;
}

/**
 * Fits the Elo model (Pelánek 2016): difficulties learned online over the training students, then the
 * uncertainty-function hyperparameters chosen by coordinate search on the training log-likelihood of online
 * predictions, alternating with re-estimating the difficulties under the chosen hyperparameters.
 */
export function fitElo(ds: KtDataset, opts: EloFitOptions = {}): EloModel {
  const nSkills = ds.skills.length;
  const nItems = ds.items.length;
  const scratch = {
    theta: new Float64Array(nSkills),
    n: new Float64Array(nSkills),
    touched: new Int32Array(nSkills),
  };
  let h: EloHyper = opts.hyper ?? { aStudent: 0.4, bStudent: 0.05, aSkill: 0.8, bSkill: 0.05, wrongFactor: 1 };
  let dSkill = new Float64Array(nSkills);
  let dItem = new Float64Array(nItems);
  const learnDifficulty = () => {
    const ds2 = new Float64Array(nSkills);
    const di2 = new Float64Array(nItems);
    const ns = new Float64Array(nSkills);
    const ni = new Float64Array(nItems);
    eloPass(ds, h, ds2, di2, ns, ni, scratch);
    dSkill = ds2;
    dItem = di2;
  };
  learnDifficulty();
  if (!opts.hyper) {
    const score = (x: EloHyper) => eloPass(ds, x, dSkill, dItem, null, null, scratch);
    const grids: Record<keyof EloHyper, number[]> = {
      aStudent: [0.1, 0.2, 0.3, 0.5, 0.8, 1.2],
      bStudent: [0, 0.01, 0.03, 0.1, 0.3],
      aSkill: [0.2, 0.4, 0.6, 0.8, 1.2, 1.6],
      bSkill: [0, 0.02, 0.05, 0.1, 0.3],
      wrongFactor: [0.25, 0.4, 0.6, 0.8, 1],
    };
    for (let round = 0; round < 2; round++) {
      for (const key of Object.keys(grids) as (keyof EloHyper)[]) {
        let best = score(h);
        for (const v of grids[key]) {
          const cand = { ...h, [key]: v };
          const s = score(cand);
          if (s > best) {
            best = s;
            h = cand;
          }
        }
      }
      learnDifficulty();
    }
  }
  return new EloModel(ds.skills, ds.items, dSkill, dItem, h);
}

/** Elo with student and student-skill abilities and uncertainty-decaying steps (Pelánek 2016). */
export const eloTrainer: KtTrainer = {
  name: 'elo',
  description: 'Elo: student + student-skill ability (Pelanek 2016)',
  fit: (ds, opts) => fitElo(ds, opts),
};
