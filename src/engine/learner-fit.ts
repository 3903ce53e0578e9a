/**
 * Fitting the live learner model (learner.ts), with a prior or a bound on every parameter:
 *  - the stack and its components by kt/blend.ts (`blend-pfa`: inner cross-validation by student, so the stacking
 *    weights are learned from out-of-fold predictions; L2 on every logistic weight; BKT guess and slip < 0.3,
 *    Baker, Corbett & Aleven 2008; Elo hyperparameters from a bounded grid);
 *  - item difficulties jointly with student ability (fitItemDifficulties): Newton steps on the residuals of the
 *    model's own online predictions, which include the student's ability, with a Gaussian prior centred on the
 *    authored difficulty and a hard bound on the drift;
 *  - forgetting over real time (fitForgetting): a bounded grid, only when the log spans days.
 * A fit is then checked for degeneracy (checkModel) and, by the caller, against the current model on held-out
 * learners (heldOutLogLik): a new fit replaces the current one only if it predicts better.
 *
 * Truncation by the mastery rule: the product stops practising a skill once it is mastered, so adaptive logs
 * are cut short exactly when students do well. Every part of this model is fitted by (penalised) likelihood of
 * each answer given the answers before it, and a stopping rule that depends only on answers already observed
 * leaves that likelihood unchanged (it is "ignorable"): the fit is not biased by it, unlike moment matching on
 * final outcomes. What truncation does remove is information (few long sequences), which is why every
 * parameter has a prior or bound, and why the acceptance test is held-out likelihood, not the training fit.
 */
import { type KtDataset, DatasetBuilder } from './kt/dataset.js';
import { fitBlend, type BlendModel, type BlendFitOptions } from './kt/blend.js';
import { fitBkt } from './kt/bkt.js';
import { fitElo } from './kt/elo.js';
import {
  DEFAULT_FORGETTING, LearnerModel, type ForgettingParams, type GlobalModelState, type LearnerParams, type SkillModelState,
  type SkillParams, initGlobal,
} from './learner.js';

/** Bounds of the BKT component (identifiability). */
export const MAX_GUESS = 0.3;
export const MAX_SLIP = 0.3;

/** Convert a fitted kt `blend-pfa` model (numeric skill indices) into the live model's parameters. */
export function fromBlend(blend: BlendModel, ds: KtDataset, forgetting: ForgettingParams = DEFAULT_FORGETTING): LearnerParams {
  if (!blend.pfa) throw new Error('the live model needs the PFA component (blend-pfa)');
  const K = ds.skills.length;
  const bp = blend.bkt.params;
  const pw = blend.pfa.weights;
  const G = 10;
  const count = new Float64Array(K);
  for (let i = 0; i < ds.skill.length; i++) count[ds.skill[i]!]!++;
  const skills: Record<string, SkillParams> = {};
  const mean = { eloD: 0, beta: 0, gamma: 0, rho: 0, w: 0 };
  for (let s = 0; s < K; s++) {
    const sp: SkillParams = {
      bkt: { prior: bp.prior[s]!, learn: bp.learn[s]!, guess: bp.guess[s]!, slip: bp.slip[s]!, forget: bp.forget[s]! },
      eloD: blend.elo.skillDifficulty[s] ?? 0,
      beta: pw[1 + s]!,
      gamma: pw[1 + K + G + 2 * s]!,
      rho: pw[1 + K + G + 2 * s + 1]!,
    };
    skills[ds.skills[s]!] = sp;
    const w = count[s]!;
    mean.eloD += w * sp.eloD;
    mean.beta += w * sp.beta;
    mean.gamma += w * sp.gamma;
    mean.rho += w * sp.rho;
    mean.w += w;
  }
  const W = mean.w || 1;
  const h = blend.elo.hyper;
  const ph = blend.pfa.hyper;
  return {
    kind: 'mastery-learner',
    version: 1,
    skills,
    defaults: { bkt: { ...bp.defaults }, eloD: mean.eloD / W, beta: mean.beta / W, gamma: mean.gamma / W, rho: mean.rho / W },
    elo: { aStudent: h.aStudent, bStudent: h.bStudent, aSkill: h.aSkill, bSkill: h.bSkill, wrongFactor: h.wrongFactor },
    pfaHyper: { skillDecay: [ph.skillDecay[0], ph.skillDecay[1]], allDecay: ph.allDecay, ghost: ph.ghost },
    pfaIntercept: pw[0]!,
    pfaShared: Array.from(pw.subarray(1 + K, 1 + K + G)),
    weights: Array.from(blend.weights),
    buckets: [...blend.buckets],
    forgetting: { ...forgetting },
  };
}

