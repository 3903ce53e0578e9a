import { expect } from 'chai';
import { renderAnswer, renderGrade, renderHint, renderItemForStudent } from '../../src/content/content.presenter.js';
import { grade } from '../../src/content/grading.js';
import { instantiate } from '../../src/content/templates.js';
import { buildItem } from './factories.js';

describe('content presenter', () => {
  it('shows a choice item without revealing the answer', () => {
    const item = buildItem('single_choice', { stem: 'Which is **half**?', hints: ['Two equal parts.'], solution: 'One of two parts.' });
    const view = renderItemForStudent(item);
    expect(view.inputKind).to.equal('single_choice');
    expect(view.stemHtml).to.equal('<p>Which is <strong>half</strong>?</p>');
    expect(view.choices).to.deep.equal([{ id: 'a', html: '1/2' }, { id: 'b', html: '1/3' }]);
    expect(view.hintCount).to.equal(1);
    expect(JSON.stringify(view)).to.not.match(/correct|solution|One of two/);
    expect(renderHint(item, 0)).to.equal('<p>Two equal parts.</p>');
    expect(renderHint(item, 1)).to.equal(null);
  });

  it('shuffles ordering entries deterministically and never in the right order', () => {
    const item = buildItem('ordering');
    for (let seed = 0; seed < 20; seed++) {
      const a = renderItemForStudent(item, { seed }).choices.map((c) => c.id);
      expect(a).to.deep.equal(renderItemForStudent(item, { seed }).choices.map((c) => c.id));
      expect(a).to.not.deep.equal(['q', 'h', 't']);
    }
  });

  it('renders templates as an instance, the same for the same seed', () => {
    const t = buildItem('numeric', { stem: 'What is {{a}} + {{b}}?', answer: '{{a + b}}', units: ['cm'], template: { variables: { a: { min: 1, max: 9 }, b: { min: 1, max: 9 } } } });
    const inst = instantiate(t, 9);
    const view = renderItemForStudent(inst);
    expect(view).to.deep.equal(renderItemForStudent(t, { seed: 9 }));
    expect(view.stemHtml).to.equal(`<p>What is ${inst.values.a} + ${inst.values.b}?</p>`);
    expect(view).to.deep.include({ inputKind: 'number', seed: 9, units: ['cm'] });
    const answer = renderAnswer(inst);
    expect(answer.answerHtml).to.equal(String(Number(inst.values.a) + Number(inst.values.b)));
    expect(answer.values).to.deep.equal(inst.values);
  });

  it('gives the answer side: right choices, feedback, hints and solution', () => {
    const item = buildItem('multiple_choice', { hints: ['Halve it.'], solution: 'Both $\\frac{2}{4}$ and 3/6 equal one half.' });
    const a = renderAnswer(item);
    expect(a.response).to.deep.equal(['a', 'b']);
    expect(a.answerHtml).to.equal('2/4; 3/6');
    expect(a.choices.find((c) => c.id === 'c')).to.deep.include({ correct: false, feedbackHtml: '<p>2/3 is more than a half.</p>' });
    expect(a.hintsHtml).to.deep.equal(['<p>Halve it.</p>']);
    expect(a.solutionHtml).to.contain('katex');
  });

  it('shows math items with their variables and escapes answers', () => {
    const item = buildItem('math_expression', { answer: '2*x + 2' });
    expect(renderItemForStudent(item)).to.deep.include({ inputKind: 'expression', variables: ['x'] });
    expect(renderAnswer(item).answerHtml).to.equal('2*x + 2');
  });

  it('renders grade feedback as HTML and keeps the message', () => {
    const item = buildItem('numeric', { wrongAnswers: [{ answer: '3/8', feedback: 'Do **not** add denominators.' }] });
    expect(renderGrade(grade(item, '3/8'))).to.deep.equal({ correct: false, score: 0, feedbackHtml: '<p>Do <strong>not</strong> add denominators.</p>' });
    expect(renderGrade(grade(item, 'x')).message).to.match(/Enter a number/);
  });
});
