// The class view's at-risk rules are pure: figures in, a message code with parameters out (translated in the view).
import { expect } from 'chai';
import { AT_RISK_ANSWERS, AT_RISK_WRONG_STREAK, atRiskOf } from '../../src/dashboard/at-risk.js';
import { RULE } from '../../src/engine/risk/rule.js';
import { LANGUAGES, translator } from '../../src/i18n/index.js';

describe('dashboard: at-risk rules', () => {
  it('flags a wrong streak on one skill, from the threshold on', () => {
    expect(atRiskOf({ wrongStreak: AT_RISK_WRONG_STREAK - 1, answered: 2, mastered: 0 })).to.equal(null);
    expect(atRiskOf({ wrongStreak: AT_RISK_WRONG_STREAK, answered: 3, mastered: 0 })).to.deep.equal({ code: 'wrong_streak', params: { n: 3 } });
    expect(atRiskOf({ wrongStreak: 5, answered: 40, mastered: 2 })).to.deep.equal({ code: 'wrong_streak', params: { n: 5 } });
  });

  it('flags many answers with no skill mastered, and not once a skill is mastered', () => {
    expect(atRiskOf({ wrongStreak: 0, answered: AT_RISK_ANSWERS - 1, mastered: 0 })).to.equal(null);
    expect(atRiskOf({ wrongStreak: 2, answered: AT_RISK_ANSWERS, mastered: 0 })).to.deep.equal({ code: 'no_mastery', params: { n: 15 } });
    expect(atRiskOf({ wrongStreak: 2, answered: 30, mastered: 1 })).to.equal(null);
  });

  it('names the wrong streak first when both rules hold', () => {
    expect(atRiskOf({ wrongStreak: 4, answered: 20, mastered: 0 })?.code).to.equal('wrong_streak');
  });

  it('agrees with the constants the risk evaluation replays', () => {
    expect(RULE).to.deep.equal({ wrongStreak: AT_RISK_WRONG_STREAK, answers: AT_RISK_ANSWERS });
  });

  it('has a message for every code in every language (English as before the codes)', () => {
    const en = translator('en');
    expect(en('dashboard.at_risk.wrong_streak', { n: 3 })).to.equal('3 wrong answers in a row');
    expect(en('dashboard.at_risk.no_mastery', { n: 15 })).to.equal('15 answers and no skill mastered yet');
    for (const l of LANGUAGES) {
      const t = translator(l);
      for (const code of ['wrong_streak', 'no_mastery']) {
        const text = t(`dashboard.at_risk.${code}`, { n: 7 });
        expect(text, `${l} ${code}`).to.contain('7').and.not.contain('dashboard.');
        if (l !== 'en') expect(text, `${l} ${code} translated`).to.not.equal(en(`dashboard.at_risk.${code}`, { n: 7 }));
      }
    }
  });
});
