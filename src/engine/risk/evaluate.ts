/**
 * Evaluation of the risk model against today's rule on the same students: one flag per (student, skill)
 * sequence (the first answer at which it flags, inside the prediction window), judged at the sequence level
 * against the wheel-spin label.
 */
import { walk } from './features.js';
import { fitRiskModel, scoreStream, type FitOptions, type RiskModel } from './model.js';
import { todayRule } from './rule.js';
import { inWindow, labelSequences, seqKey } from './sequences.js';
import type { RiskAnswer } from './types.js';

/** The outcome of one labelled sequence. */
export interface SequenceResult {
  positive: boolean;
  length: number;
  /** Highest predicted probability inside the window (0 if the window is empty). */
  score: number;
  /** First answer at which the model flags it, 0 if never. */
  modelAt: number;
  /** First answer at which today's rule flags it inside the window, 0 if never. */
  ruleAt: number;
  /** First answer at which today's rule flags it at all (also after the outcome is decided), 0 if never. */
  ruleAnyAt: number;
}

export interface EvalRun {
  sequences: SequenceResult[];
  /** Every prediction point: probability and its sequence's label (for the per-answer AUC). */
  points: { p: number; positive: boolean }[];
}

/** Runs the model and the rule over a test log. The model's threshold is its own (chosen on its training log). */
export function runEvaluation(model: RiskModel, answers: readonly RiskAnswer[]): EvalRun {
  const def = model.definition;
  const labels = labelSequences(answers, def);
  const maxP = new Map<string, number>();
  const modelAt = new Map<string, number>();
  const points: EvalRun['points'] = [];
  scoreStream(model, answers, ({ snapshot: s, probability: p }) => {
    const key = seqKey(s.student, s.skill);
    const l = labels.get(key)!;
    if (l.positive === null) return;
    points.push({ p, positive: l.positive });
    maxP.set(key, Math.max(maxP.get(key) ?? 0, p));
    if (p >= model.threshold && !modelAt.has(key)) modelAt.set(key, s.k);
  });
  const window = new Uint8Array(answers.length);
  walk(answers, def, undefined, (s) => {
    if (inWindow(s, def)) window[s.row] = 1;
  });
  const ruleAt = new Map<string, number>();
  const ruleAnyAt = new Map<string, number>();
  todayRule(answers, def).forEach((r, row) => {
    if (!r.reason) return;
    const key = seqKey(r.student, r.skill);
    if (!ruleAnyAt.has(key)) ruleAnyAt.set(key, r.k);
    if (window[row] && !ruleAt.has(key)) ruleAt.set(key, r.k);
  });
  const sequences: SequenceResult[] = [];
  for (const [key, l] of labels) {
    if (l.positive === null) continue;
    sequences.push({
      positive: l.positive,
      length: l.length,
      score: maxP.get(key) ?? 0,
      modelAt: modelAt.get(key) ?? 0,
      ruleAt: ruleAt.get(key) ?? 0,
      ruleAnyAt: ruleAnyAt.get(key) ?? 0,
    });
  }
  return { sequences, points };
}

export interface Prf {
  precision: number;
  recall: number;
  f1: number;
  flagged: number;
  /** Median answer index of the first flag, over flagged sequences (null when none). */
  medianAt: number | null;
  /** The same over correctly flagged (positive) sequences. */
  medianAtTruePositive: number | null;
}

export interface EvalSummary {
  sequences: number;
  positives: number;
  /** Sequence-level AUC of the highest probability inside the window. */
  auc: number;
  /** AUC of every prediction point against its sequence's label. */
  pointAuc: number;
  model: Prf;
  rule: Prf;
  /** Today's rule when it may also flag after the outcome is decided (a detection, for reference). */
  ruleAnyTime: Prf;
  /** Flag every sequence at its first answer: the floor any F1 must be read against. */
  flagAll: Prf;
}

export function summarise(run: EvalRun): EvalSummary {
  const s = run.sequences;
  return {
    sequences: s.length,
    positives: s.filter((x) => x.positive).length,
    auc: auc(s.map((x) => ({ p: x.score, positive: x.positive }))),
    pointAuc: auc(run.points),
    model: prf(s, (x) => x.modelAt),
    rule: prf(s, (x) => x.ruleAt),
    ruleAnyTime: prf(s, (x) => x.ruleAnyAt),
    flagAll: prf(s, () => 1),
  };
}

