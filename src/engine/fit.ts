/**
 * Fitting BKT parameters per skill with Expectation-Maximisation (Baum-Welch on the two-state hidden Markov
 * model of BKT; Rabiner 1989, applied to knowledge tracing by Chang, Beck, Mostow & Corbett 2006 and
 * Pardos & Heffernan 2010). Data live in typed arrays with no per-answer objects, so a million answers fit
 * in seconds.
 */
import { DEFAULT_BKT, MAX_GUESS_SLIP, PROB_EPS, guardParams } from './bkt.js';
import { createRng, uniform } from './rng.js';
import type { BktParams, Rng } from './types.js';

/**
 * The answer sequences of one skill, packed: sequence k (one student's opportunities in time order) is
 * obs[starts[k]] .. obs[starts[k + 1] - 1], with 1 = correct and 0 = wrong. starts has one more entry than
 * there are sequences.
 */
export interface SequenceSet {
  obs: Uint8Array;
  starts: Int32Array;
}

/** Options of fitBkt. Every field has a default. */
export interface FitOptions {
  /** Random restarts besides the start from `init` (default 4): EM finds local optima. */
  restarts?: number;
  /** Iteration cap per restart (default 200). */
  maxIterations?: number;
  /** Stop when the log-likelihood gain per answer falls below this (default 1e-7). */
  tolerance?: number;
  /** Seed of the restarts when no rng is given (default 1). */
  seed?: number;
  /** Random source of the restarts; overrides `seed`. */
  rng?: Rng;
  /** Fit the forget parameter too (default false: forget stays at `init.forget`, 0 in classic BKT). */
  fitForget?: boolean;
  /** Fewer answers than this and the skill gets `defaults` (default 50). */
  minAttempts?: number;
  /** Fewer sequences than this and the skill gets `defaults` (default 5). */
  minSequences?: number;
  /** The parameters used for skills with too little data, and the first start of EM (default DEFAULT_BKT). */
  defaults?: BktParams;
}

/** The result of fitting one skill. */
export interface FitResult {
  /** Fitted (or default) parameters, guarded. */
  params: BktParams;
  /** Log-likelihood of the data under `params` (natural log; 0 when defaults were used). */
  logLikelihood: number;
  /** EM iterations of the winning restart. */
  iterations: number;
  /** Whether the winning restart met the tolerance before the iteration cap. */
  converged: boolean;
  /** True when the skill had too little data and `defaults` were returned. */
  usedDefaults: boolean;
  /** Number of answers and of sequences seen. */
  attempts: number;
  sequences: number;
}

/** Pack plain arrays of answers (booleans or 0/1) into a SequenceSet. Empty sequences are dropped. */
export function packSequences(seqs: ReadonlyArray<ArrayLike<number | boolean>>): SequenceSet {
  let total = 0;
  let count = 0;
  for (const s of seqs) if (s.length > 0) { total += s.length; count++; }
  const obs = new Uint8Array(total);
  const starts = new Int32Array(count + 1);
  let at = 0;
  let k = 0;
  for (const s of seqs) {
    if (s.length === 0) continue;
    starts[k++] = at;
    for (let i = 0; i < s.length; i++) obs[at++] = s[i] ? 1 : 0;
  }
  starts[k] = at;
  return { obs, starts };
}

/** One answer of a log, as sequencesBySkill needs it. */
export interface LoggedAnswer {
  /** Any stable key of the student (and assignment) the answer belongs to. */
  learner: string;
  skills: readonly string[];
  correct: boolean;
}

/**
 * Group a time-ordered answer log into one SequenceSet per skill (one sequence per learner and skill). An
 * answer tagging several skills is an opportunity of each, as in the fitting practice of Pardos et al.
 */
export function sequencesBySkill(log: Iterable<LoggedAnswer>): Map<string, SequenceSet> {
  const bySkill = new Map<string, Map<string, number[]>>();
  for (const a of log) {
    for (const skill of a.skills) {
      let learners = bySkill.get(skill);
      if (!learners) bySkill.set(skill, (learners = new Map()));
      let seq = learners.get(a.learner);
      if (!seq) learners.set(a.learner, (seq = []));
      seq.push(a.correct ? 1 : 0);
    }
  }
  const out = new Map<string, SequenceSet>();
  for (const [skill, learners] of bySkill) out.set(skill, packSequences([...learners.values()]));
  return out;
}

