import { expect } from 'chai';
import { grade } from '../../../src/content/grading.js';
import { buildItem } from '../factories.js';

/** The pack-model extensions imported banks need: fractions of credit, weighted multiple choice, partial credit for listed answers. */
describe('content grading: imported credit', () => {
  it('a single-choice distractor may give partial credit (not correct)', () => {
    const item = buildItem('single_choice', {
      choices: [
        { id: 'a', text: 'right', correct: true },
        { id: 'b', text: 'half right', credit: 0.5, feedback: 'Nearly.' },
        { id: 'c', text: 'wrong' },
      ],
    });
    expect(grade(item, 'b')).to.deep.equal({ correct: false, score: 0.5, feedback: 'Nearly.' });
    expect(grade(item, 'c').score).to.equal(0);
    expect(grade(item, 'a').correct).to.equal(true);
  });

  it('weighted multiple choice sums the picked credits, clamped to [0, 1], and rounds 3 x 33.33333% to full credit', () => {
    const item = buildItem('multiple_choice', {
      scoring: 'weighted',
      choices: [
        { id: 'a', text: 'A', correct: true, credit: 0.3333333 },
        { id: 'b', text: 'B', correct: true, credit: 0.3333333 },
        { id: 'c', text: 'C', correct: true, credit: 0.3333333 },
        { id: 'd', text: 'D', credit: -1 },
      ],
    });
    expect(grade(item, ['a', 'b', 'c'])).to.include({ correct: true, score: 1 });
    expect(grade(item, ['a']).score).to.be.closeTo(0.3333333, 1e-9);
    expect(grade(item, ['a', 'd']).score).to.equal(0);
  });

  it('weighted multiple choice without credits: right ones 1/right, wrong ones -1/right', () => {
    const item = buildItem('multiple_choice', { scoring: 'weighted' });
    expect(grade(item, ['a']).score).to.equal(0.5);
    expect(grade(item, ['a', 'b', 'c']).score).to.equal(0.5);
  });

  it('listed wrong answers may carry partial credit and, for numbers, their own tolerance', () => {
    const num = buildItem('numeric', { answer: 150, tolerance: { absolute: 0.5 }, wrongAnswers: [{ answer: 150, feedback: 'Close.', credit: 0.5, tolerance: { absolute: 5 } }] });
    expect(grade(num, '150.4').correct).to.equal(true);
    expect(grade(num, '154')).to.deep.equal({ correct: false, score: 0.5, feedback: 'Close.' });
    expect(grade(num, '156').score).to.equal(0);
    const text = buildItem('short_text', { answers: ['numerator'], wrongAnswers: [{ answer: 'top', feedback: 'Use the math word.', credit: 0.5 }] });
    expect(grade(text, 'Top')).to.deep.equal({ correct: false, score: 0.5, feedback: 'Use the math word.' });
  });

  it('existing items grade as before (no credit fields)', () => {
    const item = buildItem('single_choice');
    expect(grade(item, 'b')).to.deep.equal({ correct: false, score: 0, feedback: 'Count the parts again.' });
  });
});
