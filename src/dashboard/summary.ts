/**
 * The class view's summaries, as pure functions (no I/O): one learner's state and attempt log in, one row per
 * assigned skill out (state in words, mastery, answers, time, last activity, the at-risk model's flag); and the
 * class view assembled from those rows at read time (review due, small groups, who may need help).
 * src/dashboard/summary.store.ts stores them; src/dashboard/dashboard.service.ts reads them.
 */
import { knownAt, skillState, type LearnerState, type ResolvedConfig } from '../engine/index.js';
import { assess, groupActions, type RiskAction, type RiskAnswer, type RiskFlag, type RiskModel, type RiskReason } from '../engine/risk/index.js';
import { atRiskOf, type AtRisk } from './at-risk.js';
import { markedByTeacher } from './overrides.js';

/** A cell of the heat map: the student's state on one skill. */
export type CellStatus = 'not_started' | 'practising' | 'mastered' | 'review_due' | 'struggling';
/** What is stored: review due is a matter of time, so it is derived when the view is read (`due_at`). */
export type StoredStatus = Exclude<CellStatus, 'review_due'>;
export const CELL_STATUSES: readonly CellStatus[] = ['not_started', 'practising', 'struggling', 'mastered', 'review_due'];

/** One attempt as the summaries read it from the log (every try, so time spent counts second tries too). */
export interface SummaryAttempt {
  skills: readonly string[];
  kind: 'answer' | 'worked_example';
  /** A first try, applied to the learner model (and the only kind the risk model reads). */
  counted: boolean;
  correct: boolean;
  hints: number;
  timeMs: number | null;
  /** When it was answered (ms epoch). */
  at: number;
}

/** The model's flag on one skill, as stored (the class-level small-group action is applied when read). */
export interface StoredRisk {
  probability: number;
  /** The answer on this skill after which the flag was computed; it used answers 1..atAnswer only. */
  atAnswer: number;
  reasons: RiskReason[];
  action: RiskAction;
}

export interface SkillSummary {
  skill: string;
  status: StoredStatus;
  mastered: boolean;
  /** A mastered skill's review falls due then (ms epoch), or null. */
  dueAt: number | null;
  /** P(correct on a new question of the skill), 0 before any answer. */
  mastery: number;
  answers: number;
  correct: number;
  hints: number;
  wrongStreak: number;
  timeMs: number;
  lastAt: number | null;
  risk: StoredRisk | null;
}

export interface LearnerSummary {
  userId: string;
  /** Answers the learner model counted (first tries). */
  answers: number;
  timeMs: number;
  lastAt: number | null;
  skills: SkillSummary[];
}

/** The risk model's answer stream of one learner: each counted answer once per skill it is tagged with. */
export function riskStream(userId: string, attempts: readonly SummaryAttempt[]): RiskAnswer[] {
  const out: RiskAnswer[] = [];
  for (const a of attempts) {
    if (a.kind !== 'answer' || !a.counted) continue;
    for (const skill of new Set(a.skills)) {
      const r: RiskAnswer = { student: userId, skill, correct: a.correct, hints: a.hints };
      if (a.timeMs !== null) r.ms = a.timeMs;
      out.push(r);
    }
  }
  return out;
}

/**
 * One learner's summary per assigned skill. Only attempts answered at or before `asOf` are read (the flags
 * never use a later answer); the learner model's verdict (`state`) decides mastered, the risk model decides
 * struggling (a practised, unmastered skill it flags).
 */
export function summariseLearner(input: {
  userId: string;
  state: LearnerState;
  /** The learner's attempts on this activity, oldest first. */
  attempts: readonly SummaryAttempt[];
  skills: readonly string[];
  cfg: ResolvedConfig;
  model: RiskModel;
  asOf: number;
}): LearnerSummary {
  const { userId, state, cfg, asOf } = input;
  const attempts = input.attempts.filter((a) => a.at <= asOf);
  const flags = new Map(assess(input.model, riskStream(userId, attempts)).map((f) => [f.skill, f]));
  const per = new Map<string, { time: number; last: number | null; hints: number }>();
  let timeMs = 0;
  let lastAt: number | null = null;
  let answers = 0;
  for (const a of attempts) {
    const t = Math.max(0, a.timeMs ?? 0);
    timeMs += t;
    lastAt = lastAt === null ? a.at : Math.max(lastAt, a.at);
    if (a.kind === 'answer' && a.counted) answers++;
    for (const skill of new Set(a.skills)) {
      const p = per.get(skill) ?? { time: 0, last: null, hints: 0 };
      p.time += t;
      p.last = p.last === null ? a.at : Math.max(p.last, a.at);
      if (a.counted) p.hints += a.hints;
      per.set(skill, p);
    }
  }
  const skills = input.skills.map((skill): SkillSummary => {
    const s = skillState(state, skill, cfg);
    const p = per.get(skill);
    const flag = flags.get(skill);
    const risk = !s.mastered && s.answers > 0 && flag ? stored(flag) : null;
    const status: StoredStatus = s.mastered ? 'mastered' : s.answers === 0 ? 'not_started' : risk ? 'struggling' : 'practising';
    return {
      skill,
      status,
      mastered: s.mastered,
      dueAt: s.mastered ? s.dueAt : null,
      // As the progress panel reads it (practice/progress.ts): a teacher's verdict reads at least the mastery level.
      mastery: Math.max(s.answers === 0 ? 0 : knownAt(s, asOf, cfg), markedByTeacher(s) ? cfg.masteryThreshold : 0),
      answers: s.answers,
      correct: s.correct,
      hints: p?.hints ?? 0,
      wrongStreak: s.wrongStreak,
      timeMs: p?.time ?? 0,
      lastAt: p?.last ?? null,
      risk,
    };
  });
  return { userId, answers, timeMs, lastAt, skills };
}

