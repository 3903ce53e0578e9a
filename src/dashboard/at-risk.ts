/**
 * Who may need help, as pure rules over one student's figures. A verdict is a message CODE with its
 * parameters; the view translates it (`t('dashboard.at_risk.' + code, params)`, src/i18n/*.json).
 * src/engine/risk/rule.ts replays the same rule over an answer stream for comparison.
 */

/** A student is flagged at risk after this many wrong answers in a row on one skill… */
export const AT_RISK_WRONG_STREAK = 3;
/** …or after this many answers without mastering any skill. */
export const AT_RISK_ANSWERS = 15;

export type AtRisk =
  | { code: 'wrong_streak'; params: { n: number } }
  | { code: 'no_mastery'; params: { n: number } };

/** What the rules look at: the longest wrong streak over the assigned skills, answers, skills mastered. */
export interface RiskFigures {
  wrongStreak: number;
  answered: number;
  mastered: number;
}

/** Why the student may need help (the wrong streak first), or null. */
export function atRiskOf(f: RiskFigures): AtRisk | null {
  if (f.wrongStreak >= AT_RISK_WRONG_STREAK) return { code: 'wrong_streak', params: { n: f.wrongStreak } };
  if (f.answered >= AT_RISK_ANSWERS && f.mastered === 0) return { code: 'no_mastery', params: { n: f.answered } };
  return null;
}
