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
import { selectStudents } from '../../../src/engine/kt/dataset.js';
import { LearnerModel, initGlobal } from '../../../src/engine/learner.js';
import { byLearner, fitLearnerDataset, heldOutLogLik, logToDataset, type LearnerLogEntry } from '../../../src/engine/learner-fit.js';

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

describe('kt/blend with known item difficulties (KtDataset.offset: a tenant log chosen adaptively)', () => {
  // An adaptive policy gives each student items as hard as the student is able (d = ability + noise): every
  // student answers about half right, so ability shows only through the difficulty of the items met.
  const rng = (() => { let s = 12345; return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32); })();
  const normal = () => Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
  const log: LearnerLogEntry[] = [];
  const ability: number[] = [];
  for (let s = 0; s < 300; s++) {
    const a = 1.5 * normal();
    ability.push(a);
    for (let t = 0; t < 30; t++) {
      const d = a + 0.3 * normal();
      log.push({ learner: `s${s}`, itemId: `i${s}-${t}`, skills: ['k'], y: rng() < sigmoid(a - d) ? 1 : 0, at: t * 60_000, authored: d });
    }
  }
  const learners = byLearner(log);
  /** The fitted live model's P(correct) on an AVERAGE item (d = 0) after a student's log, by the student's true ability. */
  const spread = (model: LearnerModel): number => {
    let strong = 0, weak = 0, ns = 0, nw = 0;
    learners.forEach((seq, s) => {
      const g = initGlobal();
      const k = model.initSkill('k');
      for (const e of seq) model.update(g, 'k', k, e.y, e.at, e.authored);
      const p = model.predict(g, 'k', k, seq.at(-1)!.at, 0);
      if (ability[s]! > 1) { strong += p; ns++; } else if (ability[s]! < -1) { weak += p; nw++; }
    });
    return strong / ns - weak / nw;
  };

  it('fits the stack as the live model predicts (logit P = z - d): able students come out able', () => {
    const withOffset = logToDataset(learners, 'authored');
    expect(withOffset.offset!.length).to.equal(log.length);
    expect(withOffset.items).to.deep.equal([]);
    const fitted = fitLearnerDataset(withOffset, { seed: 1 });
    const blind = fitLearnerDataset(logToDataset(learners), { seed: 1 });
    // Without the offsets the fit cannot tell able from weak students (all answer half right); with them it can.
    expect(spread(fitted)).to.be.above(0.3);
    expect(Math.abs(spread(blind))).to.be.below(spread(fitted) / 2);
    expect(heldOutLogLik(fitted, learners)).to.be.above(heldOutLogLik(blind, learners));
  });

  it('keeps the offsets through student selection, and a log without them fits as before', () => {
    const ds = logToDataset(learners.slice(0, 20), 'authored');
    const sub = selectStudents(ds, [3, 1]);
    const a = ds.studentStart[3]!;
    expect(Array.from(sub.offset!.subarray(0, 30))).to.deep.equal(Array.from(ds.offset!.subarray(a, a + 30)));
    expect(logToDataset(learners.slice(0, 20)).offset).to.equal(undefined);
    const diff = new Map([[`i3-0`, 9]]);
    expect(logToDataset(learners.slice(0, 20), diff).offset![a]).to.equal(9);
  });
});
