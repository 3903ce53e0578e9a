import { expect } from 'chai';
import { done, practice } from '../../../src/engine/policy/index.js';
import { nextStep, prepareBank } from '../../../src/engine/select.js';
import { createRng } from '../../../src/engine/rng.js';
import { applyAttempt, resolveConfig } from '../../../src/engine/state.js';
import { DAY, T0, ans, answers, at, bank, view } from './helpers.js';

// Spacing (EngineConfig.restLevel, off by default): a skill good now rests until a spaced check after a break.
const cfg = { skills: ['count'], restLevel: 0.8 };

describe('policy: resting a skill that is good now (spacing)', () => {
  it('is off by default: a skill answered right stays in practice', () => {
    expect(resolveConfig({}).restLevel).to.equal(0);
    const st = answers('1111', 'count');
    const v = view(st, at(5), { skills: ['count'] });
    expect(v.resting('count')).to.equal(false);
    expect(practice(v, createRng(1))!.skill).to.equal('count');
  });

  it('rests a skill good now after restMinAnswers answers: not practised, done says come back later and names it', () => {
    const st = answers('1111', 'count', undefined, 0, cfg);
    const v = view(st, at(5), cfg);
    expect(v.recall('count')).to.be.at.least(0.8);
    expect(v.resting('count')).to.equal(true);
    expect(v.lowValue('count')).to.equal(true);
    expect(practice(v, createRng(1))).to.equal(null);
    const d = nextStep(st, prepareBank(bank), resolveConfig(cfg), createRng(1), at(5));
    expect(d.kind).to.equal('done');
    expect(d.reason.code).to.equal('come_back_later');
    expect(d.reason.related).to.deep.equal(['count']);
    expect(d.reason.text).to.match(/come back tomorrow/i);
  });

  it('does not rest before restMinAnswers answers, nor a skill below the level', () => {
    expect(view(answers('111', 'count', undefined, 0, cfg), at(4), cfg).resting('count')).to.equal(false);
    const weak = answers('0101', 'count', undefined, 0, cfg);
    const v = view(weak, at(5), cfg);
    expect(v.recall('count')).to.be.below(0.8);
    expect(v.resting('count')).to.equal(false);
  });

  it('brings the skill back after restHours for a spaced check of restCheckAnswers answers, then rests it again', () => {
    let st = answers('1111', 'count', undefined, 0, cfg);
    const next = T0 + DAY;
    expect(view(st, next, cfg).resting('count')).to.equal(false);
    expect(practice(view(st, next, cfg), createRng(1))!.skill).to.equal('count');
    st = applyAttempt(st, { ...ans('count', true, 0), at: next }, cfg);
    expect(st.skills.count!.sessionAnswers).to.equal(1);
    expect(st.skills.count!.m.sessions).to.equal(2);
    // One answer of the check: not resting yet (restCheckAnswers 2).
    expect(st.skills.count!.mastered).to.equal(false);
    expect(view(st, next + 60_000, cfg).resting('count')).to.equal(false);
    st = applyAttempt(st, { ...ans('count', true, 1), at: next + 60_000 }, cfg);
    expect(st.skills.count!.sessionAnswers).to.equal(2);
    const v2 = view(st, next + 120_000, cfg);
    expect(st.skills.count!.mastered || v2.resting('count')).to.equal(true);
  });

  it('pauses a skill still only good now after restSessions sessions (practice_paused, not come back later)', () => {
    // Good now (three right, one wrong) on two days, without a verdict.
    const c = { ...cfg, restLevel: 0.6, restMinAnswers: 3, restSessions: 2 };
    let st = answers('1110', 'count', undefined, 0, c);
    ['1', '1', '0', '1'].forEach((x, i) => { st = applyAttempt(st, { ...ans('count', x === '1', 10 + i), at: T0 + DAY + i * 60_000 }, c); });
    const k = st.skills.count!;
    expect(k.mastered).to.equal(false);
    expect(k.m.sessions).to.equal(2);
    const v = view(st, T0 + DAY + 5 * 60_000, c);
    expect(v.recall('count')).to.be.at.least(0.6);
    expect(v.resting('count')).to.equal(false);
    expect(v.lowValue('count')).to.equal(true);
    expect(done(v, createRng(1))!.reason.code).to.equal('practice_paused');
    // With one more session allowed, the same skill rests instead (and comes back).
    const v3 = view(st, T0 + DAY + 5 * 60_000, { ...c, restSessions: 3 });
    expect(v3.resting('count')).to.equal(true);
    expect(done(v3, createRng(1))!.reason.code).to.equal('come_back_later');
  });

  it('counts answers per practice session of the skill (a gap of over 8 hours starts a new one)', () => {
    let st = answers('10', 'count');
    expect(st.skills.count!.sessionAnswers).to.equal(2);
    st = applyAttempt(st, { ...ans('count', true, 3), at: T0 + 9 * 3_600_000 }, {});
    expect(st.skills.count!.sessionAnswers).to.equal(1);
  });
});

describe('engine: the mastery rule uncertainty per assignment', () => {
  it('masteryUncertainty 0 declares mastery no later than the default bound, on the same answers', () => {
    const first = (c: object) => {
      let st = answers('', 'count');
      for (let i = 0; i < 20; i++) {
        st = applyAttempt(st, ans('count', true, i), c);
        if (st.skills.count!.mastered) return i + 1;
      }
      return Infinity;
    };
    const strict = first({ masteryUncertainty: 1 });
    const none = first({ masteryUncertainty: 0 });
    expect(none).to.be.below(Infinity);
    expect(none).to.be.at.most(strict);
    expect(resolveConfig({ masteryUncertainty: 0 }).masteryUncertainty).to.equal(0);
  });
});
