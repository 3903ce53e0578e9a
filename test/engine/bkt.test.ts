import { expect } from 'chai';
import {
  DEFAULT_BKT, MAX_GUESS_SLIP, PROB_EPS, clampProb, evidenceWeight, guardParams, itemEmission, pCorrect,
  pCorrectItem, transition, updateKnown, updateSkills,
} from '../../src/engine/bkt.js';
import type { BktParams } from '../../src/engine/types.js';

const m: BktParams = { prior: 0.3, learn: 0.15, guess: 0.2, slip: 0.1, forget: 0 };

describe('engine/bkt', () => {
  it('predicts P(correct) before an answer', () => {
    // 0.3 * 0.9 + 0.7 * 0.2
    expect(pCorrect(0.3, m)).to.be.closeTo(0.41, 1e-12);
  });

  it('updates after a correct answer (hand-computed)', () => {
    // posterior 0.27 / 0.41 = 0.658537, then + (1 - 0.658537) * 0.15
    expect(updateKnown(0.3, true, m)).to.be.closeTo(0.709756, 1e-6);
  });

  it('updates after a wrong answer (hand-computed)', () => {
    // posterior 0.03 / 0.59 = 0.050847, then + 0.949153 * 0.15
    expect(updateKnown(0.3, false, m)).to.be.closeTo(0.193220, 1e-6);
  });

  it('applies forgetting in the transition', () => {
    const f = { ...m, forget: 0.1 };
    // 0.8 * 0.9 + 0.2 * 0.15
    expect(transition(0.8, f)).to.be.closeTo(0.75, 1e-12);
  });

  it('guards parameters: guess and slip below 0.5, probabilities away from 0 and 1', () => {
    const g = guardParams({ prior: 0, learn: 1, guess: 0.7, slip: 0.9, forget: -1 });
    expect(g.prior).to.equal(PROB_EPS);
    expect(g.learn).to.equal(1 - PROB_EPS);
    expect(g.guess).to.equal(MAX_GUESS_SLIP);
    expect(g.slip).to.equal(MAX_GUESS_SLIP);
    expect(g.forget).to.equal(0);
    expect(clampProb(Number.NaN)).to.equal(PROB_EPS);
  });

  it('never reaches 0 or 1 after long runs', () => {
    let p = 0.5;
    for (let i = 0; i < 500; i++) p = updateKnown(p, true, guardParams({ ...m, slip: 0, guess: 0 }));
    expect(p).to.be.below(1);
    let q = 0.5;
    for (let i = 0; i < 500; i++) q = updateSkills([q], [guardParams({ ...m, learn: 0 })], { correct: false, hintsUsed: 0 })[0]!;
    expect(q).to.be.above(0);
  });

  it('reduces to classic BKT for one skill', () => {
    for (const correct of [true, false]) {
      const [p] = updateSkills([0.3], [m], { correct, hintsUsed: 0 });
      expect(p).to.be.closeTo(updateKnown(0.3, correct, m), 1e-12);
    }
  });

  it('weakens a correct answer after hints, but not a wrong one', () => {
    const unaided = updateSkills([0.3], [m], { correct: true, hintsUsed: 0 })[0]!;
    const oneHint = updateSkills([0.3], [m], { correct: true, hintsUsed: 1 })[0]!;
    const threeHints = updateSkills([0.3], [m], { correct: true, hintsUsed: 3 })[0]!;
    const noEvidence = transition(0.3, m);
    expect(oneHint).to.be.below(unaided).and.above(noEvidence);
    expect(threeHints).to.be.below(oneHint).and.above(noEvidence);
    // hand-computed: w = 0.5, posterior = 0.3 * sqrt(0.9) / (0.3 * sqrt(0.9) + 0.7 * sqrt(0.2))
    const post = (0.3 * Math.sqrt(0.9)) / (0.3 * Math.sqrt(0.9) + 0.7 * Math.sqrt(0.2));
    expect(oneHint).to.be.closeTo(post + (1 - post) * 0.15, 1e-12);
    expect(updateSkills([0.3], [m], { correct: false, hintsUsed: 2 })[0]).to.be.closeTo(updateKnown(0.3, false, m), 1e-12);
    expect(evidenceWeight(true, 2)).to.equal(0.25);
    expect(evidenceWeight(false, 2)).to.equal(1);
  });

  it('gives full credit to every skill on a correct multi-skill answer', () => {
    const [a, b] = updateSkills([0.3, 0.9], [m, m], { correct: true, hintsUsed: 0 });
    expect(a).to.be.closeTo(updateKnown(0.3, true, m), 1e-12);
    expect(b).to.be.closeTo(updateKnown(0.9, true, m), 1e-12);
  });

  it('shares blame on a wrong multi-skill answer (conjunctive rule)', () => {
    const strong = 0.95;
    const weak = 0.1;
    const [s, w] = updateSkills([strong, weak], [m, m], { correct: false, hintsUsed: 0 });
    // the likely-known skill loses less than it would alone, because the weak skill explains the error
    expect(s).to.be.above(updateKnown(strong, false, m));
    // hand-computed for the strong skill: others = c(weak) = 0.1*0.9 + 0.9*0.2 = 0.27
    const lk = 1 - 0.9 * 0.27;
    const lu = 1 - 0.2 * 0.27;
    const post = (strong * lk) / (strong * lk + (1 - strong) * lu);
    expect(s).to.be.closeTo(post + (1 - post) * 0.15, 1e-12);
    expect(w).to.be.below(weak + (1 - weak) * 0.15);
    expect(pCorrectItem([strong, weak], [m, m])).to.be.closeTo(pCorrect(strong, m) * pCorrect(weak, m), 1e-12);
  });

  it('treats partial credit as soft evidence between right and wrong', () => {
    const right = updateSkills([0.3], [m], { correct: true, hintsUsed: 0 })[0]!;
    const wrong = updateSkills([0.3], [m], { correct: false, hintsUsed: 0 })[0]!;
    const half = updateSkills([0.3], [m], { correct: false, score: 0.5, hintsUsed: 0 })[0]!;
    expect(half).to.be.closeTo((right + wrong) / 2, 1e-12);
  });

  it('makes hard items harder for known and unknown students alike', () => {
    const hard = itemEmission(m, 1);
    expect(hard.guess).to.be.below(m.guess);
    expect(hard.slip).to.be.above(m.slip);
    expect(pCorrect(0.5, m, -1)).to.be.above(pCorrect(0.5, m, 0));
    expect(itemEmission(m, 0)).to.deep.equal({ guess: m.guess, slip: m.slip });
  });

  it('ships defaults that pass the guards unchanged', () => {
    expect(guardParams(DEFAULT_BKT)).to.deep.equal(DEFAULT_BKT);
  });
});
