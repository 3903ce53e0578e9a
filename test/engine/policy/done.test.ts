import { expect } from 'chai';
import { done } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { createState } from '../../../src/engine/state.js';
import { answers, at, view } from './helpers.js';

describe('policy rule: done', () => {
  it('says all mastered only when every skill in scope is', () => {
    const st = answers('1'.repeat(15), 'count');
    expect(done(view(st, at(20), { skills: ['count'] }), createRng(1))!.reason.code).to.equal('all_mastered');
    expect(done(view(createState(), at(0)), createRng(1))!.reason.code).to.equal('no_items');
  });
});

describe('policy rule: done (practice paused)', () => {
  it('stops practising a skill after giveUpAnswers answers without mastery and says the teacher is next', async () => {
    const { practice, done: doneRule } = await import('../../../src/engine/policy/index.js');
    const st = answers('10'.repeat(10), 'count', undefined, 0, { giveUpAnswers: 20 });
    const cfg = { giveUpAnswers: 20, skills: ['count'] };
    expect(practice(view(st, at(30), cfg), createRng(1))).to.equal(null);
    const d = doneRule(view(st, at(30), cfg), createRng(1))!;
    expect(d.reason.code).to.equal('practice_paused');
    expect(d.reason.related).to.deep.equal(['count']);
  });
});