export function prf(s: readonly SequenceResult[], at: (x: SequenceResult) => number): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const idx: number[] = [];
  const tpIdx: number[] = [];
  for (const x of s) {
    const a = at(x);
    if (a > 0) {
      idx.push(a);
      if (x.positive) {
        tp++;
        tpIdx.push(a);
      } else fp++;
    } else if (x.positive) fn++;
  }
  const precision = tp + fp > 0 ? tp / (tp + fp) : 0;
  const recall = tp + fn > 0 ? tp / (tp + fn) : 0;
  const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
  return { precision, recall, f1, flagged: tp + fp, medianAt: median(idx), medianAtTruePositive: median(tpIdx) };
}

export function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Area under the ROC curve (ties count half); 0.5 when a class is empty. */
export function auc(xs: readonly { p: number; positive: boolean }[]): number {
  const s = [...xs].sort((a, b) => a.p - b.p);
  let pos = 0;
  for (const x of s) if (x.positive) pos++;
  const neg = s.length - pos;
  if (pos === 0 || neg === 0) return 0.5;
  let rankSum = 0;
  for (let i = 0; i < s.length; ) {
    let j = i;
    while (j < s.length && s[j]!.p === s[i]!.p) j++;
    const r = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (s[k]!.positive) rankSum += r;
    i = j;
  }
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Splits students into `k` folds (a seeded shuffle), fits on k-1 and evaluates on the held-out one; pools all. */
export function crossValidate(
  answers: readonly RiskAnswer[],
  k: number,
  opts: FitOptions & { seed?: number } = {},
): { run: EvalRun; folds: { summary: EvalSummary; threshold: number }[] } {
  const students = [...new Set(answers.map((a) => a.student))];
  let seed = (opts.seed ?? 1) >>> 0;
  const rand = () => {
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = students.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [students[i], students[j]] = [students[j]!, students[i]!];
  }
  const fold = new Map<string, number>();
  students.forEach((s, i) => fold.set(s, i % k));
  const run: EvalRun = { sequences: [], points: [] };
  const folds: { summary: EvalSummary; threshold: number }[] = [];
  for (let f = 0; f < k; f++) {
    const train = answers.filter((a) => fold.get(a.student) !== f);
    const test = answers.filter((a) => fold.get(a.student) === f);
    const model = fitRiskModel(train, opts);
    const r = runEvaluation(model, test);
    folds.push({ summary: summarise(r), threshold: model.threshold });
    for (const x of r.sequences) run.sequences.push(x);
    for (const x of r.points) run.points.push(x);
  }
  return { run, folds };
}

/** Parses a `student,skill,correct[,hints][,ms]` CSV (columns found by header name). */
export function parseAnswerCsv(text: string, name = 'csv'): RiskAnswer[] {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').trim().split(',').map((h) => h.trim().toLowerCase());
  const cs = header.indexOf('student');
  const ck = header.indexOf('skill');
  const cc = header.indexOf('correct');
  const ch = header.indexOf('hints');
  const cm = header.indexOf('ms');
  if (cs < 0 || ck < 0 || cc < 0) throw new Error(`${name}: need columns student,skill,correct (got ${header.join(',')})`);
  const out: RiskAnswer[] = [];
  for (let i = 1; i < lines.length; i++) {
    const row = lines[i]!.replace(/\r$/, '');
    if (row === '') continue;
    const f = row.split(',');
    const c = f[cc];
    if (c !== '0' && c !== '1') throw new Error(`${name}:${i + 1}: correct must be 0 or 1, got ${c}`);
    const a: RiskAnswer = { student: f[cs]!, skill: f[ck]!, correct: c === '1' };
    if (ch >= 0 && f[ch] !== undefined && f[ch] !== '') a.hints = Number(f[ch]);
    if (cm >= 0 && f[cm] !== undefined && f[cm] !== '') a.ms = Number(f[cm]);
    out.push(a);
  }
  return out;
}
