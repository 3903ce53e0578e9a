import { expect } from 'chai';
import { grade } from '../../src/content/grading.js';
import { translateGradeMessage } from '../../src/content/grading-messages.js';
import { renderGrade } from '../../src/content/content.presenter.js';
import { itemSchema, type Item } from '../../src/content/content.schema.js';

const item = (raw: Record<string, unknown>): Item => itemSchema.parse({ id: 'q', stem: 'Q', skills: ['s'], ...raw });
const single = item({ type: 'single_choice', choices: [{ id: 'a', text: 'A', correct: true }, { id: 'b', text: 'B' }] });
const multi = item({ type: 'multiple_choice', choices: [{ id: 'a', text: 'A', correct: true }, { id: 'b', text: 'B' }] });
const num = item({ type: 'numeric', answer: '1/2', requireSimplified: true });
const withUnits = item({ type: 'numeric', answer: 3, units: ['cm'], unitRequired: true });
const text = item({ type: 'short_text', answers: ['x'] });
const expr = item({ type: 'math_expression', answer: '2x + 2' });
const exprNoVar = item({ type: 'math_expression', answer: '3/4 + 1', variables: [] });
const order = item({ type: 'ordering', entries: [{ id: 'a', text: 'A' }, { id: 'b', text: 'B' }] });

/** Every unreadable-answer message (and the built-in feedback) the grader can give, from real answers. */
const cases: [Item, unknown][] = [
  [single, ['a', 'b']], [single, 'zz'], [multi, 5], [multi, []], [multi, ['zz']],
  [num, 'abc'], [num, 'x'.repeat(120)], [num, '1/0'], [num, '2/4'], [num, '3 cm'],
  [withUnits, '3 kg'], [withUnits, '3'], [text, ''], [text, 'x'.repeat(600)],
  [expr, ''], [expr, 'x'.repeat(250)], [expr, '2x +* ('], [expr, 'foo(x)'], [expr, '2y'], [exprNoVar, 'a + 1'], [exprNoVar, '[1, 2]'], [order, ['a']],
];

describe('grading messages in the student\'s language (issue 15)', () => {
  it('translates every message and built-in feedback of the grader into Spanish', () => {
    const seen = new Set<string>();
    for (const [it, response] of cases) {
      const g = grade(it, response);
      const english = g.message ?? g.feedback;
      expect(english, `no message for ${JSON.stringify(response)} on ${it.type}`).to.be.a('string').and.not.equal('');
      seen.add(english);
      const es = translateGradeMessage(english, 'es');
      expect(es, `untranslated: ${english}`).not.to.equal(english);
    }
    expect(seen.size).to.be.at.least(18);
  });

  it('keeps the values inside a message and falls back to English for other languages', () => {
    expect(translateGradeMessage('Use one of these units: cm, centimeters.', 'es-MX')).to.equal('Usa una de estas unidades: cm, centimeters.');
    expect(translateGradeMessage('Use only the variable x (not y).', 'es')).to.equal('Usa solo la variable x (no y).');
    expect(translateGradeMessage('Choose one of the options.', 'fr')).to.equal('Choose one of the options.');
    expect(translateGradeMessage('A sentence of a pack author.', 'es')).to.equal('A sentence of a pack author.');
  });

  it('renders a grade in the reader\'s language', () => {
    const g = renderGrade(grade(num, 'abc'), { item: num, locale: 'es' });
    expect(g.message).to.equal('Escribe un número como 3/4, 1 1/2 o 0.75.');
    const simplest = renderGrade(grade(num, '2/4'), { item: num, locale: 'es' });
    expect(simplest.feedbackHtml).to.contain('forma más simple');
  });
});