function asSet(data: SequenceSet | ReadonlyArray<ArrayLike<number | boolean>>): SequenceSet {
  return 'obs' in data && 'starts' in data ? (data as SequenceSet) : packSequences(data as ReadonlyArray<ArrayLike<number | boolean>>);
}

/** Reusable buffers sized to the longest sequence. */
interface Buffers {
  alpha: Float64Array;
  scale: Float64Array;
}

function buffersFor(set: SequenceSet): Buffers {
  let maxT = 1;
  for (let k = 0; k + 1 < set.starts.length; k++) maxT = Math.max(maxT, set.starts[k + 1]! - set.starts[k]!);
  return { alpha: new Float64Array(maxT), scale: new Float64Array(maxT) };
}

/**
 * One E step and M step. Returns the log-likelihood under the parameters it started from and writes the
 * re-estimated parameters into `next`. p and next are [prior, learn, guess, slip, forget].
 */
function emStep(set: SequenceSet, p: Float64Array, next: Float64Array, buf: Buffers, fitForget: boolean): number {
  const { obs, starts } = set;
  const { alpha, scale } = buf;
  const prior = p[0]!, learn = p[1]!, guess = p[2]!, slip = p[3]!, forget = p[4]!;
  const stay = 1 - forget, notLearn = 1 - learn;
  let ll = 0;
  let firstKnown = 0, fromUnknown = 0, learned = 0, fromKnown = 0, forgot = 0;
  let gKnown = 0, gKnownWrong = 0, gUnknown = 0, gUnknownRight = 0;
  const nSeq = starts.length - 1;
  for (let k = 0; k < nSeq; k++) {
    const s = starts[k]!;
    const T = starts[k + 1]! - s;
    let aK = prior;
    for (let t = 0; t < T; t++) {
      if (t > 0) aK = aK * stay + (1 - aK) * learn;
      const c = obs[s + t]!;
      const eK = c ? 1 - slip : slip;
      const eU = c ? guess : 1 - guess;
      const k1 = aK * eK;
      const z = k1 + (1 - aK) * eU;
      aK = k1 / z;
      alpha[t] = aK;
      scale[t] = z;
      ll += Math.log(z);
    }
    let bK = 1, bU = 1;
    for (let t = T - 1; t >= 0; t--) {
      const a = alpha[t]!;
      const c = obs[s + t]!;
      if (t < T - 1) {
        const c1 = obs[s + t + 1]!;
        const z1 = scale[t + 1]!;
        const mK = ((c1 ? 1 - slip : slip) * bK) / z1;
        const mU = ((c1 ? guess : 1 - guess) * bU) / z1;
        const xKK = a * stay * mK, xKU = a * forget * mU;
        const xUK = (1 - a) * learn * mK, xUU = (1 - a) * notLearn * mU;
        fromKnown += xKK + xKU;
        forgot += xKU;
        fromUnknown += xUK + xUU;
        learned += xUK;
        bK = stay * mK + forget * mU;
        bU = learn * mK + notLearn * mU;
      }
      const gK = a * bK;
      const gU = 1 - gK;
      gKnown += gK;
      gUnknown += gU;
      if (c) gUnknownRight += gU; else gKnownWrong += gK;
      if (t === 0) firstKnown += gK;
    }
  }
  next[0] = nSeq > 0 ? firstKnown / nSeq : prior;
  next[1] = fromUnknown > 0 ? learned / fromUnknown : learn;
  next[2] = gUnknown > 0 ? gUnknownRight / gUnknown : guess;
  next[3] = gKnown > 0 ? gKnownWrong / gKnown : slip;
  next[4] = fitForget && fromKnown > 0 ? forgot / fromKnown : forget;
  guardInPlace(next);
  return ll;
}

function guardInPlace(p: Float64Array): void {
  for (let i = 0; i < 4; i++) p[i] = Math.min(Math.max(p[i]!, PROB_EPS), 1 - PROB_EPS);
  p[2] = Math.min(p[2]!, MAX_GUESS_SLIP);
  p[3] = Math.min(p[3]!, MAX_GUESS_SLIP);
  p[4] = Math.min(Math.max(p[4]!, 0), 1 - PROB_EPS);
}

