/**
 * Teacher overrides of a learner's progress, as pure functions over the engine's learner state (no I/O;
 * the writes are in overrides.service.ts). How an override lives on with the student's later answers:
 *
 * - **Marked mastered**: the skill's verdict becomes mastered now (`masteredAt`), marked as the teacher's
 *   (`markedAt` = `masteredAt`), with no review scheduled; the progress panel, the class view and the grade
 *   read its mastery as at least the mastery level while that verdict stands (src/practice/progress.ts). The
 *   student's later answers keep feeding the model; the verdict lapses by the engine's usual rule only (a
 *   wrong answer that leaves the estimate well below the mastery level), and practice on it then resumes.
 * - **Reset**: the skill starts afresh (no answers, the model's prior for this student); the earlier
 *   answers stay in the attempt log and in the drill-down, marked as before the reset.
 * - **Excused**: the LMS grade is cleared (a score without scoreGiven). The student may still practise; an
 *   answer given after the excusal sends their grade again (the excusal ends with their own work), and the
 *   drill-down says so.
 */
import { skillState, type LearnerState, type ResolvedConfig, type SkillState } from '../engine/index.js';

export const OVERRIDE_ACTIONS = ['mastered', 'reset', 'excused', 'unexcused'] as const;
export type OverrideAction = (typeof OVERRIDE_ACTIONS)[number];
/** Actions that are about one skill (the others are about the whole activity). */
export const SKILL_ACTIONS: readonly OverrideAction[] = ['mastered', 'reset'];

/** A skill state with the teacher's mark (see the module). */
export type MarkedSkill = SkillState & { markedAt?: number | null };

/** One row of the audit trail. */
export interface OverrideRecord {
  id: number;
  userId: string;
  skillId: string | null;
  action: OverrideAction;
  reason: string;
  byUser: string | null;
  byName: string | null;
  byRole: string | null;
  graded: boolean;
  at: Date;
}

/** Whether the skill's current mastered verdict is the teacher's (not one the engine reached since). */
export function markedByTeacher(s: SkillState | undefined): boolean {
  const m = s as MarkedSkill | undefined;
  return Boolean(m && m.mastered && m.markedAt != null && m.markedAt === m.masteredAt);
}

/** The state with `skill` marked mastered by a teacher at `now` (a new state; the input is not changed). */
export function markMastered(state: LearnerState, skill: string, cfg: ResolvedConfig, now: number): LearnerState {
  const s: MarkedSkill = { ...skillState(state, skill, cfg) };
  s.m = { ...s.m };
  s.mastered = true;
  s.masteredAt = now;
  s.markedAt = now;
  s.parkedAt = null;
  s.dueAt = null;
  s.wrongStreak = 0;
  s.remediations = 0;
  s.stall = 0;
  return { ...state, skills: { ...state.skills, [skill]: s } };
}

/** The state with `skill` started afresh: no answers on it, the model's prior for this student. */
export function resetSkill(state: LearnerState, skill: string): LearnerState {
  const skills = { ...state.skills };
  delete skills[skill];
  return { ...state, skills, lastSkill: state.lastSkill === skill ? null : state.lastSkill };
}

/** The state after one skill override (excusals do not change the learner state). */
export function applyOverride(state: LearnerState, action: OverrideAction, skill: string | null, cfg: ResolvedConfig, now: number): LearnerState {
  if (action === 'mastered' && skill) return markMastered(state, skill, cfg, now);
  if (action === 'reset' && skill) return resetSkill(state, skill);
  return state;
}

/**
 * Whether the student is excused now: the newest excusal is not followed by an un-excusal, nor by an
 * answer of the student (their own work sends their grade again).
 */
export function excusal(history: readonly OverrideRecord[], lastAnswerAt: Date | null): { excused: boolean; since: OverrideRecord | null; endedByAnswer: boolean } {
  const last = [...history].filter((h) => h.action === 'excused' || h.action === 'unexcused').sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id).pop();
  if (!last || last.action !== 'excused') return { excused: false, since: null, endedByAnswer: false };
  if (lastAnswerAt && lastAnswerAt.getTime() > last.at.getTime()) return { excused: false, since: last, endedByAnswer: true };
  return { excused: true, since: last, endedByAnswer: false };
}

/** The newest override of each skill (what the drill-down shows beside the skill). */
export function latestBySkill(history: readonly OverrideRecord[]): Map<string, OverrideRecord> {
  const out = new Map<string, OverrideRecord>();
  for (const h of [...history].sort((a, b) => a.at.getTime() - b.at.getTime() || a.id - b.id)) if (h.skillId) out.set(h.skillId, h);
  return out;
}
