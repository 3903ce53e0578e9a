import { expect } from 'chai';
import { MAX_DRIFT, boundDifficulty, calibrateItem, eloStep, itemDrift } from '../../src/engine/difficulty.js';
import { predictItem } from '../../src/engine/state.js';
import { applyAttempt, createState } from '../../src/engine/state.js';

describe('engine/difficulty', () => {
  it('is the running MAP around the authored difficulty (hand-computed)', () => {
    // prior sd 0.5 -> precision 4; info 0.19 per answer. First answer: d = a + (p - y) / (4 + 0.19).
    const s = calibrateItem(undefined, 0.8, false, 0.5);
    expect(s.difficulty).to.be.closeTo(0.5 + 0.8 / 4.19, 1e-12);
    expect(s.answers).to.equal(1);
    const s2 = calibrateItem(s, 0.8, true, 0.5);
    expect(s2.difficulty).to.be.closeTo(0.5 + (0.8 - 0.2) / (4 + 0.38), 1e-12);
    expect(eloStep(0)).to.be.closeTo(1 / 4.19, 1e-12);
  });

  it('tells a hard and an easy item apart, and a few answers move it little', () => {
    let hard = undefined;
    let easy = undefined;
    for (let i = 0; i < 200; i++) {
      hard = calibrateItem(hard, 0.75, i % 4 === 0, 0);
      easy = calibrateItem(easy, 0.75, i % 10 !== 0, 0);
    }
    expect(hard!.difficulty).to.be.above(0.5);
    expect(easy!.difficulty).to.be.below(-0.3);
    expect(Math.abs(calibrateItem(undefined, 0.75, false, 0).difficulty)).to.be.below(0.2);
  });

  it('never drifts more than the bound from the authored difficulty', () => {
    let s = undefined;
    for (let i = 0; i < 5000; i++) s = calibrateItem(s, 0.99, false, 1);
    expect(s!.difficulty).to.be.closeTo(1 + MAX_DRIFT, 1e-9);
    expect(boundDifficulty(9, 0)).to.equal(MAX_DRIFT);
    const drift = itemDrift([{ id: 'a', difficulty: 1 }, { id: 'b' }], new Map([['a', s!], ['b', { difficulty: 0.1, answers: 3 }]]));
    expect(drift[0]!.itemId).to.equal('a');
    expect(drift[0]!.atBound).to.equal(true);
    expect(drift[1]!.drift).to.be.closeTo(0.1, 1e-12);
  });

  it('combines the student and the item: harder item, lower P(correct); stronger student, higher', () => {
    let strong = createState();
    for (let i = 0; i < 5; i++) strong = applyAttempt(strong, { itemId: `q${i}`, skills: ['s'], correct: true, hintsUsed: 0, at: i });
    const weak = createState();
    expect(predictItem(weak, { skills: ['s'], difficulty: 1 })).to.be.below(predictItem(weak, { skills: ['s'], difficulty: 0 }));
    expect(predictItem(strong, { skills: ['s'], difficulty: 0 }, {}, 10)).to.be.above(predictItem(weak, { skills: ['s'], difficulty: 0 }));
  });

  it('does not change the mastery bar: mastery is judged on an average item', () => {
    const a = applyAttempt(createState(), { itemId: 'q', skills: ['s'], correct: true, hintsUsed: 0, at: 0, difficulty: 0 });
    const b = applyAttempt(createState(), { itemId: 'q', skills: ['s'], correct: true, hintsUsed: 0, at: 0, difficulty: 1.5 });
    // A right answer on a harder item is more evidence (ability), bounded: never a verdict by itself.
    expect(b.skills.s!.pKnown).to.be.at.least(a.skills.s!.pKnown);
    expect(b.skills.s!.mastered).to.equal(false);
  });
});
