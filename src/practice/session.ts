/**
 * The student's practice session (issue 17), pure: no I/O. A session is the run of practice since the student
 * came back after a break (SESSION_GAP_MS without an answer starts a new one). It holds the goal the student set,
 * the items seen (so no item comes back while unseen ones of its skill remain), what was practised, and the
 * points. Stored with the learner row (learner_states.session) and written in the answer's own statement.
 *
 * Points reward effort and correct work and never go down: a mistake earns the point for trying, "I don't
 * know" earns nothing and costs nothing, a studied worked example earns a point, a mastered skill a bonus.
 */

/** A break this long (no answer) ends a session: the next answer starts a new one. */
export const SESSION_GAP_MS = 30 * 60_000;
/** Items remembered per session (the no-repeat rule); the oldest are dropped first. */
export const MAX_SEEN = 100;

/** Points per event (see the module comment: nothing ever takes points away). */
export const POINTS = Object.freeze({
  /** Any answer on a first try (effort). */
  answered: 1,
  /** A right answer on the first try, on top of the effort point. */
  rightFirst: 2,
  /** A right answer on the second try. */
  rightSecond: 1,
  /** A studied worked example. */
  studied: 1,
  /** Each skill mastered. */
  mastered: 5,
});

/** What the student wants from this session. */
export type SessionGoal =
  | { kind: 'questions'; count: number }
  | { kind: 'minutes'; minutes: number }
  | { kind: 'skill'; skill: string };

/** The choices of the goal form, within these bounds. */
export const GOAL_LIMITS = Object.freeze({ questions: [1, 100] as const, minutes: [1, 120] as const });

export interface PracticeSession {
  /** When the session started and when the student last answered (ms). */
  startedAt: number;
  lastAt: number;
  goal: SessionGoal | null;
  /** When the goal was set and when it was met (ms), null while not. */
  goalSetAt: number | null;
  goalMetAt: number | null;
  /** Questions already answered when the goal was set (a question goal counts the ones after). */
  goalBase?: number;
  /** Questions finished on their first try's count (one per question), right on the first try, skipped. */
  answered: number;
  correct: number;
  skipped: number;
  /** Worked examples studied. */
  studied: number;
  /** Item ids shown and answered (or studied) this session, oldest first. */
  seen: string[];
  /** Per skill practised this session: questions and first-try right answers. */
  practised: Record<string, { answered: number; correct: number }>;
  /** Skills mastered during this session, in order. */
  mastered: string[];
  /** Points earned this session, and over every session of the assignment. */
  points: number;
  totalPoints: number;
}

/** A new session at `now`, carrying the total points of the previous one. */
export function newSession(now: number, previous?: PracticeSession | null): PracticeSession {
  return {
    startedAt: now, lastAt: now, goal: null, goalSetAt: null, goalMetAt: null, answered: 0, correct: 0, skipped: 0, studied: 0,
    seen: [], practised: {}, mastered: [], points: 0, totalPoints: previous?.totalPoints ?? 0,
  };
}

/** The session at `now`: the stored one if the student was active within SESSION_GAP_MS, else a new one. */
export function sessionAt(stored: PracticeSession | null | undefined, now: number): PracticeSession {
  if (!stored || !isSession(stored)) return newSession(now);
  if (now - stored.lastAt > SESSION_GAP_MS || now < stored.startedAt) return newSession(now, stored);
  return stored;
}

/** Whether stored JSON is a session of this shape (older rows have none). */
export function isSession(j: unknown): j is PracticeSession {
  const s = j as PracticeSession;
  return !!s && typeof s === 'object' && typeof s.startedAt === 'number' && Array.isArray(s.seen) && typeof s.practised === 'object' && s.practised !== null;
}

/** Parses the goal form's value: "questions:10", "minutes:15", "skill:<id>" or "none" (null: clear the goal). */
export function parseGoal(value: string, skills: readonly string[]): SessionGoal | null | undefined {
  if (value === 'none') return null;
  const i = value.indexOf(':');
  if (i < 0) return undefined;
  const kind = value.slice(0, i);
  const rest = value.slice(i + 1);
  if (kind === 'skill') return skills.includes(rest) ? { kind: 'skill', skill: rest } : undefined;
  if (kind !== 'questions' && kind !== 'minutes') return undefined;
  const n = Number(rest);
  const [lo, hi] = GOAL_LIMITS[kind];
  if (!Number.isInteger(n) || n < lo || n > hi) return undefined;
  return kind === 'questions' ? { kind, count: n } : { kind, minutes: n };
}

