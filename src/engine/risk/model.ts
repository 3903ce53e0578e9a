/**
 * The at-risk model: a logistic regression over the features of `features.ts`, applied at each answer of a
 * (student, skill) sequence inside the prediction window; a sequence is flagged at the first answer whose
 * predicted probability of wheel-spinning reaches the model's threshold. Each flag carries reason codes and a
 * suggested action. Pure: no I/O, no clock, no randomness.
 */
import { FEATURES, featureIndex, skillRatesFrom, walk, type FeatureName, type SkillRates, type SkillSnapshot } from './features.js';
import { fitLogistic, logOdds, sigmoid } from './logistic.js';
import { inWindow, labelSequences, seqKey } from './sequences.js';
import { DEFAULT_DEFINITION, type RiskAction, type RiskAnswer, type RiskDefinition, type RiskFlag, type RiskReason } from './types.js';

export interface RiskModel {
  kind: 'mastery-risk';
  version: 1;
  definition: RiskDefinition;
  features: string[];
  mean: number[];
  std: number[];
  coef: number[];
  intercept: number;
  /** Flag when the predicted probability reaches this (chosen on the training log to maximise sequence F1). */
  threshold: number;
  /** Wheel-spin rate of each training skill (logit, centred on `globalRate`); absent: skill-blind model. */
  skillRates?: SkillRates;
  globalRate: number;
  trainedOn: { source: string; answers: number; sequences: number; positives: number; rows: number };
}

export interface FitOptions {
  definition?: RiskDefinition;
  /** L2 penalty per training row on the standardised coefficients. */
  lambda?: number;
  /** Use each skill's wheel-spin rate in the training log (default true). Off for a model meant for other skills. */
  useSkillRates?: boolean;
  /** Shown in `trainedOn.source`. */
  source?: string;
}

/** One prediction point: the model's probability after answer `k` of a sequence. */
export interface RiskPoint {
  snapshot: SkillSnapshot;
  probability: number;
}

/** Fits the model on an answer log (labels come from each sequence's later answers; features never do). */
export function fitRiskModel(answers: readonly RiskAnswer[], opts: FitOptions = {}): RiskModel {
  const def = opts.definition ?? DEFAULT_DEFINITION;
  const labels = labelSequences(answers, def);
  const labelled = [...labels.values()].filter((l) => l.positive !== null) as { skill: string; positive: boolean }[];
  const { rates, globalRate } = skillRatesFrom(labelled);
  const skillRates = opts.useSkillRates === false ? undefined : rates;
  const d = FEATURES.length;
  let X = new Float64Array(1024 * d);
  let y = new Uint8Array(1024);
  let n = 0;
  walk(answers, def, skillRates, (s) => {
    if (!inWindow(s, def)) return;
    const pos = labels.get(seqKey(s.student, s.skill))!.positive;
    if (pos === null) return;
    if (n === y.length) {
      const X2 = new Float64Array(X.length * 2);
      X2.set(X);
      X = X2;
      const y2 = new Uint8Array(y.length * 2);
      y2.set(y);
      y = y2;
    }
    X.set(s.x, n * d);
    y[n] = pos ? 1 : 0;
    n++;
  });
  if (n === 0) throw new Error('fitRiskModel: no labelled prediction points in the log');
  const fit = fitLogistic(X.subarray(0, n * d), d, y.subarray(0, n), opts.lambda ?? 1e-4);
  const model: RiskModel = {
    kind: 'mastery-risk',
    version: 1,
    definition: def,
    features: [...FEATURES],
    mean: fit.mean,
    std: fit.std,
    coef: fit.coef,
    intercept: fit.intercept,
    threshold: 0.5,
    ...(skillRates ? { skillRates } : {}),
    globalRate,
    trainedOn: {
      source: opts.source ?? 'log',
      answers: answers.length,
      sequences: labelled.length,
      positives: labelled.filter((l) => l.positive).length,
      rows: n,
    },
  };
  // Threshold: maximise sequence-level F1 of "flag at the first point at or above the threshold" on this log.
  const maxP = new Map<string, number>();
  scoreStream(model, answers, (pt) => {
    const key = seqKey(pt.snapshot.student, pt.snapshot.skill);
    maxP.set(key, Math.max(maxP.get(key) ?? 0, pt.probability));
  });
  const scored = [...labels.entries()].filter(([, l]) => l.positive !== null).map(([key, l]) => ({ p: maxP.get(key) ?? 0, pos: l.positive! }));
  model.threshold = bestF1Threshold(scored);
  return model;
}

