/**
 * Streaming feature extraction: walks one answer stream in order and, at each answer, describes the student's
 * state on that answer's skill from that answer and the earlier ones only (never a later answer).
 */
import type { RiskAnswer, RiskDefinition } from './types.js';

/** Feature names, in vector order. Absent inputs (hints, time, history, skill rate) are 0 with an indicator. */
export const FEATURES = [
  'answers', // k: answers so far on the skill
  'log_answers',
  'accuracy', // correct / k
  'wrong_streak', // current run of wrong answers (capped at 6)
  'correct_streak', // current run of correct answers
  'last_correct',
  'recent_error3', // error rate of the last 3 (or fewer)
  'recent_error6', // error rate of the last 6 (or fewer)
  'trend', // accuracy of the later half minus the earlier half
  'first_correct',
  'never_correct',
  'max_correct_streak',
  'other_skills', // log(1 + other skills started)
  'other_mastered_rate', // smoothed share of the other started skills that are mastered
  'other_accuracy', // smoothed accuracy on the other skills
  'other_spun', // log(1 + other skills with `horizon` answers and no mastery)
  'no_history',
  'student_answers', // log(1 + the student's answers on every skill)
  'skill_rate', // the skill's wheel-spin rate in the training log (logit, centred), 0 when unknown
  'skill_known',
  'hint_rate', // hints per answer on the skill, among answers with a hint count
  'has_hints',
  'log_seconds', // mean log10 seconds per answer on the skill, among answers with a time
  'has_time',
] as const;

export type FeatureName = (typeof FEATURES)[number];
export const FEATURE_COUNT = FEATURES.length;
const F = Object.fromEntries(FEATURES.map((f, i) => [f, i])) as Record<FeatureName, number>;
export const featureIndex = (name: FeatureName): number => F[name];

/** The state of one (student, skill) sequence at one answer. */
export interface SkillSnapshot {
  student: string;
  skill: string;
  /** 1-based answer index on the skill. */
  k: number;
  /** Index of the answer in the stream. */
  row: number;
  /** Outcomes so far, oldest first (a copy: later answers never change it). */
  outcomes: readonly boolean[];
  wrongStreak: number;
  correctStreak: number;
  /** Mastered at or before this answer. */
  mastered: boolean;
  hints: number;
  hintAnswers: number;
  seconds: number[];
  otherStarted: number;
  otherMastered: number;
  otherCorrect: number;
  otherAnswers: number;
  studentAnswers: number;
  studentMastered: number;
  x: Float64Array;
}

interface SkillAcc {
  k: number;
  outcomes: boolean[];
  wrongStreak: number;
  correctStreak: number;
  maxCorrectStreak: number;
  mastered: boolean;
  correct: number;
  hints: number;
  hintAnswers: number;
  seconds: number[];
}

interface StudentAcc {
  skills: Map<string, SkillAcc>;
  answers: number;
  correct: number;
  mastered: number;
  spun: number;
}

/** Skill-level wheel-spin rates learnt from a training log (logit of the smoothed rate, centred on the global). */
export type SkillRates = Record<string, number>;

const logit = (p: number) => Math.log(p / (1 - p));

/**
 * Walks `answers` in order and calls `visit` once per answer with the snapshot of its (student, skill) sequence
 * after that answer. Answers of different students may interleave; each student's order is kept.
 */