const stored = (f: RiskFlag): StoredRisk => ({ probability: Math.round(f.probability * 1000) / 1000, atAnswer: f.atAnswer, reasons: f.reasons, action: f.action });

/** One cell as the class view shows it. */
export interface ClassCell extends Omit<SkillSummary, 'status'> {
  status: CellStatus;
}

/** One student's line of the class view. */
export interface ClassLine {
  userId: string;
  name: string | null;
  answers: number;
  timeMs: number;
  lastAt: number | null;
  mastered: number;
  cells: ClassCell[];
}

/** Why one student may need help: the model's flags (most likely first), or today's rule when the model has none yet. */
export interface HelpEntry {
  userId: string;
  name: string | null;
  /** The highest probability among the student's flags (1 when past the point where mastery was still possible). */
  probability: number;
  flags: { skill: string; probability: number; reasons: RiskReason[]; action: RiskAction }[];
  /** Today's rule (3 wrong in a row, or 15 answers and nothing mastered), kept for the live view: it fires on the facts
   *  right away, while the model waits for a 4th answer of evidence (docs/risk.md: median flag at answer 4). */
  rule: AtRisk | null;
}

/**
 * The class view from stored summaries at `now`: review due derived from due_at; the model's action turned into
 * a small group on every skill where 3 or more students are flagged (engine/risk groupActions); the help list.
 */
export function assembleClass(
  learners: readonly { userId: string; name: string | null; answers: number; timeMs: number; lastAt: number | null; skills: readonly SkillSummary[] }[],
  skills: readonly string[],
  now: number,
): { lines: ClassLine[]; help: HelpEntry[] } {
  const raw: RiskFlag[] = [];
  const lines = learners.map((l): ClassLine => {
    const by = new Map(l.skills.map((s) => [s.skill, s]));
    const cells = skills.map((skill): ClassCell => {
      const s = by.get(skill) ?? empty(skill);
      const status: CellStatus = s.mastered ? (s.dueAt !== null && s.dueAt <= now ? 'review_due' : 'mastered') : s.status;
      if (s.risk) raw.push({ student: l.userId, skill, atAnswer: s.risk.atAnswer, probability: s.risk.probability, reasons: s.risk.reasons, action: s.risk.action });
      return { ...s, status };
    });
    const mastered = cells.filter((c) => c.status === 'mastered' || c.status === 'review_due').length;
    return { userId: l.userId, name: l.name, answers: l.answers, timeMs: l.timeMs, lastAt: l.lastAt, mastered, cells };
  });
  const grouped = groupActions(raw);
  const flagsOf = new Map<string, RiskFlag[]>();
  for (const f of grouped) flagsOf.set(f.student, [...(flagsOf.get(f.student) ?? []), f]);
  const help: HelpEntry[] = [];
  for (const line of lines) {
    const flags = (flagsOf.get(line.userId) ?? []).sort((a, b) => b.probability - a.probability);
    const wrongStreak = Math.max(0, ...line.cells.map((c) => (c.mastered ? 0 : c.wrongStreak)));
    const rule = flags.length ? null : atRiskOf({ wrongStreak, answered: line.answers, mastered: line.mastered });
    if (!flags.length && !rule) continue;
    help.push({
      userId: line.userId,
      name: line.name,
      probability: flags[0]?.probability ?? 0,
      flags: flags.map((f) => ({ skill: f.skill, probability: f.probability, reasons: f.reasons, action: f.action })),
      rule,
    });
  }
  help.sort((a, b) => b.probability - a.probability || (a.name ?? a.userId).localeCompare(b.name ?? b.userId));
  return { lines, help };
}

const empty = (skill: string): SkillSummary => ({
  skill, status: 'not_started', mastered: false, dueAt: null, mastery: 0, answers: 0, correct: 0, hints: 0, wrongStreak: 0, timeMs: 0, lastAt: null, risk: null,
});
