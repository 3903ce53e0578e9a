/**
 * Today's at-risk rule (src/dashboard/at-risk.ts, atRiskOf) over an answer stream, for comparison:
 * a student is at risk on a skill after 3 wrong answers in a row on it, or after 15 answers (on every skill)
 * with no skill mastered. "Mastered" here is the evaluation's notion (`masteryRun` correct in a row); the
 * class view uses the learner model's P(known), which a `student,skill,correct` log cannot reproduce.
 */
import { DEFAULT_DEFINITION, type RiskAnswer, type RiskDefinition, type RiskReason } from './types.js';

/** The constants of today's rule (mirrors AT_RISK_WRONG_STREAK and AT_RISK_ANSWERS of src/dashboard/at-risk.ts). */
export const RULE = { wrongStreak: 3, answers: 15 } as const;

export interface RuleStep {
  student: string;
  skill: string;
  /** 1-based answer index on the skill. */
  k: number;
  /** Why the rule flags the student on this skill after this answer, or null. */
  reason: RiskReason | null;
}

/** The rule's verdict after each answer of the stream, in stream order (answer i's verdict uses answers ≤ i). */
export function todayRule(answers: readonly RiskAnswer[], def: RiskDefinition = DEFAULT_DEFINITION, rule = RULE): RuleStep[] {
  const students = new Map<string, { total: number; mastered: number; skills: Map<string, { k: number; wrong: number; right: number; mastered: boolean }> }>();
  const out: RuleStep[] = [];
  for (const a of answers) {
    let st = students.get(a.student);
    if (!st) students.set(a.student, (st = { total: 0, mastered: 0, skills: new Map() }));
    let sk = st.skills.get(a.skill);
    if (!sk) st.skills.set(a.skill, (sk = { k: 0, wrong: 0, right: 0, mastered: false }));
    sk.k++;
    st.total++;
    if (a.correct) {
      sk.right++;
      sk.wrong = 0;
      if (!sk.mastered && sk.right >= def.masteryRun) {
        sk.mastered = true;
        st.mastered++;
      }
    } else {
      sk.wrong++;
      sk.right = 0;
    }
    let reason: RiskReason | null = null;
    if (sk.wrong >= rule.wrongStreak) reason = { code: 'wrong_streak', skill: a.skill, count: sk.wrong };
    else if (st.total >= rule.answers && st.mastered === 0) reason = { code: 'no_skill_mastered', answers: st.total };
    out.push({ student: a.student, skill: a.skill, k: sk.k, reason });
  }
  return out;
}