export function walk(answers: readonly RiskAnswer[], def: RiskDefinition, skillRates: SkillRates | undefined, visit: (s: SkillSnapshot) => void): void {
  const students = new Map<string, StudentAcc>();
  for (let row = 0; row < answers.length; row++) {
    const a = answers[row]!;
    let st = students.get(a.student);
    if (!st) students.set(a.student, (st = { skills: new Map(), answers: 0, correct: 0, mastered: 0, spun: 0 }));
    let sk = st.skills.get(a.skill);
    if (!sk) {
      sk = { k: 0, outcomes: [], wrongStreak: 0, correctStreak: 0, maxCorrectStreak: 0, mastered: false, correct: 0, hints: 0, hintAnswers: 0, seconds: [] };
      st.skills.set(a.skill, sk);
    }
    // History on the other skills, as it stands before this answer.
    const otherStarted = st.skills.size - 1;
    const otherMastered = st.mastered - (sk.mastered ? 1 : 0);
    const otherSpun = st.spun - (!sk.mastered && sk.k >= def.horizon ? 1 : 0);
    const otherAnswers = st.answers - sk.k;
    const otherCorrect = st.correct - sk.correct;

    sk.k++;
    sk.outcomes.push(a.correct);
    if (a.correct) {
      sk.correct++;
      sk.correctStreak++;
      sk.wrongStreak = 0;
      if (sk.correctStreak > sk.maxCorrectStreak) sk.maxCorrectStreak = sk.correctStreak;
    } else {
      sk.wrongStreak++;
      sk.correctStreak = 0;
    }
    if (a.hints !== undefined && Number.isFinite(a.hints)) {
      sk.hints += Math.max(0, a.hints);
      sk.hintAnswers++;
    }
    if (a.ms !== undefined && Number.isFinite(a.ms) && a.ms > 0) sk.seconds.push(a.ms / 1000);
    const wasMastered = sk.mastered;
    if (!sk.mastered && sk.correctStreak >= def.masteryRun) sk.mastered = true;
    st.answers++;
    if (a.correct) st.correct++;
    if (sk.mastered && !wasMastered) st.mastered++;
    if (!sk.mastered && sk.k === def.horizon) st.spun++;

    const x = new Float64Array(FEATURE_COUNT);
    const k = sk.k;
    const o = sk.outcomes;
    const errIn = (n: number) => {
      const m = Math.min(n, k);
      let w = 0;
      for (let i = k - m; i < k; i++) if (!o[i]) w++;
      return w / m;
    };
    x[F.answers] = k;
    x[F.log_answers] = Math.log(k);
    x[F.accuracy] = sk.correct / k;
    x[F.wrong_streak] = Math.min(6, sk.wrongStreak);
    x[F.correct_streak] = sk.correctStreak;
    x[F.last_correct] = a.correct ? 1 : 0;
    x[F.recent_error3] = errIn(3);
    x[F.recent_error6] = errIn(6);
    if (k >= 2) {
      const h = Math.floor(k / 2);
      let early = 0;
      let late = 0;
      for (let i = 0; i < h; i++) if (o[i]) early++;
      for (let i = k - h; i < k; i++) if (o[i]) late++;
      x[F.trend] = (late - early) / h;
    }
    x[F.first_correct] = o[0] ? 1 : 0;
    x[F.never_correct] = sk.correct === 0 ? 1 : 0;
    x[F.max_correct_streak] = sk.maxCorrectStreak;
    x[F.other_skills] = Math.log1p(otherStarted);
    x[F.other_mastered_rate] = otherStarted > 0 ? (otherMastered + 0.5) / (otherStarted + 1) : 0;
    x[F.other_accuracy] = otherAnswers > 0 ? (otherCorrect + 1.3) / (otherAnswers + 2) : 0;
    x[F.other_spun] = Math.log1p(Math.max(0, otherSpun));
    x[F.no_history] = otherAnswers === 0 ? 1 : 0;
    x[F.student_answers] = Math.log1p(st.answers);
    const rate = skillRates?.[a.skill];
    if (rate !== undefined) {
      x[F.skill_rate] = rate;
      x[F.skill_known] = 1;
    }
    if (sk.hintAnswers > 0) {
      x[F.hint_rate] = sk.hints / sk.hintAnswers;
      x[F.has_hints] = 1;
    }
    if (sk.seconds.length > 0) {
      let s = 0;
      for (const t of sk.seconds) s += Math.log10(Math.max(0.1, t));
      x[F.log_seconds] = s / sk.seconds.length;
      x[F.has_time] = 1;
    }
    visit({
      student: a.student,
      skill: a.skill,
      k,
      row,
      outcomes: o.slice(),
      wrongStreak: sk.wrongStreak,
      correctStreak: sk.correctStreak,
      mastered: sk.mastered,
      hints: sk.hints,
      hintAnswers: sk.hintAnswers,
      seconds: sk.seconds.slice(),
      otherStarted,
      otherMastered,
      otherCorrect,
      otherAnswers,
      studentAnswers: st.answers,
      studentMastered: st.mastered,
      x,
    });
  }
}

/**
 * Per skill: the logit of its smoothed wheel-spin rate minus the logit of the global rate, from labelled
 * sequences of a training log. Skills with few sequences shrink to 0 (the global rate).
 */
export function skillRatesFrom(labels: Iterable<{ skill: string; positive: boolean }>, prior = 20): { rates: SkillRates; globalRate: number } {
  const by = new Map<string, { pos: number; n: number }>();
  let pos = 0;
  let n = 0;
  for (const l of labels) {
    let c = by.get(l.skill);
    if (!c) by.set(l.skill, (c = { pos: 0, n: 0 }));
    c.n++;
    n++;
    if (l.positive) {
      c.pos++;
      pos++;
    }
  }
  const g = n > 0 ? Math.min(0.99, Math.max(0.01, pos / n)) : 0.5;
  const rates: SkillRates = {};
  for (const [skill, c] of by) rates[skill] = logit((c.pos + prior * g) / (c.n + prior)) - logit(g);
  return { rates, globalRate: g };
}
