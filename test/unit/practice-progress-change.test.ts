// The progress panel never drops silently: a bar that went down since the page that sent the answer says why.
import { expect } from 'chai';
import { translator } from '../../src/i18n/index.js';
import { parseShownBefore, presentProgress } from '../../src/practice/practice.presenter.js';
import type { Progress } from '../../src/practice/practice.service.js';

const progress = (mastery: number): Progress => ({
  mastered: 0, total: 2, done: false,
  skills: [
    { id: 'unit-fractions', name: 'Unit fractions', mastery, status: 'practising', prerequisites: [], open: true },
    { id: 'simplest-form', name: 'Simplest form', mastery: 0.2, status: 'not_started', prerequisites: [], open: false },
  ],
} as unknown as Progress);

describe('practice presenter: changes of mastery since the last page', () => {
  const t = translator('en');
  it('parses the form field and ignores malformed pairs', () => {
    expect([...parseShownBefore('unit-fractions:65,a:b:7,bad,x:101,y:-1,z:3.5')]).to.deep.equal([['unit-fractions', 65], ['a:b', 7]]);
    expect(parseShownBefore(undefined).size).to.equal(0);
    expect(parseShownBefore('x'.repeat(5000)).size).to.equal(0);
  });
  it('explains a drop after two misses in a row, after one miss, and after time without a miss', () => {
    const before = (wrong: boolean, missedTwo: boolean) => ({ percents: parseShownBefore('unit-fractions:65,simplest-form:0'), wrong, missedTwo });
    const two = presentProgress(progress(0.35), t, before(true, true)).skills[0].change;
    expect(two).to.deep.equal({ down: true, text: 'Unit fractions went down from 65% to 35% because you missed two in a row. That is normal: a few right answers bring it back.' });
    expect(presentProgress(progress(0.5), t, before(true, false)).skills[0].change!.text).to.contain('because that answer was not right');
    expect(presentProgress(progress(0.6), t, before(false, false)).skills[0].change!.text).to.contain('some time has passed');
    expect(presentProgress(progress(0.8), t, before(false, false)).skills[0].change).to.deep.equal({ down: false, text: 'Unit fractions went up from 65% to 80%.' });
    expect(presentProgress(progress(0.35), t, before(true, true)).skills[1].change, 'a skill not started shows 0, unchanged').to.equal(null);
    expect(presentProgress(progress(0.35), t).skills[0].change, 'no previous page, nothing to compare').to.equal(null);
  });
  it('says it in Spanish', () => {
    const c = presentProgress(progress(0.35), translator('es'), { percents: parseShownBefore('unit-fractions:65'), wrong: true, missedTwo: true }).skills[0].change!;
    expect(c.text).to.equal('Unit fractions bajó de 65 % a 35 % porque fallaste dos seguidas. Es normal: unas pocas respuestas correctas lo recuperan.');
  });
});
