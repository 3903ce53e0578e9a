import type pg from 'pg';
import { knownAt, replay, resolveConfig, skillState, type Attempt, type LearnerState, type ResolvedConfig } from '../engine/index.js';
import type { PackEntry } from '../content/catalog.js';
import { markedByTeacher } from '../dashboard/overrides.js';
import { learnerAttempts, type Assignment, type LearnerKey } from './practice.repository.js';

export type SkillStatus = 'not_started' | 'practising' | 'mastered' | 'review_due';

/** A skill of the assignment as the student's progress panel shows it. */
export interface SkillProgress {
  id: string;
  name: string;
  mastery: number;
  status: SkillStatus;
  prerequisites: { id: string; name: string }[];
  open: boolean;
  /** When the skill was last declared mastered (ms), for "you mastered this 9 days ago". */
  masteredAt: number | null;
  /** More answers until mastery at the student's current rate (src/engine/estimate.ts; the student page only). */
  toGo?: number | null;
  /** The fewest more answers mastery could take (all right), shown when toGo is null. */
  atLeast?: number | null;
}

export interface Progress {
  skills: SkillProgress[];
  mastered: number;
  total: number;
  done: boolean;
}

/** The engine's configuration of an assignment on its pack's model. */
export function configOf(a: Assignment, cache: PackEntry): ResolvedConfig {
  return resolveConfig({ skills: a.skills, masteryThreshold: a.threshold, targetSuccess: a.targetSuccess, allowStudentChoice: a.allowChoice, model: cache.model });
}

/** The progress panel: mastery and status per assigned skill at `now`. */
export function progressOf(state: LearnerState, a: Assignment, cache: PackEntry, now: number): Progress {
  const cfg = configOf(a, cache);
  const skills = a.skills.map((id): SkillProgress => {
    const s = skillState(state, id, cfg);
    // Not started: 0 (the model's prior for a new skill is not the student's progress).
    const measured = s.answers === 0 ? 0 : knownAt(s, now, cfg);
    // A verdict a teacher gave (src/dashboard/overrides.ts) reads at least the mastery level while it stands.
    const mastery = markedByTeacher(s) ? Math.max(measured, cfg.masteryThreshold) : measured;
    const status: SkillStatus = s.mastered ? (s.dueAt !== null && s.dueAt <= now ? 'review_due' : 'mastered') : s.answers === 0 ? 'not_started' : 'practising';
    const node = cache.bank.byId.get(id);
    const prereqs = (node?.prerequisites ?? []).filter((p) => a.skills.includes(p));
    const open = prereqs.every((p) => { const k = skillState(state, p, cfg); return k.mastered || k.parkedAt !== null; });
    return { id, name: cache.skillNames.get(id) ?? id, mastery, status, prerequisites: prereqs.map((p) => ({ id: p, name: cache.skillNames.get(p) ?? p })), open, masteredAt: s.mastered ? s.masteredAt : null };
  });
  const mastered = skills.filter((s) => s.status === 'mastered' || s.status === 'review_due').length;
  return { skills, mastered, total: skills.length, done: mastered === skills.length && skills.length > 0 };
}

/** The learner state replayed from the attempt log with the current model (older stored states). */
export async function rebuildState(pool: pg.Pool, key: LearnerKey, a: Assignment, cache: PackEntry): Promise<LearnerState> {
  const log = await learnerAttempts(pool, key);
  const attempts: Attempt[] = log.map((r) => ({
    itemId: r.item_id, skills: r.skills, correct: r.correct, score: r.score, hintsUsed: r.hints_used, at: r.answered_at.getTime(),
    difficulty: r.difficulty ?? undefined, kind: r.kind, remediates: r.remediates ?? undefined,
  }));
  return replay(attempts, configOf(a, cache));
}
