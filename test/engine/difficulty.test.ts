import { expect } from 'chai';
import { calibrateItem, eloStep, predictItem } from '../../src/engine/difficulty.js';
import { createRng } from '../../src/engine/rng.js';
import { pCorrect } from '../../src/engine/bkt.js';
import type { BktParams } from '../../src/engine/types.js';

const m: BktParams = { prior: 0.5, learn: 0.1, guess: 0.2, slip: 0.1, forget: 0 };

describe('engine/difficulty', () => {
  it('moves difficulty by K(n) times the surprise (hand-computed)', () => {
    const s = calibrateItem(undefined, 0.6, false);
    expect(s.difficulty).to.be.closeTo(0.8 * 0.6, 1e-12);
    expect(s.answers).to.equal(1);
    const t = calibrateItem(s, 0.6, true);
    expect(t.difficulty).to.be.closeTo(0.48 - (0.8 / 1.05) * 0.4, 1e-12);
    expect(eloStep(20)).to.be.closeTo(0.4, 1e-12);
  });

  it('tells a hard and an easy item of one skill apart from answers', () => {
    const rng = createRng(11);
    const truth = { easy: -1, hard: 1.2 };
    const cal: Record<string, { difficulty: number; answers: number } | undefined> = {};
    for (let i = 0; i < 3000; i++) {
      const id = i % 2 ? 'easy' : 'hard';
      const pk = rng();
      const correct = rng() < pCorrect(pk, m, truth[id]);
      const predicted = predictItem([pk], [m], cal[id]?.difficulty ?? 0);
      cal[id] = calibrateItem(cal[id], predicted, correct);
    }
    expect(cal.easy!.difficulty).to.be.closeTo(truth.easy, 0.35);
    expect(cal.hard!.difficulty).to.be.closeTo(truth.hard, 0.35);
  });

  it('combines mastery and difficulty: harder item, lower P(correct); more mastery, higher', () => {
    expect(predictItem([0.5], [m], 1)).to.be.below(predictItem([0.5], [m], 0));
    expect(predictItem([0.9], [m], 1)).to.be.above(predictItem([0.5], [m], 1));
  });

  it('clamps runaway difficulties', () => {
    let s = calibrateItem(undefined, 1, false, { k: 100, limit: 3 });
    expect(s.difficulty).to.equal(3);
    s = calibrateItem(s, 0, true, { k: 1000, limit: 3 });
    expect(s.difficulty).to.equal(-3);
  });
});
