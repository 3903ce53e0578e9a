import { expect } from 'chai';
import { reviewDue } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { answers, at, view } from './helpers.js';

describe('policy rule: review_due', () => {
  const st = answers('1'.repeat(15), 'count');
  const due = st.skills.count!.dueAt!;
  it('schedules the review from the forgetting model: not before it is due', () => {
    expect(due).to.be.above(at(15));
    expect(reviewDue(view(st, due - 60_000), createRng(1))).to.equal(null);
  });
  it('reviews a mastered skill once its predicted P(correct) has fallen below the threshold', () => {
    const s = reviewDue(view(st, due + 1), createRng(1))!;
    expect(s.reason.code).to.equal('review_due');
    expect(s.skill).to.equal('count');
  });
  it('can be turned off', () => {
    expect(reviewDue(view(st, due + 1, { reviews: false }), createRng(1))).to.equal(null);
  });
});
