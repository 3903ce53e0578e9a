/**
 * npx tsx scripts/fit-student-sim.ts [--data ../shared/data/assist09-train.csv] [--out FILE] [--check]
 *
 * Fits the coefficients of the non-BKT simulated student (src/engine/sim/students/logistic.ts) on real answers
 * (ASSISTments 2009, the DKT training split) and writes them to src/engine/sim/students/logistic-assist09.json.
 * Only the fitted coefficients are committed, never the data. --check fits and compares with the committed
 * file without writing it.
 *
 * The model is PFA (Pavlik, Cen & Koedinger 2009) with diminishing returns and random effects:
 *
 *   logit P(correct) = θ_student + δ_(student,skill) + β_skill + γ_skill · ln(1 + S) + ρ_skill · ln(1 + F)
 *
 * S and F are the student's earlier successes and failures on the skill. θ ~ N(0, σθ²) is the student's
 * ability, δ ~ N(0, σδ²) the student's own deviation on one skill (without it the failure count stands in for
 * "this student is weak at this skill" and ρ comes out negative), β ~ N(μβ, σβ²) the skill's easiness, γ and
 * ρ per skill ~ N(μ, σ²) the learning from a success and from a failure. Fitted by penalised maximum
 * likelihood (block Newton steps) with the variances re-estimated between rounds (Laplace / empirical Bayes:
 * σ² = mean(x - μ)² + mean posterior variance). The file has no timestamps, no item ids and no prerequisites, so
 * forgetting, item difficulty spread and prerequisite effects are NOT fitted here (docs/simulation.md).
 * Also prints the same fit with linear counts (classic PFA) and without δ, for comparison.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const dataPath = path.resolve(flag('--data') ?? path.join(root, '..', 'shared', 'data', 'assist09-train.csv'));
const outPath = path.resolve(flag('--out') ?? path.join(root, 'src', 'engine', 'sim', 'students', 'logistic-assist09.json'));
const checkOnly = args.includes('--check');

// Data ------------------------------------------------------------------------------------------------
const text = readFileSync(dataPath, 'utf8');
const lines = text.split('\n');
const header = lines[0]!.trim().split(',');
const cs = header.indexOf('student');
const ck = header.indexOf('skill');
const cc = header.indexOf('correct');
if (cs < 0 || ck < 0 || cc < 0) throw new Error(`${dataPath}: need columns student,skill,correct`);
const studentIds = new Map<string, number>();
const skillIds = new Map<string, number>();
const pairIds = new Map<string, number>();
const stu: number[] = [];
const sk: number[] = [];
const pair: number[] = [];
const y: number[] = [];
const nS: number[] = [];
const nF: number[] = [];
const counts = new Map<number, { s: number; f: number }>();
for (let i = 1; i < lines.length; i++) {
  const row = lines[i]!.trim();
  if (!row) continue;
  const f = row.split(',');
  const s = studentIds.get(f[cs]!) ?? studentIds.set(f[cs]!, studentIds.size).get(f[cs]!)!;
  const k = skillIds.get(f[ck]!) ?? skillIds.set(f[ck]!, skillIds.size).get(f[ck]!)!;
  const pk = `${s}:${k}`;
  const p = pairIds.get(pk) ?? pairIds.set(pk, pairIds.size).get(pk)!;
  const c = counts.get(p) ?? { s: 0, f: 0 };
  counts.set(p, c);
  stu.push(s); sk.push(k); pair.push(p); y.push(f[cc] === '1' ? 1 : 0); nS.push(c.s); nF.push(c.f);
  if (f[cc] === '1') c.s++; else c.f++;
}
const N = y.length;
const NS = studentIds.size;
const NK = skillIds.size;
const NP = pairIds.size;
console.log(`${path.relative(process.cwd(), dataPath)}: ${N} answers, ${NS} students, ${NK} skills, ${NP} student-skill sequences, ${(y.reduce((a, b) => a + b, 0) / N).toFixed(3)} correct`);

// Fit -------------------------------------------------------------------------------------------------
interface Fit {
  form: 'log' | 'linear';
  withPair: boolean;
  logLik: number;
  auc: number;
  abilitySd: number;
  pairSd: number;
  easiness: { mean: number; sd: number };
  success: { mean: number; sd: number };
  failure: { mean: number; sd: number };
}

const clamp = (x: number, m: number) => Math.max(-m, Math.min(m, x));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const mean = (a: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i]!; return s / a.length; };

function auc(pred: Float64Array, lab: number[]): number {
  const idx = Array.from(pred.keys()).sort((a, b) => pred[a]! - pred[b]!);
  let rankSum = 0, pos = 0;
  for (let i = 0; i < idx.length;) {
    let j = i;
    while (j + 1 < idx.length && pred[idx[j + 1]!] === pred[idx[i]!]) j++;
    const r = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) if (lab[idx[t]!]) { rankSum += r; pos++; }
    i = j + 1;
  }
  const neg = lab.length - pos;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

function fit(form: 'log' | 'linear', withPair: boolean): Fit {
  const xs = Float64Array.from(nS, (n) => (form === 'log' ? Math.log1p(n) : n));
  const xf = Float64Array.from(nF, (n) => (form === 'log' ? Math.log1p(n) : n));
  const theta = new Float64Array(NS);
  const delta = new Float64Array(NP);
  const b = new Float64Array(NK).fill(0.7);
  const g = new Float64Array(NK).fill(0.1);
  const r = new Float64Array(NK).fill(0);
  let vTheta = 1, vDelta = 0.25, vB = 1, vG = 0.05, vR = 0.05;
  let mB = 0.7, mG = 0.1, mR = 0;
  const p = new Float64Array(N);
  const refresh = () => {
    for (let i = 0; i < N; i++) {
      const k = sk[i]!;
      p[i] = sigmoid(theta[stu[i]!]! + (withPair ? delta[pair[i]!]! : 0) + b[k]! + g[k]! * xs[i]! + r[k]! * xf[i]!);
    }
  };
  // One Newton step on a random effect indexed by `of`, with prior N(0, v); returns mean posterior variance.
  const effectStep = (x: Float64Array, of: number[], v: number): number => {
    const grad = new Float64Array(x.length);
    const hess = new Float64Array(x.length);
    for (let i = 0; i < N; i++) { grad[of[i]!]! += y[i]! - p[i]!; hess[of[i]!]! += p[i]! * (1 - p[i]!); }
    let post = 0;
    for (let j = 0; j < x.length; j++) {
      const H = hess[j]! + 1 / v;
      x[j]! += clamp((grad[j]! - x[j]! / v) / H, 1);
      post += 1 / H;
    }
    return post / x.length;
  };
  const postVar = { theta: 0, delta: 0, b: 0, g: 0, r: 0 };
  const rounds = 8;
  const inner = 8;
  for (let round = 0; round < rounds; round++) {
    for (let it = 0; it < inner; it++) {
      refresh();
      postVar.theta = effectStep(theta, stu, vTheta);
      // Identify the intercept: student abilities are centred, the skills carry the mean.
      const mt = mean(theta);
      for (let j = 0; j < NS; j++) theta[j]! -= mt;
      for (let k = 0; k < NK; k++) b[k]! += mt;
      if (withPair) { refresh(); postVar.delta = effectStep(delta, pair, vDelta); }
      refresh();
      // Per-skill 3x3 Newton step on (β, γ, ρ) with their priors.
      const G = new Float64Array(NK * 3);
      const H = new Float64Array(NK * 9);
      for (let i = 0; i < N; i++) {
        const k = sk[i]!;
        const e = y[i]! - p[i]!;
        const w = p[i]! * (1 - p[i]!);
        const f0 = 1, f1 = xs[i]!, f2 = xf[i]!;
        G[k * 3]! += e * f0; G[k * 3 + 1]! += e * f1; G[k * 3 + 2]! += e * f2;
        const h = k * 9;
        H[h]! += w; H[h + 1]! += w * f1; H[h + 2]! += w * f2;
        H[h + 4]! += w * f1 * f1; H[h + 5]! += w * f1 * f2; H[h + 8]! += w * f2 * f2;
      }
      let pb = 0, pg = 0, pr = 0;
      for (let k = 0; k < NK; k++) {
        const h = k * 9;
        const A = [
          [H[h]! + 1 / vB, H[h + 1]!, H[h + 2]!],
          [H[h + 1]!, H[h + 4]! + 1 / vG, H[h + 5]!],
          [H[h + 2]!, H[h + 5]!, H[h + 8]! + 1 / vR],
        ];
        const rhs = [G[k * 3]! - (b[k]! - mB) / vB, G[k * 3 + 1]! - (g[k]! - mG) / vG, G[k * 3 + 2]! - (r[k]! - mR) / vR];
        const inv = invert3(A);
        const d = [0, 1, 2].map((i) => inv[i]![0]! * rhs[0]! + inv[i]![1]! * rhs[1]! + inv[i]![2]! * rhs[2]!);
        // Damped: linear counts reach hundreds, where a full Newton step overshoots.
        const scale = Math.min(1, 1 / Math.abs(d[0]!), 0.2 / Math.abs(d[1]!), 0.2 / Math.abs(d[2]!));
        b[k]! += d[0]! * scale; g[k]! += d[1]! * scale; r[k]! += d[2]! * scale;
        pb += inv[0]![0]!; pg += inv[1]![1]!; pr += inv[2]![2]!;
      }
      postVar.b = pb / NK; postVar.g = pg / NK; postVar.r = pr / NK;
    }
    // Empirical Bayes: re-estimate the means and variances of the random effects.
    const varOf = (x: Float64Array, m: number, post: number) => { let s = 0; for (let j = 0; j < x.length; j++) s += (x[j]! - m) ** 2; return Math.max(s / x.length + post, 1e-6); };
    mB = mean(b); mG = mean(g); mR = mean(r);
    vTheta = varOf(theta, 0, postVar.theta);
    if (withPair) vDelta = varOf(delta, 0, postVar.delta);
    vB = varOf(b, mB, postVar.b); vG = varOf(g, mG, postVar.g); vR = varOf(r, mR, postVar.r);
  }
  refresh();
  let ll = 0;
  for (let i = 0; i < N; i++) ll += Math.log(Math.min(Math.max(y[i] ? p[i]! : 1 - p[i]!, 1e-9), 1));
  return {
    form, withPair, logLik: ll / N, auc: auc(p, y),
    abilitySd: Math.sqrt(vTheta), pairSd: withPair ? Math.sqrt(vDelta) : 0,
    easiness: { mean: mB, sd: Math.sqrt(vB) }, success: { mean: mG, sd: Math.sqrt(vG) }, failure: { mean: mR, sd: Math.sqrt(vR) },
  };
}

function invert3(m: number[][]): number[][] {
  const [a, b, c] = m[0]!, [d, e, f] = m[1]!, [g, h, i] = m[2]!;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a! * A + b! * B + c! * C;
  return [
    [A / det, -(b! * i! - c! * h!) / det, (b! * f! - c! * e!) / det],
    [B / det, (a! * i! - c! * g!) / det, -(a! * f! - c! * d!) / det],
    [C / det, -(a! * h! - b! * g!) / det, (a! * e! - b! * d!) / det],
  ].map((row) => row.map((x) => x)) as number[][];
}

const t0 = performance.now();
const fits = [fit('log', true), fit('log', false), fit('linear', true)];
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
console.log('form     δ(student,skill)  loglik/answer    AUC   σθ ability  σδ  easiness μ/σ   success γ μ/σ   failure ρ μ/σ');
for (const f of fits) {
  console.log(`${f.form.padEnd(8)} ${String(f.withPair).padEnd(17)} ${f.logLik.toFixed(4).padStart(13)} ${f.auc.toFixed(3).padStart(6)} ${f.abilitySd.toFixed(3).padStart(11)} ${f.pairSd.toFixed(2).padStart(4)}  ${f.easiness.mean.toFixed(2)}/${f.easiness.sd.toFixed(2)}      ${f.success.mean.toFixed(3)}/${f.success.sd.toFixed(3)}     ${f.failure.mean.toFixed(3)}/${f.failure.sd.toFixed(3)}`);
}
const chosen = fits[0]!;
const out = {
  source: 'ASSISTments 2009 skill builders, DKT training split (../shared/data/assist09-train.csv)',
  fitted_by: 'scripts/fit-student-sim.ts',
  model: 'logit P = θ + δ + β + γ·ln(1+S) + ρ·ln(1+F), random effects fitted by penalised ML with empirical-Bayes variances',
  answers: N,
  students: NS,
  skills: NK,
  log_lik_per_answer: r4(chosen.logLik),
  auc_in_sample: r3(chosen.auc),
  ability_sd: r3(chosen.abilitySd),
  student_skill_sd: r3(chosen.pairSd),
  easiness_mean: r3(chosen.easiness.mean),
  easiness_sd: r3(chosen.easiness.sd),
  success_learning_mean: r3(chosen.success.mean),
  success_learning_sd: r3(chosen.success.sd),
  failure_learning_mean: r3(chosen.failure.mean),
  failure_learning_sd: r3(chosen.failure.sd),
  linear_counts_log_lik_per_answer: r4(fits[2]!.logLik),
  without_student_skill_effect: {
    log_lik_per_answer: r4(fits[1]!.logLik),
    failure_learning_mean: r3(fits[1]!.failure.mean),
    success_learning_mean: r3(fits[1]!.success.mean),
  },
};
console.log(`fit: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
if (checkOnly) {
  const committed = JSON.parse(readFileSync(outPath, 'utf8')) as Record<string, unknown>;
  const diff = Object.entries(out).filter(([k, v]) => JSON.stringify(committed[k]) !== JSON.stringify(v)).map(([k]) => k);
  console.log(diff.length ? `differs from ${path.relative(process.cwd(), outPath)} in: ${diff.join(', ')}` : `matches ${path.relative(process.cwd(), outPath)}`);
} else {
  writeFileSync(outPath, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), outPath)}`);
}
console.log(JSON.stringify(out));
