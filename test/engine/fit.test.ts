import { expect } from 'chai';
import { DEFAULT_BKT } from '../../src/engine/bkt.js';
import { fitBkt, fitBktBySkill, logLikelihood, packSequences, sequencesBySkill } from '../../src/engine/fit.js';
import { createRng } from '../../src/engine/rng.js';
import type { BktParams, Rng } from '../../src/engine/types.js';

function generate(m: BktParams, students: number, length: number, rng: Rng): number[][] {
  const out: number[][] = [];
  for (let s = 0; s < students; s++) {
    let known = rng() < m.prior;
    const seq: number[] = [];
    for (let t = 0; t < length; t++) {
      seq.push((known ? rng() >= m.slip : rng() < m.guess) ? 1 : 0);
      known = known ? rng() >= m.forget : rng() < m.learn;
    }
    out.push(seq);
  }
  return out;
}

describe('engine/fit', () => {
  const truth: BktParams = { prior: 0.25, learn: 0.2, guess: 0.15, slip: 0.1, forget: 0 };
  const seqs = generate(truth, 600, 20, createRng(42));

  it('packs sequences into typed arrays and drops empty ones', () => {
    const set = packSequences([[1, 0], [], [true, false, true]]);
    expect([...set.obs]).to.deep.equal([1, 0, 1, 0, 1]);
    expect([...set.starts]).to.deep.equal([0, 2, 5]);
  });

  it('recovers the parameters of a known generating model', () => {
    const fit = fitBkt(seqs, { seed: 3 });
    expect(fit.usedDefaults).to.equal(false);
    expect(fit.converged).to.equal(true);
    expect(fit.params.prior).to.be.closeTo(truth.prior, 0.05);
    expect(fit.params.learn).to.be.closeTo(truth.learn, 0.05);
    expect(fit.params.guess).to.be.closeTo(truth.guess, 0.05);
    expect(fit.params.slip).to.be.closeTo(truth.slip, 0.05);
    expect(fit.params.forget).to.equal(0);
  });

  it('finds a likelihood at least as high as the truth and the defaults', () => {
    const fit = fitBkt(seqs, { seed: 3 });
    expect(fit.logLikelihood).to.be.at.least(logLikelihood(seqs, truth) - 1e-6);
    expect(fit.logLikelihood).to.be.above(logLikelihood(seqs, DEFAULT_BKT));
  });

  it('recovers forgetting when asked to fit it', () => {
    const withForget = { ...truth, forget: 0.08 };
    const fit = fitBkt(generate(withForget, 800, 25, createRng(9)), { seed: 1, fitForget: true });
    expect(fit.params.forget).to.be.closeTo(0.08, 0.04);
  });

  it('is deterministic for a seed', () => {
    expect(fitBkt(seqs, { seed: 5, restarts: 2 })).to.deep.equal(fitBkt(seqs, { seed: 5, restarts: 2 }));
  });

  it('falls back to defaults for skills with too little data', () => {
    const fit = fitBkt([[1, 0, 1]], { defaults: DEFAULT_BKT });
    expect(fit.usedDefaults).to.equal(true);
    expect(fit.params).to.deep.equal(DEFAULT_BKT);
  });

  it('keeps guess and slip below 0.5 even on adversarial data', () => {
    // answers anti-correlated with practice: mostly right at first, wrong later
    const weird = Array.from({ length: 200 }, () => [1, 1, 1, 0, 0, 0, 0, 0]);
    const fit = fitBkt(weird, { seed: 2 });
    expect(fit.params.guess).to.be.below(0.5);
    expect(fit.params.slip).to.be.below(0.5);
  });

  it('groups an answer log by skill and learner, and fits each skill', () => {
    const log = [
      { learner: 'a', skills: ['x'], correct: true },
      { learner: 'b', skills: ['x', 'y'], correct: false },
      { learner: 'a', skills: ['x'], correct: false },
    ];
    const sets = sequencesBySkill(log);
    expect([...sets.get('x')!.obs]).to.deep.equal([1, 0, 0]);
    expect([...sets.get('x')!.starts]).to.deep.equal([0, 2, 3]);
    expect([...sets.get('y')!.obs]).to.deep.equal([0]);
    const fits = fitBktBySkill(sets);
    expect(fits.get('y')!.usedDefaults).to.equal(true);
  });
});
