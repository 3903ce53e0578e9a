import { expect } from 'chai';
import { updateSkills } from '../../src/engine/bkt.js';
import { type Attempt, applyAttempt, createState, replay, resolveConfig } from '../../src/engine/state.js';
import { retrievability } from '../../src/engine/review.js';
import type { BktParams } from '../../src/engine/types.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2025, 0, 6, 9);
const m: BktParams = { prior: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, forget: 0 };
const config = { params: { add: m, sub: m }, minAnswers: 3 };
const answer = (correct: boolean, i: number, extra: Partial<Attempt> = {}): Attempt => ({
  itemId: `add-${i % 7}`, skills: ['add'], correct, hintsUsed: 0, at: T0 + i * 60_000, ...extra,
});

describe('engine/state', () => {
  it('starts empty and serialises to JSON and back unchanged', () => {
    let s = createState();
    for (let i = 0; i < 6; i++) s = applyAttempt(s, answer(true, i), config);
    expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
  });

  it('does not mutate its input', () => {
    const s0 = createState();
    const s1 = applyAttempt(s0, answer(true, 0), config);
    const frozen = JSON.stringify(s1);
    applyAttempt(s1, answer(false, 1), config);
    expect(JSON.stringify(s1)).to.equal(frozen);
    expect(s0.steps).to.equal(0);
  });

  it('updates P(known) with the BKT rule from the prior', () => {
    const s = applyAttempt(createState(), answer(true, 0), config);
    expect(s.skills.add!.pKnown).to.be.closeTo(updateSkills([0.3], [m], { correct: true, hintsUsed: 0 })[0]!, 1e-12);
    expect(s.skills.add!.answers).to.equal(1);
  });

  it('declares mastery only at the threshold and with the minimum number of answers', () => {
    const easy = { params: { add: { ...m, prior: 0.9 } }, minAnswers: 4 };
    let s = createState();
    for (let i = 0; i < 3; i++) s = applyAttempt(s, answer(true, i), easy);
    expect(s.skills.add!.pKnown).to.be.above(0.95);
    expect(s.skills.add!.mastered).to.equal(false);
    s = applyAttempt(s, answer(true, 3), easy);
    expect(s.skills.add!.mastered).to.equal(true);
    expect(s.skills.add!.review).to.not.equal(null);
    expect(s.skills.add!.review!.due).to.be.above(T0 + DAY / 2);
  });

  it('lapses a mastered skill on a failed review and brings it back into practice', () => {
    let s = createState();
    let i = 0;
    while (!s.skills.add?.mastered) s = applyAttempt(s, answer(true, i++), config);
    const due = s.skills.add!.review!.due;
    expect(retrievability(s.skills.add!.review!, due + DAY)).to.be.below(0.95);
    s = applyAttempt(s, answer(false, 0, { at: due + DAY }), config);
    expect(s.skills.add!.mastered).to.equal(false);
    expect(s.skills.add!.pKnown).to.be.below(0.95);
    expect(s.skills.add!.review!.lapses).to.equal(1);
    expect(s.skills.add!.run).to.equal(0);
  });

  it('keeps mastery and reschedules further on a passed review', () => {
    let s = createState();
    let i = 0;
    while (!s.skills.add?.mastered) s = applyAttempt(s, answer(true, i++), config);
    const first = s.skills.add!.review!;
    s = applyAttempt(s, answer(true, 0, { at: first.due }), config);
    expect(s.skills.add!.mastered).to.equal(true);
    expect(s.skills.add!.review!.due - first.due).to.be.above(first.due - T0);
  });

  it('survives an attempt dated before the last review (clock skew)', () => {
    let s = createState();
    let i = 0;
    while (!s.skills.add?.mastered) s = applyAttempt(s, answer(true, i++), config);
    const skewed = applyAttempt(s, answer(true, 0, { at: T0 - DAY }), config);
    expect(skewed.skills.add!.mastered).to.equal(true);
    expect(skewed.skills.add!.review!.reps).to.equal(s.skills.add!.review!.reps + 1);
  });

  it('counts wrong streaks and resets them on a right answer, a worked example or a remediation answer', () => {
    let s = createState();
    for (let i = 0; i < 3; i++) s = applyAttempt(s, answer(false, i), config);
    expect(s.skills.add!.wrongStreak).to.equal(3);
    const worked = applyAttempt(s, answer(false, 3, { kind: 'worked_example' }), config);
    expect(worked.skills.add!.wrongStreak).to.equal(0);
    expect(worked.skills.add!.remediations).to.equal(1);
    expect(worked.skills.add!.answers).to.equal(3);
    const stepBack = applyAttempt(s, { itemId: 'sub-1', skills: ['sub'], correct: true, hintsUsed: 0, at: T0, remediates: 'add' }, config);
    expect(stepBack.skills.add!.wrongStreak).to.equal(0);
    expect(applyAttempt(s, answer(true, 3), config).skills.add!.wrongStreak).to.equal(0);
  });

  it('keeps the last N item ids for the no-repeat rule', () => {
    let s = createState();
    for (let i = 0; i < 8; i++) s = applyAttempt(s, answer(true, i), { ...config, noRepeatWindow: 3 });
    expect(s.recent).to.deep.equal(['add-5', 'add-6', 'add-0']);
  });

  it('replay of the log gives the same state as the incremental updates', () => {
    const log: Attempt[] = [];
    let s = createState();
    for (let i = 0; i < 40; i++) {
      const a: Attempt = {
        itemId: `i${i % 9}`, skills: i % 5 === 0 ? ['add', 'sub'] : [i % 2 ? 'add' : 'sub'], correct: (i * 7) % 3 !== 0,
        hintsUsed: i % 4 === 0 ? 1 : 0, at: T0 + i * DAY / 3, difficulty: ((i % 3) - 1) * 0.5,
        ...(i % 11 === 0 ? { score: 0.5 } : {}),
      };
      log.push(a);
      s = applyAttempt(JSON.parse(JSON.stringify(s)), a, config);
    }
    expect(replay(log, config)).to.deep.equal(s);
    expect(s.steps).to.equal(40);
  });

  it('fills in documented defaults', () => {
    const c = resolveConfig();
    expect(c.targetSuccess).to.equal(0.75);
    expect(c.masteryThreshold).to.equal(0.95);
    expect(resolveConfig(c)).to.equal(c);
  });
});