const toArray = (m: BktParams): Float64Array => Float64Array.of(m.prior, m.learn, m.guess, m.slip, m.forget);
const fromArray = (p: Float64Array): BktParams => ({ prior: p[0]!, learn: p[1]!, guess: p[2]!, slip: p[3]!, forget: p[4]! });

/** Log-likelihood (natural log) of a skill's sequences under given parameters: the forward pass only. */
export function logLikelihood(data: SequenceSet | ReadonlyArray<ArrayLike<number | boolean>>, params: BktParams): number {
  const set = asSet(data);
  const m = guardParams(params);
  let ll = 0;
  for (let k = 0; k + 1 < set.starts.length; k++) {
    let aK = m.prior;
    for (let i = set.starts[k]!; i < set.starts[k + 1]!; i++) {
      const c = set.obs[i]!;
      const k1 = aK * (c ? 1 - m.slip : m.slip);
      const z = k1 + (1 - aK) * (c ? m.guess : 1 - m.guess);
      ll += Math.log(z);
      const post = k1 / z;
      aK = post * (1 - m.forget) + (1 - post) * m.learn;
    }
  }
  return ll;
}

/**
 * Fit BKT parameters for one skill by EM with random restarts; the restart with the highest likelihood
 * wins. Skills with fewer than `minAttempts` answers or `minSequences` students get `defaults` (flagged
 * usedDefaults) rather than noise. Deterministic for a given seed or rng.
 */
export function fitBkt(data: SequenceSet | ReadonlyArray<ArrayLike<number | boolean>>, options: FitOptions = {}): FitResult {
  const set = asSet(data);
  const defaults = guardParams(options.defaults ?? DEFAULT_BKT);
  const attempts = set.obs.length;
  const sequences = set.starts.length - 1;
  if (attempts < (options.minAttempts ?? 50) || sequences < (options.minSequences ?? 5)) {
    return { params: defaults, logLikelihood: 0, iterations: 0, converged: false, usedDefaults: true, attempts, sequences };
  }
  const rng = options.rng ?? createRng(options.seed ?? 1);
  const restarts = Math.max(0, options.restarts ?? 4);
  const maxIterations = options.maxIterations ?? 200;
  const tol = (options.tolerance ?? 1e-7) * attempts;
  const fitForget = options.fitForget ?? false;
  const buf = buffersFor(set);
  let best: FitResult | undefined;
  for (let r = 0; r <= restarts; r++) {
    let p: Float64Array = toArray(defaults);
    if (r > 0) {
      p[0] = uniform(rng, 0.05, 0.7);
      p[1] = uniform(rng, 0.02, 0.4);
      p[2] = uniform(rng, 0.05, 0.4);
      p[3] = uniform(rng, 0.05, 0.4);
      if (fitForget) p[4] = uniform(rng, 0, 0.1);
    }
    let next: Float64Array = new Float64Array(5);
    let prev = -Infinity;
    let ll = -Infinity;
    let it = 0;
    let converged = false;
    while (it < maxIterations) {
      ll = emStep(set, p, next, buf, fitForget);
      it++;
      [p, next] = [next, p];
      if (ll - prev < tol) { converged = true; break; }
      prev = ll;
    }
    const finalParams = fromArray(p);
    const finalLl = logLikelihood(set, finalParams);
    if (!best || finalLl > best.logLikelihood) {
      best = { params: finalParams, logLikelihood: finalLl, iterations: it, converged, usedDefaults: false, attempts, sequences };
    }
  }
  return best!;
}

/** Fit every skill of a map (e.g. from sequencesBySkill); each skill gets its own seeded restarts. */
export function fitBktBySkill(data: Map<string, SequenceSet>, options: FitOptions = {}): Map<string, FitResult> {
  const out = new Map<string, FitResult>();
  let i = 0;
  for (const [skill, set] of data) {
    out.set(skill, fitBkt(set, { ...options, seed: (options.seed ?? 1) * 7919 + i++ }));
  }
  return out;
}
