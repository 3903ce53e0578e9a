/** L2-regularised logistic regression by Newton's method (IRLS), on a dense row-major feature matrix. */

/**
 * Fits weights w (the first feature is usually a constant 1) minimising the mean log loss plus
 * `l2`/2·|w|² (the intercept included; tiny `l2` only stabilises). X has n rows of d features, row-major.
 * With `offset` (a known term per row: logit P = w·x - offset) the Newton steps are damped (halved until the
 * penalised loss does not increase): with large offsets a full step from w = 0 can diverge. Without it the
 * iterations are exactly the plain ones (the fits on ASSISTments are unchanged).
 */
export function fitLogistic(X: Float64Array, y: ArrayLike<number>, d: number, l2 = 1e-6, iters = 25, offset?: ArrayLike<number>): Float64Array {
  const n = y.length;
  const w = new Float64Array(d);
  const grad = new Float64Array(d);
  const hess = new Float64Array(d * d);
  for (let it = 0; it < iters; it++) {
    grad.fill(0);
    hess.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      let z = offset ? -offset[i]! : 0;
      for (let j = 0; j < d; j++) z += w[j]! * X[o + j]!;
      const p = 1 / (1 + Math.exp(-z));
      const r = p - y[i]!;
      const v = p * (1 - p);
      for (let j = 0; j < d; j++) {
        const xj = X[o + j]!;
        grad[j]! += r * xj;
        const vx = v * xj;
        for (let k = 0; k <= j; k++) hess[j * d + k]! += vx * X[o + k]!;
      }
    }
    for (let j = 0; j < d; j++) {
      grad[j] = grad[j]! / n + l2 * w[j]!;
      for (let k = 0; k <= j; k++) {
        const h = hess[j * d + k]! / n + (j === k ? l2 : 0);
        hess[j * d + k] = h;
        hess[k * d + j] = h;
      }
    }
    const step = solve(hess, grad, d);
    if (offset) {
      const before = penalisedLoss(X, y, d, l2, w, offset);
      const w0 = w.slice();
      let scale = 1;
      for (let h = 0; h < 30; h++) {
        for (let j = 0; j < d; j++) w[j] = w0[j]! - scale * step[j]!;
        if (penalisedLoss(X, y, d, l2, w, offset) <= before + 1e-12) break;
        scale /= 2;
      }
      let maxStep = 0;
      for (let j = 0; j < d; j++) maxStep = Math.max(maxStep, Math.abs(scale * step[j]!));
      if (maxStep < 1e-8) break;
      continue;
    }
    let maxStep = 0;
    for (let j = 0; j < d; j++) {
      w[j]! -= step[j]!;
      maxStep = Math.max(maxStep, Math.abs(step[j]!));
    }
    if (maxStep < 1e-8) break;
  }
  return w;
}

/** Mean log loss plus l2/2·|w|² of weights w (with a per-row offset). */
function penalisedLoss(X: Float64Array, y: ArrayLike<number>, d: number, l2: number, w: Float64Array, offset: ArrayLike<number>): number {
  const n = y.length;
  let loss = 0;
  for (let i = 0; i < n; i++) {
    let z = -offset[i]!;
    for (let j = 0; j < d; j++) z += w[j]! * X[i * d + j]!;
    // log(1 + e^z) - y z, stable for large |z|.
    loss += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - y[i]! * z;
  }
  let reg = 0;
  for (let j = 0; j < d; j++) reg += w[j]! * w[j]!;
  return loss / (n || 1) + (l2 / 2) * reg;
}

/** Solves A x = b for a small symmetric positive-definite A (Gaussian elimination with partial pivoting). */
function solve(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const M = A.slice();
  const x = b.slice();
  for (let c = 0; c < d; c++) {
    let piv = c;
    for (let r = c + 1; r < d; r++) if (Math.abs(M[r * d + c]!) > Math.abs(M[piv * d + c]!)) piv = r;
    if (piv !== c) {
      for (let k = 0; k < d; k++) {
        const t = M[c * d + k]!;
        M[c * d + k] = M[piv * d + k]!;
        M[piv * d + k] = t;
      }
      const t = x[c]!;
      x[c] = x[piv]!;
      x[piv] = t;
    }
    const p = M[c * d + c]! || 1e-12;
    for (let r = c + 1; r < d; r++) {
      const f = M[r * d + c]! / p;
      if (f === 0) continue;
      for (let k = c; k < d; k++) M[r * d + k]! -= f * M[c * d + k]!;
      x[r]! -= f * x[c]!;
    }
  }
  for (let c = d - 1; c >= 0; c--) {
    let s = x[c]!;
    for (let k = c + 1; k < d; k++) s -= M[c * d + k]! * x[k]!;
    x[c] = s / (M[c * d + c]! || 1e-12);
  }
  return x;
}

