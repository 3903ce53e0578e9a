/**
 * The label and the prediction window. These use a whole sequence (its future), so they are for training and
 * evaluation only; predictions never call them.
 */
import type { SkillSnapshot } from './features.js';
import type { RiskAnswer, RiskDefinition } from './types.js';

export const seqKey = (student: string, skill: string): string => `${student}\u0000${skill}`;

export interface SequenceLabel {
  student: string;
  skill: string;
  /** Answers on the skill in the log. */
  length: number;
  /** 1-based answer at which the skill was mastered, or 0 if never. */
  masteredAt: number;
  /** True: wheel-spun or did not finish; false: mastered within the horizon; null: no label ('strict' only). */
  positive: boolean | null;
}

/** Labels every (student, skill) sequence of the log. */
export function labelSequences(answers: readonly RiskAnswer[], def: RiskDefinition): Map<string, SequenceLabel> {
  const seqs = new Map<string, SequenceLabel & { run: number }>();
  for (const a of answers) {
    const key = seqKey(a.student, a.skill);
    let s = seqs.get(key);
    if (!s) seqs.set(key, (s = { student: a.student, skill: a.skill, length: 0, masteredAt: 0, positive: null, run: 0 }));
    s.length++;
    s.run = a.correct ? s.run + 1 : 0;
    if (s.masteredAt === 0 && s.run >= def.masteryRun) s.masteredAt = s.length;
  }
  const out = new Map<string, SequenceLabel>();
  for (const [key, s] of seqs) {
    const mastered = s.masteredAt > 0 && s.masteredAt <= def.horizon;
    const decided = mastered || s.length >= def.horizon;
    const positive = mastered ? false : decided || def.label === 'unfinished' ? true : null;
    out.set(key, { student: s.student, skill: s.skill, length: s.length, masteredAt: s.masteredAt, positive });
  }
  return out;
}

/**
 * Whether a snapshot is a prediction point: the skill is not mastered yet and mastery within the horizon is
 * still possible (the answers left can still make the run). After that the outcome is already decided and a
 * flag would be a detection, not a prediction; the model and the rule are both judged inside this window.
 */
export function inWindow(s: Pick<SkillSnapshot, 'mastered' | 'k' | 'correctStreak'>, def: RiskDefinition): boolean {
  return !s.mastered && s.k + (def.masteryRun - s.correctStreak) <= def.horizon;
}
