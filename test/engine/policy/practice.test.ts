import { expect } from 'chai';
import { practice } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { createState } from '../../../src/engine/state.js';
import { answers, at, view } from './helpers.js';

describe('policy rule: practice', () => {
  it('starts the first open skill with an item near the target success', () => {
    const s = practice(view(createState(), at(0)), createRng(1))!;
    expect(s.skill).to.equal('count');
    expect(s.reason.code).to.equal('new_skill');
    expect(Math.abs(s.predictedSuccess! - 0.75)).to.be.below(0.15);
  });
  it('moves on: a skill practised long without mastery is set aside and the next skill opens', () => {
    const st = answers('10'.repeat(6), 'count', createState(), 0, { moveOnAnswers: 12 });
    expect(st.skills.count!.parkedAt).to.not.equal(null);
    const s = practice(view(st, at(20), { moveOnAnswers: 12 }), createRng(1))!;
    expect(s.skill).to.be.oneOf(['add', 'sub']);
    expect(s.reason.code).to.equal('moving_on');
    expect(s.reason.related).to.deep.equal(['count']);
  });
  it('comes back to a set-aside skill when nothing else is left', () => {
    const st = answers('10'.repeat(6), 'count', createState(), 0, { moveOnAnswers: 12 });
    const s = practice(view(st, at(20), { moveOnAnswers: 12, skills: ['count'] }), createRng(1))!;
    expect(s.skill).to.equal('count');
  });
});