/** Fit the live model on a packed answer log (numeric skills; every row one answer on one skill). */
export function fitLearnerDataset(ds: KtDataset, opts: BlendFitOptions = {}): LearnerModel {
  const blend = fitBlend(ds, { ...opts, withPfa: true, maxGuess: MAX_GUESS, maxSlip: MAX_SLIP });
  return new LearnerModel(fromBlend(blend, ds));
}

/**
 * A refit for a log too small to fit the whole stack: the base model's stacking weights and hyperparameters
 * stay (they were fitted on 400,000 answers), and only each skill's own parameters are fitted on the log:
 * BKT with forgetting by EM (guess, slip < 0.3; skills with fewer than 50 answers keep the base's defaults)
 * and the Elo difficulty of the skill (the base's Elo hyperparameters, centred on the base's average skill).
 */
export function fitSkillsOnly(base: LearnerParams, ds: KtDataset, seed = 1): LearnerParams {
  const bkt = fitBkt(ds, 'bkt-forget', { forget: true, maxGuess: MAX_GUESS, maxSlip: MAX_SLIP, minAnswers: 50, seed });
  const elo = fitElo(ds, { hyper: base.elo });
  const K = ds.skills.length;
  const count = new Float64Array(K);
  for (let i = 0; i < ds.skill.length; i++) count[ds.skill[i]!]!++;
  let mean = 0;
  let w = 0;
  for (let k = 0; k < K; k++) { mean += count[k]! * elo.skillDifficulty[k]!; w += count[k]!; }
  mean = w > 0 ? mean / w : 0;
  const skills: Record<string, SkillParams> = {};
  for (let k = 0; k < K; k++) {
    const enough = count[k]! >= 50;
    skills[ds.skills[k]!] = {
      ...base.defaults,
      bkt: enough ? bkt.skillParams(k) : { ...base.defaults.bkt },
      eloD: base.defaults.eloD + (enough ? elo.skillDifficulty[k]! - mean : 0),
    };
  }
  return { ...base, skills };
}

/** The same parameters without the per-skill ones: what a skill the model never saw gets (the shipped default). */
export function skillAgnostic(p: LearnerParams, source?: string): LearnerParams {
  return { ...p, skills: {}, source: source ?? p.source };
}

/** One answer of a tenant's log, as refit reads it. */
export interface LearnerLogEntry {
  /** Student (and assignment) key; entries of one learner in time order. */
  learner: string;
  itemId: string;
  skills: readonly string[];
  /** Evidence in [0, 1] (1 right). */
  y: number;
  /** When (ms epoch). */
  at: number;
  /** The item's authored difficulty (logits, 0 = average). */
  authored: number;
}

/** Group a log by learner, each learner's answers in time order (stable). */
export function byLearner(log: readonly LearnerLogEntry[]): LearnerLogEntry[][] {
  const m = new Map<string, LearnerLogEntry[]>();
  for (const e of log) {
    let a = m.get(e.learner);
    if (!a) m.set(e.learner, (a = []));
    a.push(e);
  }
  const out = [...m.values()];
  for (const a of out) a.sort((x, y) => x.at - y.at);
  return out;
}

/**
 * Pack a log into a KtDataset: one row per (answer, skill), as the ASSISTments log the model is fitted on.
 * With `difficulty` the rows carry the items' difficulty as the offset the live model subtracts (a map item id
 * -> logits; items not in it, or `difficulty` 'authored': the authored one) and no item ids, so that the stack
 * is fitted as it predicts: the live model knows an item only by its difficulty. Without it, item ids and no
 * offset (the components may then learn item parameters that the live model does not have).
 */
export function logToDataset(learners: readonly LearnerLogEntry[][], difficulty?: ReadonlyMap<string, number> | 'authored'): KtDataset {
  const b = new DatasetBuilder();
  const off: number[] = [];
  for (const seq of learners) for (const e of seq) for (const s of e.skills) {
    if (difficulty) {
      b.add(seq[0]!.learner, s, e.y >= 0.5);
      off.push(difficulty === 'authored' ? e.authored : difficulty.get(e.itemId) ?? e.authored);
    } else b.add(seq[0]!.learner, s, e.y >= 0.5, e.itemId);
  }
  const ds = b.build();
  return difficulty ? { ...ds, offset: Float64Array.from(off) } : ds;
}

/**
 * Online predictions of every answer of a log by the live model (predict, then update; multi-skill answers are
 * predicted on each skill before any is updated and scored once, on the weakest skill). Item difficulties
 * come from `difficulty` (item id -> logits) or the authored ones. Returns per-answer P(correct) in log order
 * of `learners` (flattened), and the log-likelihood. With `out.gapHours`, also the hours since the learner's
 * last answer on the answer's skills (the most recent of them; Infinity when one of them was never practised).
 */
