/**
 * A student's history in one activity, as pure functions (no I/O): mastery of each skill after every
 * answer (the engine's replay of the attempt log, with the teacher's overrides applied when they happened),
 * and the student's common mistakes. The drill-down (student.service.ts) reads the rows and renders.
 */
import { applyAttempt, createState, knownAt, type LearnerState, type ResolvedConfig } from '../engine/index.js';
import type { AttemptRow } from '../practice/practice.repository.js';
import { applyOverride, markedByTeacher, type OverrideAction, type OverrideRecord } from './overrides.js';

/** One row of the attempt log as the drill-down reads it: the practice module's row, with its id. */
export type LoggedAttempt = Pick<
  AttemptRow,
  'itemId' | 'seed' | 'skills' | 'kind' | 'tryNumber' | 'counted' | 'response' | 'correct' | 'score' | 'hintsUsed' | 'timeMs' | 'difficulty' | 'remediates' | 'answeredAt'
> & { id: number };

export interface MasteryPoint {
  /** Step number: counted answers and studied examples so far (the chart's x). */
  step: number;
  at: number;
  /** Mastery in 0..1 as the progress panel would have shown it then. */
  mastery: number;
}

export interface HistoryEvent {
  step: number;
  at: number;
  action: OverrideAction;
  skill: string | null;
}

export interface MasteryHistory {
  /** Per skill of the assignment, its points in order (empty when never practised). */
  series: Map<string, MasteryPoint[]>;
  events: HistoryEvent[];
  steps: number;
  /** The state the replay ends in (the stored state is the source of truth; this is for the chart). */
  state: LearnerState;
}

/** Mastery of a skill at `at` as the progress panel shows it (not started: 0; a teacher's verdict: at least the level). */
function shown(state: LearnerState, skill: string, at: number, cfg: ResolvedConfig): number {
  const s = state.skills[skill];
  if (!s) return 0;
  const measured = s.answers === 0 ? 0 : knownAt(s, at, cfg);
  return markedByTeacher(s) ? Math.max(measured, cfg.masteryThreshold) : measured;
}

/**
 * Mastery over time: replays the counted attempts (first tries and studied examples, as the learner state
 * was built) with the overrides applied at their time, and records each practised skill after every step.
 */
export function masteryHistory(attempts: readonly LoggedAttempt[], overrides: readonly OverrideRecord[], skills: readonly string[], cfg: ResolvedConfig): MasteryHistory {
  const wanted = new Set(skills);
  const series = new Map<string, MasteryPoint[]>(skills.map((k) => [k, []]));
  const events: HistoryEvent[] = [];
  const pending = [...overrides].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id);
  let state = createState();
  let step = 0;
  let o = 0;
  const applyUpTo = (t: number) => {
    while (o < pending.length && pending[o]!.at.getTime() <= t) {
      const ov = pending[o++]!;
      const at = ov.at.getTime();
      state = applyOverride(state, ov.action, ov.skillId, cfg, at);
      events.push({ step, at, action: ov.action, skill: ov.skillId });
      if (ov.skillId && wanted.has(ov.skillId) && (ov.action === 'mastered' || ov.action === 'reset')) {
        series.get(ov.skillId)!.push({ step, at, mastery: shown(state, ov.skillId, at, cfg) });
      }
    }
  };
  for (const a of attempts) {
    if (!a.counted) continue;
    const at = a.answeredAt.getTime();
    applyUpTo(at - 1);
    state = applyAttempt(state, {
      itemId: a.itemId, skills: a.skills, correct: a.correct, score: a.score, hintsUsed: a.hintsUsed, at,
      difficulty: a.difficulty ?? undefined, kind: a.kind, remediates: a.remediates ?? undefined,
    }, cfg);
    step += 1;
    for (const k of new Set(a.skills)) if (wanted.has(k)) series.get(k)!.push({ step, at, mastery: shown(state, k, at, cfg) });
  }
  applyUpTo(Number.POSITIVE_INFINITY);
  return { series, events, steps: step, state };
}

/** A wrong answer the student gave more than once, or one of their most frequent ones. */
export interface FrequentMistake {
  itemId: string;
  /** The seed of the newest time it was given (to show that instance of a template). */
  seed: number;
  response: unknown;
  count: number;
  skills: string[];
  lastAt: Date;
}

export interface SkillMistakes {
  skill: string;
  answers: number;
  wrong: number;
  hints: number;
}

/** JSON key of a response (the same answer to the same item). */
const responseKey = (itemId: string, response: unknown) => `${itemId}\u0000${JSON.stringify(response ?? null)}`;

/**
 * The student's common mistakes: the wrong answers they gave most often (same item, same answer; the newest
 * first among equals) and, per skill, how many answers (every try) went wrong.
 */
export function commonMistakes(attempts: readonly LoggedAttempt[], skills: readonly string[], limit = 5): { answers: FrequentMistake[]; bySkill: SkillMistakes[] } {
  const groups = new Map<string, FrequentMistake>();
  const per = new Map<string, SkillMistakes>(skills.map((k) => [k, { skill: k, answers: 0, wrong: 0, hints: 0 }]));
  for (const a of attempts) {
    if (a.kind !== 'answer') continue;
    for (const k of new Set(a.skills)) {
      const p = per.get(k);
      if (!p) continue;
      p.answers += 1;
      if (!a.correct) p.wrong += 1;
      p.hints += a.hintsUsed;
    }
    if (a.correct || a.response === null || a.response === undefined) continue;
    const key = responseKey(a.itemId, a.response);
    const g = groups.get(key);
    if (g) {
      g.count += 1;
      if (a.answeredAt >= g.lastAt) { g.lastAt = a.answeredAt; g.seed = a.seed; }
    } else groups.set(key, { itemId: a.itemId, seed: a.seed, response: a.response, count: 1, skills: [...a.skills], lastAt: a.answeredAt });
  }
  const answers = [...groups.values()].sort((x, y) => y.count - x.count || y.lastAt.getTime() - x.lastAt.getTime()).slice(0, limit);
  const bySkill = [...per.values()].filter((p) => p.wrong > 0).sort((x, y) => y.wrong - x.wrong || y.wrong / y.answers - x.wrong / x.answers);
  return { answers, bySkill };
}

/** A response as plain text: a choice id is named by its label, an ordering by its labels in order. */
export function responseText(response: unknown, labels: ReadonlyMap<string, string> = new Map()): string {
  if (response === null || response === undefined) return '';
  const name = (v: unknown) => (typeof v === 'string' ? labels.get(v) ?? v : String(v));
  if (Array.isArray(response)) return response.map(name).join(', ');
  if (typeof response === 'string' || typeof response === 'number') return name(response);
  return JSON.stringify(response);
}
