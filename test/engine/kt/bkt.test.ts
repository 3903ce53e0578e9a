import { expect } from 'chai';
import {
  BktModel,
  bktForgetTrainer,
  bktPCorrect,
  bktPosterior,
  bktTransition,
  fitBkt,
  loadModel,
  packAnswers,
  predictOnline,
  type BktParamSet,
} from '../../../src/engine/kt/index.js';
import { simulateBkt } from './helpers.js';

function oneSkillModel(prior: number, learn: number, guess: number, slip: number, forget: number): BktModel {
  const f = (x: number) => Float64Array.of(x);
  const params: BktParamSet = {
    prior: f(prior),
    learn: f(learn),
    forget: f(forget),
    guess: f(guess),
    slip: f(slip),
    itemSkill: Int32Array.of(0, -1),
    itemGuess: Float64Array.of(0.3, 0),
    itemSlip: Float64Array.of(0.2, 0),
    defaults: { prior: 0.5, learn: 0.2, forget: 0, guess: 0.25, slip: 0.15 },
    logLik: 0,
  };
  return new BktModel('bkt-forget', ['k0'], ['i0', 'i1'], params);
}

describe('kt/bkt update maths (Corbett & Anderson 1995)', () => {
  it('posterior, transition and P(correct) match hand-computed values', () => {
    // 0.4*0.9 / (0.4*0.9 + 0.6*0.2) = 0.36/0.48
    expect(bktPosterior(0.4, true, 0.2, 0.1)).to.be.closeTo(0.75, 1e-12);
    // 0.4*0.1 / (0.4*0.1 + 0.6*0.8) = 0.04/0.52
    expect(bktPosterior(0.4, false, 0.2, 0.1)).to.be.closeTo(0.04 / 0.52, 1e-12);
    // 0.75*(1-0.05) + 0.25*0.1
    expect(bktTransition(0.75, 0.1, 0.05)).to.be.closeTo(0.7375, 1e-12);
    expect(bktPCorrect(0.4, 0.2, 0.1)).to.be.closeTo(0.48, 1e-12);
  });

  it('model predict/update/pKnown follow the same maths, with forgetting', () => {
    const m = oneSkillModel(0.4, 0.1, 0.2, 0.1, 0.05);
    const st = m.init();
    expect(m.pKnown(st, 0)).to.equal(0.4);
    expect(m.predict(st, 0)).to.be.closeTo(0.48, 1e-12);
    m.update(st, 0, true);
    expect(m.pKnown(st, 0)).to.be.closeTo(0.7375, 1e-12);
    expect(m.predict(st, 0)).to.be.closeTo(0.7375 * 0.9 + 0.2625 * 0.2, 1e-12);
    m.update(st, 0, false);
    const post = (0.7375 * 0.1) / (0.7375 * 0.1 + 0.2625 * 0.8);
    expect(m.pKnown(st, 0)).to.be.closeTo(post * 0.95 + (1 - post) * 0.1, 1e-12);
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal({ 0: st[0] });
  });

  it('KT-IDEM uses the item guess/slip where the item is known (Pardos & Heffernan 2011)', () => {
    const m = oneSkillModel(0.4, 0.1, 0.2, 0.1, 0);
    const st = m.init();
    expect(m.predict(st, 0, 0)).to.be.closeTo(0.4 * 0.8 + 0.6 * 0.3, 1e-12);
    expect(m.predict(st, 0, 1)).to.be.closeTo(0.48, 1e-12); // item without parameters: skill level
    m.update(st, 0, true, 0);
    const post = (0.4 * 0.8) / (0.4 * 0.8 + 0.6 * 0.3);
    expect(m.pKnown(st, 0)).to.be.closeTo(post + (1 - post) * 0.1, 1e-12);
  });

  it('an unknown skill uses the default parameters', () => {
    const m = oneSkillModel(0.4, 0.1, 0.2, 0.1, 0);
    const st = m.init();
    expect(m.pKnown(st, 7)).to.equal(0.5);
    expect(m.predict(st, -1)).to.be.closeTo(0.5 * 0.85 + 0.5 * 0.25, 1e-12);
  });

  it('survives a JSON round trip', () => {
    const ds = simulateBkt([{ prior: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, forget: 0 }], 50, 10, 3);
    const m = bktForgetTrainer.fit(ds, { restarts: 2 });
    const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(predictOnline(back, ds))).to.deep.equal(Array.from(predictOnline(m, ds)));
  });
});