/**
 * L2-regularised logistic regression by Newton's method on sparse rows with a fixed number of stored entries
 * per row: row i has features `cols[i*nnz + j]` with values `vals[i*nnz + j]` (j < nnz; a value of 0 or a
 * repeated column are allowed). Minimises the mean log loss plus ½·Σ l2[j]·w[j]² (`l2` per weight, or one value
 * for all). The Hessian is dense d×d (fine for a few hundred weights); each row costs O(nnz²).
 */
export function fitSparseLogistic(
  cols: Int32Array,
  vals: Float64Array,
  nnz: number,
  y: ArrayLike<number>,
  d: number,
  l2: number | Float64Array = 1e-6,
  iters = 30,
): Float64Array {
  const n = y.length;
  const reg = typeof l2 === 'number' ? new Float64Array(d).fill(l2) : l2;
  const w = new Float64Array(d);
  const grad = new Float64Array(d);
  const hess = new Float64Array(d * d);
  let prevLoss = Infinity;
  for (let it = 0; it < iters; it++) {
    grad.fill(0);
    hess.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const o = i * nnz;
      let z = 0;
      for (let j = 0; j < nnz; j++) z += w[cols[o + j]!]! * vals[o + j]!;
      const p = 1 / (1 + Math.exp(-z));
      const yi = y[i]!;
      loss -= yi ? Math.log(p + 1e-300) : Math.log(1 - p + 1e-300);
      const r = p - yi;
      const v = p * (1 - p);
      for (let j = 0; j < nnz; j++) {
        const cj = cols[o + j]!;
        const xj = vals[o + j]!;
        if (xj === 0) continue;
        grad[cj]! += r * xj;
        const vx = v * xj;
        for (let k = 0; k < nnz; k++) {
          const ck = cols[o + k]!;
          if (ck <= cj) hess[cj * d + ck]! += vx * vals[o + k]!;
        }
      }
    }
    loss /= n;
    for (let j = 0; j < d; j++) {
      loss += 0.5 * reg[j]! * w[j]! * w[j]!;
      grad[j] = grad[j]! / n + reg[j]! * w[j]!;
      for (let k = 0; k <= j; k++) {
        const h = hess[j * d + k]! / n + (j === k ? reg[j]! + 1e-10 : 0);
        hess[j * d + k] = h;
        hess[k * d + j] = h;
      }
    }
    if (prevLoss - loss < 1e-10) break;
    prevLoss = loss;
    const step = solveSpd(hess, grad, d);
    let maxStep = 0;
    for (let j = 0; j < d; j++) {
      w[j]! -= step[j]!;
      maxStep = Math.max(maxStep, Math.abs(step[j]!));
    }
    if (maxStep < 1e-7) break;
  }
  return w;
}

/** Solves A x = b for a symmetric positive-definite A by Cholesky factorisation (falls back to elimination). */
function solveSpd(A: Float64Array, b: Float64Array, d: number): Float64Array {
  const L = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    let s = A[j * d + j]!;
    for (let k = 0; k < j; k++) s -= L[j * d + k]! * L[j * d + k]!;
    if (!(s > 0)) return solve(A, b, d);
    const ljj = Math.sqrt(s);
    L[j * d + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      let t = A[i * d + j]!;
      for (let k = 0; k < j; k++) t -= L[i * d + k]! * L[j * d + k]!;
      L[i * d + j] = t / ljj;
    }
  }
  const x = b.slice();
  for (let i = 0; i < d; i++) {
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[i * d + k]! * x[k]!;
    x[i] = s / L[i * d + i]!;
  }
  for (let i = d - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < d; k++) s -= L[k * d + i]! * x[k]!;
    x[i] = s / L[i * d + i]!;
  }
  return x;
}