export function predictLog(
  model: LearnerModel,
  learners: readonly LearnerLogEntry[][],
  difficulty?: ReadonlyMap<string, number>,
  out?: { p: number[]; y: number[]; z: number[]; item: string[]; gapHours?: number[] },
): number {
  let ll = 0;
  for (const seq of learners) {
    const g: GlobalModelState = initGlobal();
    const ks = new Map<string, SkillModelState>();
    for (const e of seq) {
      const d = difficulty?.get(e.itemId) ?? e.authored;
      let z = Infinity;
      for (const s of e.skills) z = Math.min(z, model.logitAt(g, s, ks.get(s), e.at, 0));
      if (!Number.isFinite(z)) continue;
      const p = 1 / (1 + Math.exp(-(z - d)));
      const q = Math.min(Math.max(p, 1e-9), 1 - 1e-9);
      ll += e.y * Math.log(q) + (1 - e.y) * Math.log(1 - q);
      if (out) {
        out.p.push(p); out.y.push(e.y); out.z.push(z); out.item.push(e.itemId);
        if (out.gapHours) {
          // Hours since the last answer on any of the answer's skills; Infinity when one of them is new.
          let last = -Infinity;
          for (const s of e.skills) { const k = ks.get(s); last = k && k.n > 0 ? Math.max(last, k.t) : NaN; if (Number.isNaN(last)) break; }
          out.gapHours.push(Number.isNaN(last) ? Infinity : (e.at - last) / 3_600_000);
        }
      }
      for (const s of e.skills) {
        let k = ks.get(s);
        if (!k) ks.set(s, (k = model.initSkill(s)));
        model.update(g, s, k, e.y, e.at, d);
      }
    }
  }
  return ll;
}

/** Held-out log-likelihood per answer of a model on a log (higher is better). */
export function heldOutLogLik(model: LearnerModel, learners: readonly LearnerLogEntry[][], difficulty?: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const s of learners) n += s.length;
  return n > 0 ? predictLog(model, learners, difficulty) / n : 0;
}

/** Options of the item calibration. */
export interface ItemFitOptions {
  /** Prior standard deviation of an item's difficulty around its authored one (logits; default 0.5). */
  priorSd?: number;
  /** Largest allowed drift from the authored difficulty (logits; default 1.5). */
  maxDrift?: number;
  /** Alternations of (predictions with the current difficulties, Newton step on the difficulties). Default 3. */
  rounds?: number;
}

/** One item's fitted difficulty and how far it moved from the authored one. */
export interface ItemDrift {
  itemId: string;
  authored: number;
  difficulty: number;
  drift: number;
  answers: number;
  /** True when the drift hit the bound (the authored difficulty is probably wrong; worth a look). */
  atBound: boolean;
}

/**
 * Item difficulties estimated jointly with student ability: the model's online predictions (student ability,
 * skill, history) give each answer's logit without the item term; each item's difficulty is then the MAP of a
 * logistic model with that logit as offset and a N(authored, priorSd²) prior, bounded to authored ± maxDrift.
 * Alternates with recomputing the predictions (abilities depend on the difficulties met). Deterministic.
 */
export function fitItemDifficulties(model: LearnerModel, learners: readonly LearnerLogEntry[][], opts: ItemFitOptions = {}): ItemDrift[] {
  const prec = 1 / (opts.priorSd ?? 0.5) ** 2;
  const maxDrift = opts.maxDrift ?? 1.5;
  const authored = new Map<string, number>();
  for (const seq of learners) for (const e of seq) if (!authored.has(e.itemId)) authored.set(e.itemId, e.authored);
  const d = new Map(authored);
  const answers = new Map<string, number>();
  for (let round = 0; round < (opts.rounds ?? 3); round++) {
    const out = { p: [] as number[], y: [] as number[], z: [] as number[], item: [] as string[] };
    predictLog(model, learners, d, out);
    const idx = new Map<string, number[]>();
    for (let i = 0; i < out.item.length; i++) {
      let a = idx.get(out.item[i]!);
      if (!a) idx.set(out.item[i]!, (a = []));
      a.push(i);
    }
    for (const [item, rows] of idx) {
      const a = authored.get(item)!;
      let di = d.get(item)!;
      answers.set(item, rows.length);
      for (let it = 0; it < 8; it++) {
        let grad = -prec * (di - a);
        let hess = prec;
        for (const r of rows) {
          const p = 1 / (1 + Math.exp(-(out.z[r]! - di)));
          grad += p - out.y[r]!;
          hess += p * (1 - p);
        }
        const step = grad / hess;
        di = Math.min(Math.max(di + step, a - maxDrift), a + maxDrift);
        if (Math.abs(step) < 1e-6) break;
      }
      d.set(item, di);
    }
  }
  return [...authored].map(([itemId, a]) => {
    const di = d.get(itemId)!;
    return { itemId, authored: a, difficulty: di, drift: di - a, answers: answers.get(itemId) ?? 0, atBound: Math.abs(di - a) >= maxDrift - 1e-9 };
  });
}

