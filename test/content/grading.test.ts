import { expect } from 'chai';
import { grade } from '../../src/content/grading.js';
import { parseNumber } from '../../src/content/numbers.js';
import { buildItem } from './factories.js';

describe('content grading', () => {
  describe('single choice', () => {
    const item = buildItem('single_choice', { feedback: { incorrect: 'Not quite.' } });
    it('marks the right choice correct with score 1', () => {
      expect(grade(item, 'a')).to.deep.include({ correct: true, score: 1 });
    });
    it("shows a distractor's own feedback", () => {
      expect(grade(item, 'b')).to.deep.equal({ correct: false, score: 0, feedback: 'Count the parts again.' });
    });
    it('answers unknown ids, several ids and non-strings with a message', () => {
      for (const r of ['zz', ['a', 'b'], 42, null, { a: 1 }, undefined]) {
        const g = grade(item, r);
        expect(g.correct).to.equal(false);
        expect(g.message).to.equal('Choose one of the options.');
      }
    });
  });

  describe('multiple choice', () => {
    const strict = buildItem('multiple_choice');
    const partial = buildItem('multiple_choice', { scoring: 'partial' });
    it('needs exactly the right set when all-or-nothing', () => {
      expect(grade(strict, ['b', 'a']).correct).to.equal(true);
      expect(grade(strict, ['a']).score).to.equal(0);
      expect(grade(strict, ['a', 'b', 'd']).score).to.equal(0);
    });
    it('gives partial credit (right - wrong) / right, floored at 0', () => {
      expect(grade(partial, ['a'])).to.deep.include({ correct: false, score: 0.5 });
      expect(grade(partial, ['a', 'b', 'c']).score).to.equal(0.5);
      expect(grade(partial, ['a', 'c', 'd']).score).to.equal(0);
      expect(grade(partial, ['a', 'b'])).to.deep.include({ correct: true, score: 1 });
    });
    it('ignores duplicate ids and joins feedback of picked choices', () => {
      expect(grade(strict, ['a', 'a', 'b']).correct).to.equal(true);
      expect(grade(strict, ['a', 'c']).feedback).to.equal('2/3 is more than a half.');
    });
    it('asks for a selection when empty or unknown', () => {
      expect(grade(strict, []).message).to.match(/at least one/);
      expect(grade(strict, ['a', 'x']).message).to.match(/only the options/);
    });
  });

  describe('numeric', () => {
    const item = buildItem('numeric', {
      answer: '3/4',
      wrongAnswers: [{ answer: '3/8', feedback: 'You added the denominators.' }],
      feedback: { correct: 'Well done.', incorrect: 'Try again.' },
    });
    it('accepts fractions, equivalent fractions, decimals, percent-free forms', () => {
      for (const r of ['3/4', '6/8', '0.75', '.75', ' 3 / 4 ', '0,75', '¾', '75/100']) expect(grade(item, r).correct, r).to.equal(true);
    });
    it('gives the feedback of a common wrong answer, else the item feedback', () => {
      expect(grade(item, '3/8').feedback).to.equal('You added the denominators.');
      expect(grade(item, '6/16').feedback).to.equal('You added the denominators.');
      expect(grade(item, '1')).to.deep.equal({ correct: false, score: 0, feedback: 'Try again.' });
      expect(grade(item, '3/4').feedback).to.equal('Well done.');
    });
    it('reads mixed numbers, negatives and unicode minus', () => {
      const mixed = buildItem('numeric', { answer: '1 1/2' });
      for (const r of ['1 1/2', '3/2', '1.5', '1½', '6/4']) expect(grade(mixed, r).correct, r).to.equal(true);
      const neg = buildItem('numeric', { answer: -2.5 });
      for (const r of ['-2.5', '−2.5', '-2 1/2', '-5/2']) expect(grade(neg, r).correct, r).to.equal(true);
      expect(grade(neg, '2.5').correct).to.equal(false);
    });
    it('explains malformed numbers instead of throwing', () => {
      for (const r of ['', 'abc', '3/', '/4', '1 2 3', '3//4', 'x'.repeat(600), null, ['1', '2'], {}]) {
        const g = grade(item, r);
        expect(g.correct, String(r)).to.equal(false);
        expect(g.message, String(r)).to.match(/Enter a number such as 3\/4/);
      }
      expect(grade(item, '3/0').message).to.equal("The denominator can't be 0.");
    });
    it('applies absolute and relative tolerance', () => {
      const abs = buildItem('numeric', { answer: 3.14159, tolerance: { absolute: 0.01 } });
      expect(grade(abs, '3.14').correct).to.equal(true);
      expect(grade(abs, '3.13').correct).to.equal(false);
      const rel = buildItem('numeric', { answer: 1000, tolerance: { relative: 0.05 } });
      expect(grade(rel, '1049').correct).to.equal(true);
      expect(grade(rel, '1,051').correct).to.equal(false);
      expect(grade(buildItem('numeric', { answer: '1/3' }), '0.333').correct).to.equal(false);
    });
    it('accepts listed units, refuses others, and can require one', () => {
      const cm = buildItem('numeric', { answer: 12, units: ['cm', 'centimeters'] });
      expect(grade(cm, '12 cm').correct).to.equal(true);
      expect(grade(cm, '12CM').correct).to.equal(true);
      expect(grade(cm, '12 centimeters').correct).to.equal(true);
      expect(grade(cm, '12').correct).to.equal(true);
      expect(grade(cm, '12 kg').message).to.equal('Use one of these units: cm, centimeters.');
      const required = buildItem('numeric', { answer: 12, units: ['cm'], unitRequired: true });
      expect(grade(required, '12').message).to.match(/Include the unit/);
      expect(grade(buildItem('numeric', { answer: 3 }), '3 apples').message).to.match(/without a unit/);
    });
    it('can require a fraction in simplest form', () => {
      const simple = buildItem('numeric', { answer: '3/4', requireSimplified: true });
      expect(grade(simple, '3/4').correct).to.equal(true);
      expect(grade(simple, '0.75').correct).to.equal(true);
      const g = grade(simple, '6/8');
      expect(g).to.deep.include({ correct: false, score: 0 });
      expect(g.feedback).to.match(/simplest form/);
      expect(grade(buildItem('numeric', { answer: 2, requireSimplified: true }), '4/2').correct).to.equal(false);
      expect(grade(buildItem('numeric', { answer: '5/4', requireSimplified: true }), '1 2/8').correct).to.equal(false);
    });
  });

  describe('parseNumber', () => {
    it('reads thousands separators and the unit', () => {
      expect(parseNumber('1,250 m')).to.deep.equal({ ok: true, number: { value: 1250, kind: 'integer', unit: 'm' } });
      expect(parseNumber('2 3/4 cups')).to.deep.include({ ok: true });
    });
  });

  describe('short text', () => {
    const item = buildItem('short_text', { answers: ['numerator'], wrongAnswers: [{ answer: 'denominator', feedback: 'That is the bottom number.' }] });
    it('ignores case and collapses whitespace by default', () => {
      for (const r of ['numerator', ' Numerator ', 'NUMERATOR']) expect(grade(item, r).correct, r).to.equal(true);
      expect(grade(item, 'numer ator').correct).to.equal(false);
    });
    it('respects caseSensitive and whitespace rules', () => {
      const cs = buildItem('short_text', { answers: ['Pi'], caseSensitive: true });
      expect(grade(cs, 'Pi').correct).to.equal(true);
      expect(grade(cs, 'pi').correct).to.equal(false);
      const ignore = buildItem('short_text', { answers: ['one half'], whitespace: 'ignore' });
      expect(grade(ignore, 'onehalf').correct).to.equal(true);
      const exact = buildItem('short_text', { answers: ['a b'], whitespace: 'exact' });
      expect(grade(exact, 'a  b').correct).to.equal(false);
      expect(grade(exact, 'A b').correct).to.equal(true);
    });
    it('accepts a full-match regex', () => {
      const re = buildItem('short_text', { answers: [], regex: 'one[- ]?half|1/2' });
      expect(grade(re, 'One-half').correct).to.equal(true);
      expect(grade(re, '1/2').correct).to.equal(true);
      expect(grade(re, 'one half and more').correct).to.equal(false);
    });
    it('gives wrong-answer feedback and messages for empty answers', () => {
      expect(grade(item, 'Denominator').feedback).to.equal('That is the bottom number.');
      expect(grade(item, '   ').message).to.match(/Type your answer/);
      expect(grade(item, 7).correct).to.equal(false);
    });
  });

  describe('math expression', () => {
    const item = buildItem('math_expression', { answer: '2x + 2', wrongAnswers: [{ answer: '2x + 1', feedback: 'Multiply both terms by 2.' }] });
    it('accepts equivalent expressions', () => {
      for (const r of ['2(x+1)', '2x+2', '2*x + 2', 'x + x + 2', '(4x + 4)/2', '2 + 2x', '2·x+2']) expect(grade(item, r).correct, r).to.equal(true);
    });
    it('refuses non-equivalent ones and finds the wrong-answer feedback by equivalence', () => {
      expect(grade(item, '2x').correct).to.equal(false);
      expect(grade(item, 'x^2 + 2').correct).to.equal(false);
      expect(grade(item, '1 + 2x').feedback).to.equal('Multiply both terms by 2.');
    });
    it('handles several variables and rational expressions', () => {
      const two = buildItem('math_expression', { answer: '(a+b)^2' });
      expect(grade(two, 'a^2 + 2a*b + b^2').correct).to.equal(true);
      expect(grade(two, 'a^2 + b^2').correct).to.equal(false);
      const frac = buildItem('math_expression', { answer: '1/2 + 1/3' });
      expect(grade(frac, '5/6').correct).to.equal(true);
      expect(grade(frac, '2/5').correct).to.equal(false);
    });
    it('explains unreadable or unsafe expressions', () => {
      expect(grade(item, '2(x+').message).to.match(/could not be read/);
      expect(grade(item, '2y + 2').message).to.match(/Use only the variable x/);
      expect(grade(item, 'import({}, {})').message).to.match(/not allowed/);
      expect(grade(item, 'x = 3').message).to.match(/Enter an expression/);
      expect(grade(item, 'f(x) = 2x').correct).to.equal(false);
      expect(grade(item, '').message).to.match(/Enter an expression in x/);
      expect(grade(item, 'x'.repeat(300)).message).to.match(/too long/);
    });
    it('is deterministic', () => {
      expect(grade(item, '2(x+1)')).to.deep.equal(grade(item, '2(x+1)'));
    });
  });

  describe('ordering', () => {
    const strict = buildItem('ordering');
    const partial = buildItem('ordering', { scoring: 'partial' });
    it('needs the exact order when all-or-nothing', () => {
      expect(grade(strict, ['q', 'h', 't']).correct).to.equal(true);
      expect(grade(strict, ['h', 'q', 't']).score).to.equal(0);
    });
    it('gives the share of pairs in the right relative order when partial', () => {
      expect(grade(partial, ['h', 'q', 't']).score).to.be.closeTo(2 / 3, 1e-9);
      expect(grade(partial, ['t', 'h', 'q']).score).to.equal(0);
    });
    it('asks for a permutation otherwise', () => {
      for (const r of [['q', 'h'], ['q', 'q', 't'], ['q', 'h', 'x'], 'q', 3]) expect(grade(strict, r).message).to.match(/each exactly once/);
    });
  });

  it('refuses to grade an un-instantiated template', () => {
    const t = buildItem('numeric', { answer: '{{a}}', template: { variables: { a: { min: 1, max: 3 } } } });
    expect(() => grade(t, '1')).to.throw(/template/);
  });
});
