/** Evaluation metrics of probabilistic predictions of binary answers. */

/**
 * Area under the ROC curve (Mann-Whitney statistic, tied predictions count one half).
 * Returns NaN when only one class is present.
 */
export function auc(pred: ArrayLike<number>, label: ArrayLike<number>): number {
  const n = pred.length;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => pred[a]! - pred[b]!);
  let pos = 0;
  for (let i = 0; i < n; i++) pos += label[i]! ? 1 : 0;
  const neg = n - pos;
  if (pos === 0 || neg === 0) return NaN;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    const v = pred[idx[i]!]!;
    while (j + 1 < n && pred[idx[j + 1]!] === v) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (label[idx[k]!]) rankSum += avgRank;
    i = j + 1;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Root mean squared error between predicted probabilities and 0/1 labels. */
export function rmse(pred: ArrayLike<number>, label: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i]! - label[i]!;
    s += d * d;
  }
  return Math.sqrt(s / pred.length);
}

/** Mean negative log-likelihood (log loss) of predictions, clamped to avoid infinities. */
export function logLoss(pred: ArrayLike<number>, label: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, pred[i]!));
    s -= label[i]! ? Math.log(p) : Math.log(1 - p);
  }
  return s / pred.length;
}

/** One bin of a reliability table: predictions in [lo, hi), their mean, the observed share right. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  predicted: number;
  observed: number;
}

/**
 * Reliability table over `bins` equal-width bins of the predicted probability, and the expected calibration
 * error: the count-weighted mean of |mean prediction - observed share| over the bins.
 */
export function calibration(pred: ArrayLike<number>, label: ArrayLike<number>, bins = 10): { ece: number; bins: ReliabilityBin[] } {
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < pred.length; i++) {
    const p = pred[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    cnt[b]!++;
    sp[b]! += p;
    sy[b]! += label[i]!;
  }
  let ece = 0;
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = cnt[b]!;
    out.push({ lo: b / bins, hi: (b + 1) / bins, count: c, predicted: c ? sp[b]! / c : NaN, observed: c ? sy[b]! / c : NaN });
    if (c) ece += (c / pred.length) * Math.abs(sp[b]! / c - sy[b]! / c);
  }
  return { ece, bins: out };
}