describe('kt/bkt EM', () => {
  it('recovers known parameters of simulated learners', () => {
    const truth = [
      { prior: 0.2, learn: 0.15, guess: 0.2, slip: 0.1, forget: 0 },
      { prior: 0.5, learn: 0.3, guess: 0.25, slip: 0.05, forget: 0 },
    ];
    const ds = simulateBkt(truth, 600, 12, 7);
    const m = fitBkt(ds, 'bkt', { restarts: 5, seed: 1 });
    truth.forEach((t, k) => {
      const p = m.skillParams(k);
      for (const key of ['prior', 'learn', 'guess', 'slip'] as const) {
        expect(p[key], `skill ${k} ${key}`).to.be.closeTo(t[key], 0.05);
      }
      expect(p.forget).to.equal(0);
    });
  });

  it('recovers a forgetting probability', () => {
    const truth = [{ prior: 0.3, learn: 0.2, guess: 0.15, slip: 0.1, forget: 0.1 }];
    const ds = simulateBkt(truth, 1500, 15, 11);
    const p = fitBkt(ds, 'bkt-forget', { forget: true, restarts: 5, seed: 2 }).skillParams(0);
    for (const key of ['prior', 'learn', 'guess', 'slip', 'forget'] as const) {
      expect(p[key], key).to.be.closeTo(truth[0]![key], 0.05);
    }
  });

  it('recovers item-level guess and slip (KT-IDEM)', () => {
    const rows: { student: string; skill: string; correct: number; item: string }[] = [];
    let seed = 5;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const items = [
      { id: 'easy', guess: 0.4, slip: 0.05 },
      { id: 'hard', guess: 0.05, slip: 0.3 },
    ];
    for (let s = 0; s < 1500; s++) {
      let known = rnd() < 0.3;
      for (let t = 0; t < 10; t++) {
        const it = items[Math.floor(rnd() * 2)]!;
        const c = known ? rnd() >= it.slip : rnd() < it.guess;
        rows.push({ student: `s${s}`, skill: 'k', correct: c ? 1 : 0, item: it.id });
        if (!known) known = rnd() < 0.2;
      }
    }
    const ds = packAnswers(rows);
    const m = fitBkt(ds, 'kt-idem', { forget: false, itemLevel: true, itemShrink: 5, restarts: 5 });
    const e = ds.items.indexOf('easy');
    const h = ds.items.indexOf('hard');
    expect(m.params.itemGuess[e]).to.be.closeTo(0.4, 0.06);
    expect(m.params.itemSlip[e]).to.be.closeTo(0.05, 0.06);
    expect(m.params.itemGuess[h]).to.be.closeTo(0.05, 0.06);
    expect(m.params.itemSlip[h]).to.be.closeTo(0.3, 0.06);
    expect(m.predict(m.init(), 0, e)).to.be.greaterThan(m.predict(m.init(), 0, h));
  });

  it('gives skills with too few answers the default parameters', () => {
    const ds = packAnswers([
      ...Array.from({ length: 40 }, (_, i) => ({ student: `s${i >> 3}`, skill: 'big', correct: i % 3 ? 1 : 0 })),
      { student: 's9', skill: 'tiny', correct: 1 },
    ]);
    const m = fitBkt(ds, 'bkt', { minAnswers: 10 });
    expect(m.skillParams(1)).to.deep.equal(m.params.defaults);
  });
});
