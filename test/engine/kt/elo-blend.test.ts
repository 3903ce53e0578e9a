import { expect } from 'chai';
import {
  BLEND_FEATURES,
  BlendModel,
  BktModel,
  EloModel,
  eloUncertainty,
  fitBlend,
  fitElo,
  loadModel,
  packAnswers,
  predictOnline,
  sigmoid,
  type BktParamSet,
} from '../../../src/engine/kt/index.js';
import { simulateBkt } from './helpers.js';

const hyper = { aStudent: 0.4, bStudent: 0.1, aSkill: 0.8, bSkill: 0.5, wrongFactor: 0.5 };

describe('kt/elo update maths (Pelánek 2016)', () => {
  it('uncertainty function a / (1 + b n)', () => {
    expect(eloUncertainty(0.8, 0.5, 0)).to.equal(0.8);
    expect(eloUncertainty(0.8, 0.5, 2)).to.be.closeTo(0.4, 1e-12);
  });

  it('predict and update match hand-computed values', () => {
    const m = new EloModel(['k0'], [], Float64Array.of(0.5), new Float64Array(0), hyper);
    const st = m.init();
    const p0 = 1 / (1 + Math.exp(0.5)); // σ(0 + 0 - 0.5)
    expect(m.predict(st, 0)).to.be.closeTo(p0, 1e-12);
    expect(p0).to.be.closeTo(0.3775406688, 1e-9);
    m.update(st, 0, true);
    // error 1 - p0 = 0.6224593312; student step 0.4, skill step 0.8 (no answers yet)
    expect(st.theta).to.be.closeTo(0.4 * 0.6224593312, 1e-9);
    expect(st.skill[0]!.theta).to.be.closeTo(0.8 * 0.6224593312, 1e-9);
    const p1 = sigmoid(0.4 * 0.6224593312 + 0.8 * 0.6224593312 - 0.5);
    expect(m.predict(st, 0)).to.be.closeTo(p1, 1e-12);
    m.update(st, 0, false);
    // error -p1; student step 0.4/(1+0.1), skill step 0.8/(1+0.5) times the wrong-answer factor 0.5
    expect(st.theta).to.be.closeTo(0.4 * 0.6224593312 - (0.4 / 1.1) * p1, 1e-9);
    expect(st.skill[0]!.theta).to.be.closeTo(0.8 * 0.6224593312 - (0.8 / 1.5) * 0.5 * p1, 1e-9);
    expect(st.n).to.equal(2);
    expect(st.skill[0]!.n).to.equal(2);
  });

  it('the student ability carries to a new skill, the local one does not', () => {
    const m = new EloModel(['a', 'b'], [], Float64Array.of(0, 0), new Float64Array(0), hyper);
    const st = m.init();
    m.update(st, 0, true);
    expect(m.predict(st, 1)).to.be.closeTo(sigmoid(st.theta), 1e-12);
    expect(m.predict(st, 0)).to.be.greaterThan(m.predict(st, 1));
  });

  it('fits skill difficulties in the right order', () => {
    const ds = simulateBkt(
      [
        { prior: 0.8, learn: 0.2, guess: 0.3, slip: 0.05, forget: 0 },
        { prior: 0.1, learn: 0.1, guess: 0.1, slip: 0.2, forget: 0 },
      ],
      300,
      8,
      4,
    );
    const m = fitElo(ds);
    expect(m.skillDifficulty[1]).to.be.greaterThan(m.skillDifficulty[0]! + 0.5);
  });
});

describe('kt/blend', () => {
  const f = (x: number) => Float64Array.of(x);
  const params: BktParamSet = {
    prior: f(0.4),
    learn: f(0.1),
    forget: f(0.05),
    guess: f(0.2),
    slip: f(0.1),
    itemSkill: new Int32Array(0),
    itemGuess: new Float64Array(0),
    itemSlip: new Float64Array(0),
    defaults: { prior: 0.4, learn: 0.1, forget: 0.05, guess: 0.2, slip: 0.1 },
    logLik: 0,
  };
  const bkt = new BktModel('bkt-forget', ['k0'], [], params);
  const elo = new EloModel(['k0'], [], Float64Array.of(0.5), new Float64Array(0), hyper);
  const weights = (pick: Record<number, number>) => {
    const w = new Float64Array(BLEND_FEATURES.length);
    for (const [j, v] of Object.entries(pick)) w[Number(j)] = v;
    return w;
  };

  it('is σ(weights · features): the BKT logit alone gives back BKT', () => {
    const m = new BlendModel(bkt, elo, weights({ 1: 1 }));
    const st = m.init();
    expect(m.predict(st, 0)).to.be.closeTo(0.48, 1e-9);
    m.update(st, 0, true);
    expect(m.predict(st, 0)).to.be.closeTo(0.7375 * 0.9 + 0.2625 * 0.2, 1e-9);
    expect(m.pKnown(st, 0)).to.be.closeTo(0.7375, 1e-12);
  });

  it('combines Elo features and counters with hand-computed values', () => {
    // intercept 0.1, student ability x1, student-skill ability x1, difficulty x-1, first answer x0.3, last answer x0.2
    const m = new BlendModel(bkt, elo, weights({ 0: 0.1, 3: 1, 4: 1, 5: -1, 6: 0.3, 8: 0.2 }));
    const st = m.init();
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(0.1 - 0.5 + 0.3), 1e-12);
    m.update(st, 0, true);
    const z = 0.1 + st.elo.theta + st.elo.skill[0]!.theta - 0.5 + 0.2;
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(z), 1e-12);
    expect(st.count[0]).to.equal(1);
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
  });

  it('fits weights that trust BKT on BKT-generated data, and survives a JSON round trip', () => {
    const sim = simulateBkt(
      [
        { prior: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, forget: 0 },
        { prior: 0.6, learn: 0.1, guess: 0.25, slip: 0.05, forget: 0 },
      ],
      200,
      10,
      8,
    );
    const ds = packAnswers(
      Array.from(sim.correct, (c, i) => ({ student: sim.students[Math.floor(i / 20)]!, skill: sim.skills[sim.skill[i]!]!, correct: c })),
    );
    const m = fitBlend(ds, { restarts: 2 });
    expect(m.weights[1]).to.be.greaterThan(0.3);
    const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(predictOnline(back, ds))).to.deep.equal(Array.from(predictOnline(m, ds)));
  });
});
