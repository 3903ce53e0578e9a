import { expect } from 'chai';
import { done, practice } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { createState, defaultLearnerModel } from '../../../src/engine/state.js';
import { answers, at, view } from './helpers.js';

describe('policy: little value left (forecast stop, Rollinson & Brunskill 2015)', () => {
  it('the forecast of a student answering right reaches mastery within a few answers and never changes the state', () => {
    const st = answers('111', 'count');
    const m = defaultLearnerModel();
    const k = { ...st.skills.count!.m };
    const f = m.forecast(st.model, 'count', st.skills.count!.m, at(3), { threshold: 0.85, horizonDays: 1, maxAnswers: 10 });
    expect(f.answers).to.be.within(1, 10);
    expect(st.skills.count!.m).to.deep.equal(k);
  });
  it('a student answering wrong is not forecast to reach mastery: the skill has little value and is not practised', () => {
    const cfg = { valueHorizon: 10, skills: ['count'] };
    const st = answers('00000', 'count', createState(), 0, cfg);
    const v = view(st, at(6), cfg);
    expect(v.toMastery('count')).to.equal(Infinity);
    expect(v.lowValue('count')).to.equal(true);
    expect(practice(v, createRng(1))).to.equal(null);
    const d = done(v, createRng(1))!;
    expect(d.reason.code).to.equal('practice_paused');
  });
  it('is off by default', () => {
    const st = answers('00000', 'count');
    expect(view(st, at(6)).lowValue('count')).to.equal(false);
  });
});
