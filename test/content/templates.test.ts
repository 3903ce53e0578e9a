import { expect } from 'chai';
import { grade, correctResponse } from '../../src/content/grading.js';
import { instantiate, instanceKey, TemplateError } from '../../src/content/templates.js';
import { buildItem } from './factories.js';

const addLike = buildItem('numeric', {
  id: 'add-like-t',
  stem: 'What is $\\frac{{{a}}}{{{d}}} + \\frac{{{b}}}{{{d}}}$?',
  answer: '{{a + b}}/{{d}}',
  hints: ['Keep the denominator {{d}}.'],
  wrongAnswers: [{ answer: '{{a + b}}/{{2 d}}', feedback: 'Do not add the denominators.' }],
  template: {
    variables: { d: { min: 3, max: 40 }, a: { min: 1, max: 'd - 2' }, b: { min: 1, max: 'd - a - 1' } },
    constraints: ['a + b < d'],
  },
});

describe('content templates', () => {
  it('is fully determined by (template, seed)', () => {
    for (const seed of [0, 1, 7, 123456, 2 ** 32 - 1]) {
      expect(instantiate(addLike, seed)).to.deep.equal(instantiate(addLike, seed));
    }
  });

  it('fills every placeholder, including inside LaTeX braces and hints', () => {
    const { item, values } = instantiate(addLike, 5);
    expect(item.stem).to.equal(`What is $\\frac{${values.a}}{${values.d}} + \\frac{${values.b}}{${values.d}}$?`);
    expect(item.hints[0]).to.equal(`Keep the denominator ${values.d}.`);
    expect(item.template).to.equal(undefined);
    expect(item.id).to.equal('add-like-t');
  });

  it('grades its own answer correct and its distractor incorrect for every seed', () => {
    for (let seed = 0; seed < 200; seed++) {
      const { item } = instantiate(addLike, seed);
      expect(grade(item, correctResponse(item)).correct).to.equal(true);
      if (item.type !== 'numeric') throw new Error('type');
      expect(grade(item, String(item.wrongAnswers[0]!.answer)).correct).to.equal(false);
    }
  });

  it('yields thousands of distinct instances', () => {
    const stems = new Set<string>();
    for (let seed = 0; seed < 5000; seed++) stems.add(instantiate(addLike, seed).item.stem);
    expect(stems.size).to.be.greaterThan(2000);
  });

  it('respects constraints, choices and computed variables', () => {
    const t = buildItem('numeric', {
      stem: '{{n}} / {{k}} = ?',
      answer: '{{q}}',
      template: {
        variables: { k: { choices: [2, 3, 5] }, n: { min: 1, max: 50 }, q: { expr: 'n / k' } },
        constraints: ['isInteger(q)', 'n != k'],
      },
    });
    for (let seed = 0; seed < 300; seed++) {
      const { values } = instantiate(t, seed);
      expect([2, 3, 5]).to.include(values.k);
      expect(Number.isInteger(values.q)).to.equal(true);
      expect(values.n).to.not.equal(values.k);
    }
  });

  it('redraws instances where a distractor would equal the answer or choices would repeat', () => {
    const t = buildItem('single_choice', {
      stem: 'Which equals {{a}} x 2?',
      choices: [
        { id: 'right', text: '{{2 a}}', correct: true },
        { id: 'square', text: '{{a ^ 2}}' },
      ],
      template: { variables: { a: { min: 0, max: 3 } } },
    });
    for (let seed = 0; seed < 100; seed++) {
      const { values } = instantiate(t, seed);
      expect(values.a).to.be.oneOf([1, 3]);
    }
  });

  it('supports stepped ranges and formats decimals without float noise', () => {
    const t = buildItem('numeric', { stem: '{{x}} + 0.2', answer: '{{x + 0.2}}', template: { variables: { x: { min: 0.1, max: 0.5, step: 0.1 } } } });
    for (let seed = 0; seed < 50; seed++) {
      const { item } = instantiate(t, seed);
      expect(item.stem).to.match(/^0\.[1-5] \+ 0\.2$/);
      if (item.type === 'numeric') expect(String(item.answer)).to.match(/^0\.[3-7]$/);
    }
  });

  it('names the template when it cannot be instantiated', () => {
    const impossible = buildItem('numeric', { id: 'imp', answer: '{{a}}', template: { variables: { a: { min: 1, max: 5 } }, constraints: ['a > 10'] } });
    expect(() => instantiate(impossible, 1)).to.throw(TemplateError, /template imp: no well-formed instance/);
    const badExpr = buildItem('numeric', { id: 'bad', answer: '{{nope(a)}}', template: { variables: { a: { min: 1, max: 5 } } } });
    expect(() => instantiate(badExpr, 1)).to.throw(TemplateError, /template bad: placeholder "nope\(a\)"/);
  });

  it('does not depend on the order variables are listed in (storage may reorder keys)', () => {
    const vars = addLike.template!.variables;
    const reordered = { ...addLike, template: { ...addLike.template!, variables: { b: vars.b!, a: vars.a!, d: vars.d! } } };
    for (const seed of [1, 2, 3, 99]) expect(instantiate(reordered, seed).item).to.deep.equal(instantiate(addLike, seed).item);
  });

  it('refuses unknown names (mathjs would read them as units) and dependency cycles', () => {
    const typo = buildItem('numeric', { id: 'typo', answer: '{{a}}', template: { variables: { a: { min: 1, max: 'b - 1' } } } });
    expect(() => instantiate(typo, 1)).to.throw(TemplateError, /bound of a "b - 1": unknown name b/);
    const stem = buildItem('numeric', { id: 'stem', stem: '{{a + cm}}', answer: '{{a}}', template: { variables: { a: { min: 1, max: 3 } } } });
    expect(() => instantiate(stem, 1)).to.throw(TemplateError, /placeholder "\{\{a \+ cm\}\}": unknown name cm/);
    const cycle = buildItem('numeric', { id: 'cyc', answer: '{{a}}', template: { variables: { a: { expr: 'b + 1' }, b: { expr: 'a + 1' } } } });
    expect(() => instantiate(cycle, 1)).to.throw(TemplateError, /cycle: a, b/);
  });

  it('cannot reach the host through expressions', () => {
    const evil = buildItem('numeric', { answer: '{{a}}', template: { variables: { a: { expr: 'import({x: 1}, {})' } } } });
    expect(() => instantiate(evil, 1)).to.throw(TemplateError, /not available/);
  });

  it('returns plain items unchanged and builds stable keys', () => {
    const plain = buildItem('numeric');
    expect(instantiate(plain, 3).item).to.equal(plain);
    expect(instanceKey('add-like-t', 42)).to.equal('add-like-t#42');
  });
});
