/**
 * L2-regularised logistic regression on standardised features, fitted by Newton's method (IRLS). Small and
 * exact: the risk model has a few dozen features, so each step solves a d x d system.
 */

export interface LogisticFit {
  mean: number[];
  std: number[];
  /** Coefficients on the standardised features. */
  coef: number[];
  intercept: number;
  iterations: number;
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

/**
 * Fits on `rows` (n rows of d features, row-major) and labels `y`. `lambda` is the L2 penalty per row on the
 * standardised coefficients (the intercept is not penalised). A feature with zero variance gets std 1 and a
 * zero coefficient, so absent inputs (e.g. no hint counts in the log) are harmless.
 */
export function fitLogistic(rows: Float64Array, d: number, y: Uint8Array, lambda = 1e-3, maxIter = 25): LogisticFit {
  const n = y.length;
  if (rows.length !== n * d) throw new Error('fitLogistic: rows and labels disagree');
  if (n === 0) throw new Error('fitLogistic: no rows');
  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += rows[i * d + j]!;
  for (let j = 0; j < d; j++) mean[j]! /= n;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < d; j++) {
      const v = rows[i * d + j]! - mean[j]!;
      std[j]! += v * v;
    }
  const live: boolean[] = [];
  for (let j = 0; j < d; j++) {
    const s = Math.sqrt(std[j]! / n);
    live.push(s > 1e-9);
    std[j] = s > 1e-9 ? s : 1;
  }
  const z = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) z[i * d + j] = live[j] ? (rows[i * d + j]! - mean[j]!) / std[j]! : 0;

  // Parameters: w[0] intercept, w[1..d] coefficients.
  const p = d + 1;
  const w = new Float64Array(p);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += y[i]!;
  const base = Math.min(1 - 1e-6, Math.max(1e-6, pos / n));
  w[0] = Math.log(base / (1 - base));
  const reg = lambda * n;
  let it = 0;
  for (; it < maxIter; it++) {
    const g = new Float64Array(p);
    const H = new Float64Array(p * p);
    for (let i = 0; i < n; i++) {
      let s = w[0]!;
      const o = i * d;
      for (let j = 0; j < d; j++) s += w[j + 1]! * z[o + j]!;
      const q = sigmoid(s);
      const r = q - y[i]!;
      const h = Math.max(q * (1 - q), 1e-10);
      g[0]! += r;
      H[0]! += h;
      for (let a = 0; a < d; a++) {
        const za = z[o + a]!;
        if (za === 0) continue;
        g[a + 1]! += r * za;
        const hz = h * za;
        H[a + 1]! += hz; // row 0, column a+1
        const ra = (a + 1) * p;
        for (let b = 0; b <= a; b++) H[ra + b + 1]! += hz * z[o + b]!;
      }
    }
    for (let a = 1; a < p; a++) {
      g[a]! += reg * w[a]!;
      H[a * p + a]! += reg + 1e-9 * n;
    }
    // Symmetrise (only the lower triangle and row 0 were filled).
    for (let a = 1; a < p; a++) H[a * p]! = H[a]!;
    for (let a = 1; a < p; a++) for (let b = 1; b < a; b++) H[b * p + a] = H[a * p + b]!;
    const step = solve(H, g, p);
    let maxStep = 0;
    for (let a = 0; a < p; a++) {
      w[a]! -= step[a]!;
      maxStep = Math.max(maxStep, Math.abs(step[a]!));
    }
    if (maxStep < 1e-7) {
      it++;
      break;
    }
  }
  const coef: number[] = [];
  for (let j = 0; j < d; j++) coef.push(live[j] ? w[j + 1]! : 0);
  return { mean, std, coef, intercept: w[0]!, iterations: it };
}

/** Linear score (log-odds) of one raw feature vector. */
export function logOdds(fit: Pick<LogisticFit, 'mean' | 'std' | 'coef' | 'intercept'>, x: ArrayLike<number>): number {
  let s = fit.intercept;
  for (let j = 0; j < fit.coef.length; j++) s += (fit.coef[j]! * ((x[j] ?? 0) - fit.mean[j]!)) / fit.std[j]!;
  return s;
}

/** Solves A x = b (A symmetric positive definite, p x p) by Cholesky; A and b are not modified. */
function solve(A: Float64Array, b: Float64Array, p: number): Float64Array {
  const L = new Float64Array(p * p);
  for (let i = 0; i < p; i++)
    for (let j = 0; j <= i; j++) {
      let s = A[i * p + j]!;
      for (let k = 0; k < j; k++) s -= L[i * p + k]! * L[j * p + k]!;
      if (i === j) L[i * p + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * p + j] = s / L[j * p + j]!;
    }
  const yv = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= L[i * p + k]! * yv[k]!;
    yv[i] = s / L[i * p + i]!;
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = yv[i]!;
    for (let k = i + 1; k < p; k++) s -= L[k * p + i]! * x[k]!;
    x[i] = s / L[i * p + i]!;
  }
  return x;
}