/** Sets (or clears) the goal at `now`; a goal already met by then counts as met at once. */
export function withGoal(s: PracticeSession, goal: SessionGoal | null, now: number, masteredSkills: ReadonlySet<string>): PracticeSession {
  const next: PracticeSession = { ...s, goal, goalSetAt: goal ? now : null, goalMetAt: null, goalBase: s.answered, lastAt: Math.max(s.lastAt, now) };
  return goal && goalStatus(next, now, masteredSkills)?.met ? { ...next, goalMetAt: now } : next;
}

/** One graded answer as the session counts it. */
export interface AnswerEvent {
  itemId: string;
  /** The skill the question practised (the item's first skill when the step named none). */
  skill: string;
  tryNumber: number;
  correct: boolean;
  /** "I don't know": a wrong answer without a guess. */
  skipped: boolean;
  at: number;
  /** Skills that became mastered with this answer. */
  masteredNow: readonly string[];
}

/** The session after an answer (a new session first if the student was away), with its points. */
export function afterAnswer(stored: PracticeSession | null | undefined, e: AnswerEvent, masteredSkills: ReadonlySet<string>): PracticeSession {
  const s = sessionAt(stored, e.at);
  const first = e.tryNumber === 1;
  let points = 0;
  if (first && !e.skipped) points += POINTS.answered;
  if (e.correct) points += first ? POINTS.rightFirst : POINTS.rightSecond;
  points += POINTS.mastered * e.masteredNow.length;
  const practised = { ...s.practised };
  if (first) {
    const p = practised[e.skill] ?? { answered: 0, correct: 0 };
    practised[e.skill] = { answered: p.answered + 1, correct: p.correct + (e.correct ? 1 : 0) };
  }
  const next: PracticeSession = {
    ...s,
    lastAt: e.at,
    answered: s.answered + (first ? 1 : 0),
    correct: s.correct + (first && e.correct ? 1 : 0),
    skipped: s.skipped + (e.skipped ? 1 : 0),
    seen: first ? seenWith(s.seen, e.itemId) : s.seen,
    practised,
    mastered: [...s.mastered, ...e.masteredNow.filter((m) => !s.mastered.includes(m))],
    points: s.points + points,
    totalPoints: s.totalPoints + points,
  };
  return metIfDone(next, e.at, masteredSkills);
}

/** The session after a studied worked example. */
export function afterStudied(stored: PracticeSession | null | undefined, itemId: string, at: number, masteredSkills: ReadonlySet<string>): PracticeSession {
  const s = sessionAt(stored, at);
  const next = { ...s, lastAt: at, studied: s.studied + 1, seen: seenWith(s.seen, itemId), points: s.points + POINTS.studied, totalPoints: s.totalPoints + POINTS.studied };
  return metIfDone(next, at, masteredSkills);
}

function seenWith(seen: readonly string[], itemId: string): string[] {
  const out = seen.includes(itemId) ? [...seen] : [...seen, itemId];
  return out.length > MAX_SEEN ? out.slice(-MAX_SEEN) : out;
}

function metIfDone(s: PracticeSession, at: number, masteredSkills: ReadonlySet<string>): PracticeSession {
  if (!s.goal || s.goalMetAt !== null) return s;
  return goalStatus(s, at, masteredSkills)?.met ? { ...s, goalMetAt: at } : s;
}

/** How far the goal is: `done` of `target` (questions, minutes, or 0/1 for a skill), and whether it is met. */
export interface GoalStatus {
  goal: SessionGoal;
  done: number;
  target: number;
  met: boolean;
}

/** The goal's progress at `now` (null without a goal). Minutes count from the session's start to its last answer. */
export function goalStatus(s: PracticeSession, now: number, masteredSkills: ReadonlySet<string>): GoalStatus | null {
  const g = s.goal;
  if (!g) return null;
  if (s.goalMetAt !== null) {
    const target = g.kind === 'questions' ? g.count : g.kind === 'minutes' ? g.minutes : 1;
    return { goal: g, done: target, target, met: true };
  }
  if (g.kind === 'questions') {
    // Questions answered since the goal was set.
    const done = Math.min(g.count, s.answered - (s.goalBase ?? 0));
    return { goal: g, done: Math.max(0, done), target: g.count, met: done >= g.count };
  }
  if (g.kind === 'minutes') {
    const from = s.goalSetAt ?? s.startedAt;
    const done = Math.min(g.minutes, Math.floor(Math.max(0, Math.min(now, Math.max(s.lastAt, from)) - from) / 60_000));
    return { goal: g, done, target: g.minutes, met: done >= g.minutes };
  }
  const met = masteredSkills.has(g.skill);
  return { goal: g, done: met ? 1 : 0, target: 1, met };
}