/** Whether a log spans days for enough learners to fit forgetting (else the defaults stay). */
export function spansDays(learners: readonly LearnerLogEntry[][], minLearners = 20): boolean {
  let n = 0;
  for (const seq of learners) {
    const bySkill = new Map<string, number>();
    let gap = false;
    for (const e of seq) for (const s of e.skills) {
      const t = bySkill.get(s);
      if (t !== undefined && e.at - t > 12 * 3_600_000) gap = true;
      bySkill.set(s, e.at);
    }
    if (gap && ++n >= minLearners) return true;
  }
  return false;
}

/** The grid forgetting is chosen from (the bounds of its parameters). */
export const FORGETTING_GRID = {
  phi: [0, 0.1, 0.2, 0.3, 0.45, 0.6, 0.8],
  tau: [0.25, 1, 4],
  spacing: [0, 0.5, 1, 3],
} as const;

/**
 * Forgetting parameters by likelihood of the log's online predictions over a bounded grid (the other
 * parameters fixed). Returns the defaults when the log does not span days.
 */
export function fitForgetting(params: LearnerParams, learners: readonly LearnerLogEntry[][], difficulty?: ReadonlyMap<string, number>): ForgettingParams {
  if (!spansDays(learners)) return params.forgetting;
  let best = params.forgetting;
  let bestLl = predictLog(new LearnerModel(params), learners, difficulty);
  for (const phi of FORGETTING_GRID.phi) for (const tau of FORGETTING_GRID.tau) for (const spacing of FORGETTING_GRID.spacing) {
    if (phi === 0 && (tau !== 1 || spacing !== 0)) continue;
    const f: ForgettingParams = { ...params.forgetting, phi, tau, spacing };
    const ll = predictLog(new LearnerModel({ ...params, forgetting: f }), learners, difficulty);
    if (ll > bestLl + 1e-9) { best = f; bestLl = ll; }
  }
  return best;
}

function allFinite(v: unknown): boolean {
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null) return false;
  if (Array.isArray(v)) return v.every(allFinite);
  if (typeof v === 'object') return Object.values(v as object).every(allFinite);
  return true;
}

/** Why a fitted model is unusable, or null when it passes every check. */
export function checkModel(params: LearnerParams, threshold = 0.85): string | null {
  if (!allFinite(params)) return 'non-finite parameter';
  const f = params.forgetting;
  if (!(f.phi >= 0 && f.phi <= 2 && f.tau > 0 && f.spacing >= 0 && f.sessionGapHours > 0)) return 'forgetting parameter out of range';
  const model = new LearnerModel(params);
  const ids = [...Object.keys(params.skills), '\u0000default'];
  for (const id of ids) {
    const b = model.skill(id).bkt;
    if (!(b.guess <= MAX_GUESS + 1e-9 && b.slip <= MAX_SLIP + 1e-9)) return `skill ${id}: guess/slip above ${MAX_GUESS}`;
    if (!(b.learn >= 0 && b.learn < 1 && b.prior > 0 && b.prior < 1 && b.forget >= 0 && b.forget < 0.5)) return `skill ${id}: BKT parameter out of range`;
  }
  // Behaviour on an average new skill: answers right must raise mastery and reach the threshold; answers wrong
  // must never reach it; forgetting must not raise it.
  const id = '\u0000default';
  const probe = (y: number, n: number) => {
    const g = initGlobal();
    const k = model.initSkill(id);
    const ps: number[] = [];
    for (let i = 0; i < n; i++) {
      model.update(g, id, k, y, i * 60_000);
      ps.push(model.masteryProbability(g, id, k, i * 60_000));
    }
    return { ps, g, k };
  };
  const right = probe(1, 12);
  const wrong = probe(0, 30);
  if (!(right.ps[right.ps.length - 1]! > right.ps[0]! && right.ps.some((p) => p >= threshold))) return `all-right answers do not reach mastery ${threshold} within 12 answers (reached ${right.ps[right.ps.length - 1]!.toFixed(3)})`;
  if (wrong.ps.some((p) => p >= threshold * 0.9)) return 'all-wrong answers come near mastery';
  if (!(right.ps[right.ps.length - 1]! > wrong.ps[wrong.ps.length - 1]! + 0.3)) return 'mastery barely depends on the answers';
  const later = model.masteryProbability(right.g, id, right.k, 11 * 60_000 + 30 * 86_400_000);
  if (later > right.ps[right.ps.length - 1]! + 1e-9) return 'forgetting raises mastery';
  return null;
}