/** The threshold on per-sequence scores that maximises F1 (the midpoint between the last flagged and the next). */
export function bestF1Threshold(scored: readonly { p: number; pos: boolean }[]): number {
  const s = [...scored].sort((a, b) => b.p - a.p);
  const P = s.filter((x) => x.pos).length;
  if (P === 0 || s.length === 0) return 1;
  let tp = 0;
  let best = 0;
  let bestT = 1;
  for (let i = 0; i < s.length; i++) {
    if (s[i]!.pos) tp++;
    if (i + 1 < s.length && s[i + 1]!.p === s[i]!.p) continue;
    const f1 = (2 * tp) / (i + 1 + P);
    if (f1 > best) {
      best = f1;
      bestT = i + 1 < s.length ? (s[i]!.p + s[i + 1]!.p) / 2 : s[i]!.p;
    }
  }
  return bestT;
}

/** Probability of wheel-spinning from one snapshot's feature vector. */
export function predict(model: RiskModel, x: ArrayLike<number>): number {
  return sigmoid(logOdds(model, x));
}

/** Calls `visit` for every prediction point of the stream (answers inside the window), in stream order. */
export function scoreStream(model: RiskModel, answers: readonly RiskAnswer[], visit: (pt: RiskPoint) => void): void {
  checkModel(model);
  const def = model.definition;
  walk(answers, def, model.skillRates, (s) => {
    if (inWindow(s, def)) visit({ snapshot: s, probability: predict(model, s.x) });
  });
}

/** The first flag of each (student, skill) sequence: the answer at which the model first flags it. */
export function firstFlags(model: RiskModel, answers: readonly RiskAnswer[]): Map<string, RiskFlag> {
  const out = new Map<string, RiskFlag>();
  scoreStream(model, answers, (pt) => {
    const key = seqKey(pt.snapshot.student, pt.snapshot.skill);
    if (pt.probability >= model.threshold && !out.has(key)) out.set(key, flagOf(model, pt.snapshot, pt.probability));
  });
  return out;
}

/**
 * Where each student stands now, for the teacher's view: for every (student, skill) not yet mastered, the
 * prediction after its latest answer, as a flag when it reaches the threshold. A skill past the window (mastery
 * within the horizon is no longer possible) is flagged with probability 1 and `no_mastery_yet` first.
 */
export function assess(model: RiskModel, answers: readonly RiskAnswer[]): RiskFlag[] {
  checkModel(model);
  const last = new Map<string, SkillSnapshot>();
  walk(answers, model.definition, model.skillRates, (s) => last.set(seqKey(s.student, s.skill), s));
  const flags: RiskFlag[] = [];
  for (const s of last.values()) {
    if (s.mastered) continue;
    if (!inWindow(s, model.definition)) {
      const f = flagOf(model, s, 1);
      f.reasons = [{ code: 'no_mastery_yet' as const, skill: s.skill, answers: s.k }, ...f.reasons].slice(0, 3);
      flags.push(f);
      continue;
    }
    const p = predict(model, s.x);
    if (p >= model.threshold) flags.push(flagOf(model, s, p));
  }
  return groupActions(flags);
}

/** Suggests a small group for every skill on which at least `minGroup` students are flagged. */
export function groupActions(flags: RiskFlag[], minGroup = 3): RiskFlag[] {
  const per = new Map<string, Set<string>>();
  for (const f of flags) {
    let s = per.get(f.skill);
    if (!s) per.set(f.skill, (s = new Set()));
    s.add(f.student);
  }
  return flags.map((f) => (per.get(f.skill)!.size >= minGroup ? { ...f, action: 'small_group' as const } : f));
}

type ReasonGroup = RiskReason['code'];
const GROUP: Record<FeatureName, ReasonGroup> = {
  answers: 'many_answers',
  log_answers: 'many_answers',
  student_answers: 'many_answers',
  accuracy: 'low_accuracy',
  never_correct: 'low_accuracy',
  first_correct: 'low_accuracy',
  max_correct_streak: 'low_accuracy',
  correct_streak: 'low_accuracy',
  wrong_streak: 'wrong_streak',
  last_correct: 'recent_wrong',
  recent_error3: 'recent_wrong',
  recent_error6: 'recent_wrong',
  trend: 'declining',
  other_skills: 'struggled_elsewhere',
  other_mastered_rate: 'struggled_elsewhere',
  other_spun: 'struggled_elsewhere',
  no_history: 'struggled_elsewhere',
  other_accuracy: 'low_accuracy_elsewhere',
  skill_rate: 'hard_skill',
  skill_known: 'hard_skill',
  hint_rate: 'many_hints',
  has_hints: 'many_hints',
  log_seconds: 'slow',
  has_time: 'slow',
};

