import { expect } from 'chai';
import { done, practice } from '../../../src/engine/policy/index.js';
import { createRng } from '../../../src/engine/rng.js';
import { resolveConfig } from '../../../src/engine/state.js';
import { DAY, answers, at, view } from './helpers.js';

// Issue 14: moving on at a plateau. Three right, one wrong, over and over: the student does well (P(correct)
// on a new item about 0.79) but the mastery probability has stopped rising and the verdict (0.85 a day later)
// is not reached: more answers now only cost questions.
const PLATEAU = '11101110111011';
const cfg = { skills: ['count'] };

describe('policy: moving on at a plateau', () => {
  it('is on by default (3 answers without progress, after 6 answers, at P(correct) 0.75)', () => {
    const c = resolveConfig({});
    expect([c.plateauAnswers, c.plateauMinAnswers, c.plateauLevel]).to.deep.equal([3, 6, 0.75]);
  });

  it('sets aside a skill that has stopped improving at a good level: not practised, done says practice is paused', () => {
    const st = answers(PLATEAU, 'count');
    const k = st.skills.count!;
    expect(k.mastered).to.equal(false);
    expect(k.stall).to.be.at.least(4);
    const v = view(st, at(PLATEAU.length + 1), cfg);
    expect(v.recall('count')).to.be.at.least(0.75);
    expect(v.lowValue('count')).to.equal(true);
    expect(practice(v, createRng(1))).to.equal(null);
    const d = done(v, createRng(1))!;
    expect(d.reason.code).to.equal('practice_paused');
    expect(d.reason.related).to.deep.equal(['count']);
  });

  it('is off with plateauAnswers 0: the same skill is practised', () => {
    const st = answers(PLATEAU, 'count', undefined, 0, { plateauAnswers: 0 });
    const v = view(st, at(PLATEAU.length + 1), { ...cfg, plateauAnswers: 0 });
    expect(v.lowValue('count')).to.equal(false);
    expect(practice(v, createRng(1))!.skill).to.equal('count');
  });

  it('does not set aside a skill that is stuck at a low level (remediation and the answer caps handle it)', () => {
    const st = answers('0101010101010', 'count');
    expect(st.skills.count!.stall).to.be.at.least(4);
    const v = view(st, at(14), cfg);
    expect(v.recall('count')).to.be.below(0.75);
    expect(v.lowValue('count')).to.equal(false);
  });

  it('waits for enough answers before judging a plateau', () => {
    const st = answers('11101', 'count');
    const v = view(st, at(6), { ...cfg, plateauAnswers: 1 });
    expect(st.skills.count!.run).to.be.below(6);
    expect(st.skills.count!.stall).to.be.at.least(1);
    expect(v.recall('count')).to.be.at.least(0.75);
    expect(v.lowValue('count')).to.equal(false);
  });

  it('brings the skill back once forgetting takes P(correct) below the level', () => {
    const st = answers(PLATEAU, 'count');
    const later = view(st, at(PLATEAU.length + 1) + 3 * DAY, cfg);
    expect(later.recall('count')).to.be.below(0.75);
    expect(later.lowValue('count')).to.equal(false);
    expect(practice(later, createRng(1))!.skill).to.equal('count');
  });
});

describe('policy: a plateau needs wrong answers', () => {
  it('does not set aside a skill whose last answers were all right (it is on the way to a verdict)', () => {
    const st = answers('01010101010' + '1111', 'count');
    const k = st.skills.count!;
    expect(k.m.run).to.equal(4);
    const v = view(st, at(15), { skills: ['count'], plateauLevel: 0.5, plateauAnswers: 1 });
    expect(v.lowValue('count')).to.equal(false);
  });
});