/** Builds the flag of one snapshot: reasons are the feature groups that push the prediction up most. */
export function flagOf(model: RiskModel, s: SkillSnapshot, probability: number): RiskFlag {
  const contrib = new Map<ReasonGroup, number>();
  for (let j = 0; j < model.features.length; j++) {
    const g = GROUP[model.features[j] as FeatureName];
    const c = (model.coef[j]! * (s.x[j]! - model.mean[j]!)) / model.std[j]!;
    contrib.set(g, (contrib.get(g) ?? 0) + c);
  }
  const ranked = [...contrib.entries()].filter(([, c]) => c > 0).sort((a, b) => b[1] - a[1]);
  const reasons: RiskReason[] = [];
  for (const [g] of ranked) {
    const r = reasonOf(model, g, s);
    if (r) reasons.push(r);
    if (reasons.length === 3) break;
  }
  if (reasons.length === 0) reasons.push({ code: 'may_not_finish', skill: s.skill, answers: s.k });
  return { student: s.student, skill: s.skill, atAnswer: s.k, probability, reasons, action: actionFor(reasons) };
}

/** The reason of a feature group in words the view can translate, or null when it would not be true in words. */
function reasonOf(model: RiskModel, g: ReasonGroup, s: SkillSnapshot): RiskReason | null {
  const skill = s.skill;
  const o = s.outcomes;
  switch (g) {
    case 'recent_wrong': {
      const of = Math.min(6, o.length);
      const wrong = o.slice(o.length - of).filter((c) => !c).length;
      return wrong >= 1 && wrong * 2 >= of ? { code: g, skill, wrong, of } : null;
    }
    case 'wrong_streak':
      return s.wrongStreak >= 2 ? { code: g, skill, count: s.wrongStreak } : null;
    case 'low_accuracy': {
      const correct = o.filter(Boolean).length;
      return correct * 2 < o.length || correct === 0 ? { code: g, skill, correct, of: o.length } : null;
    }
    case 'many_answers':
      return s.k >= 4 ? { code: g, skill, answers: s.k } : null;
    case 'declining': {
      if (o.length < 4) return null;
      const h = Math.floor(o.length / 2);
      const early = o.slice(0, h).filter(Boolean).length / h;
      const late = o.slice(o.length - h).filter(Boolean).length / h;
      return late < early ? { code: g, skill, earlierPercent: Math.round(early * 100), recentPercent: Math.round(late * 100) } : null;
    }
    case 'struggled_elsewhere':
      return s.otherStarted >= 1 && s.otherMastered * 2 < s.otherStarted ? { code: g, mastered: s.otherMastered, of: s.otherStarted } : null;
    case 'low_accuracy_elsewhere':
      return s.otherAnswers >= 3 && s.otherCorrect < 0.6 * s.otherAnswers ? { code: g, correct: s.otherCorrect, of: s.otherAnswers } : null;
    case 'hard_skill': {
      const r = model.skillRates?.[skill];
      if (r === undefined || r <= 0) return null;
      const g0 = model.globalRate;
      return { code: g, skill, percent: Math.round(100 * sigmoid(r + Math.log(g0 / (1 - g0)))) };
    }
    case 'many_hints':
      return s.hintAnswers > 0 && s.hints >= s.hintAnswers ? { code: g, skill, hints: s.hints, of: s.hintAnswers } : null;
    case 'slow': {
      if (s.seconds.length === 0) return null;
      const sorted = [...s.seconds].sort((a, b) => a - b);
      return { code: g, skill, seconds: Math.round(sorted[Math.floor(sorted.length / 2)]!) };
    }
    default:
      return null;
  }
}

/**
 * The suggested action from the reasons: struggling on other skills too, or never right on this one, points to
 * a missing prerequisite; a skill most students find hard, to teaching it to a small group; otherwise a worked
 * example of the kind of question the student keeps missing. (`groupActions` also turns several students
 * flagged on one skill into a small group.)
 */
export function actionFor(reasons: readonly RiskReason[]): RiskAction {
  const top = reasons[0];
  if (reasons.some((r) => r.code === 'struggled_elsewhere' || r.code === 'low_accuracy_elsewhere')) return 'reteach_prerequisite';
  if (reasons.some((r) => r.code === 'low_accuracy' && r.correct === 0 && r.of >= 3)) return 'reteach_prerequisite';
  if (top?.code === 'hard_skill') return 'small_group';
  return 'worked_example';
}

function checkModel(m: RiskModel): void {
  if (m.kind !== 'mastery-risk' || m.version !== 1) throw new Error('not a mastery-risk model (version 1)');
  if (m.features.length !== FEATURES.length || m.features.some((f, i) => f !== FEATURES[i])) throw new Error('risk model features differ from this code');
}

export { featureIndex };
