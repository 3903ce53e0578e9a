import { expect } from 'chai';
import {
  BLEND_EXTRA_FEATURES,
  BLEND_FEATURES,
  BLEND_PFA_BUCKETS,
  BLEND_PFA_FEATURES,
  BlendModel,
  BktModel,
  EloModel,
  PFA_ROW_NNZ,
  PFA_SHARED_FEATURES,
  PfaModel,
  fitBlend,
  fitLogistic,
  fitPfa,
  fitSparseLogistic,
  loadModel,
  packAnswers,
  pfaFeatureRow,
  pfaUpdate,
  pfaWeightCount,
  predictOnline,
  seededRng,
  sigmoid,
  type PfaHyper,
} from '../../../src/engine/kt/index.js';
import { simulateBkt } from './helpers.js';

const hyper: PfaHyper = { skillDecay: [0.5, 0.9], allDecay: 0.8, ghost: 1, l2Skill: 1e-5, l2SkillCounts: 1e-4 };
const G = PFA_SHARED_FEATURES.length;

describe('kt/pfa update maths (PFA / Best-LR, R-PFA)', () => {
  it('counts, decayed rates with a ghost failure, and runs match hand-computed values', () => {
    const m = new PfaModel(['a', 'b'], new Float64Array(pfaWeightCount(2)), hyper);
    const st = m.init();
    pfaUpdate(st, 0, true, hyper);
    let k = st.skill[0]!;
    expect([k.s, k.f, k.run]).to.deep.equal([1, 0, 1]);
    expect(k.n1 / k.d1).to.be.closeTo(1 / 1.5, 1e-12); // (0.5·0 + 1) / (0.5·1 + 1)
    expect(k.n2 / k.d2).to.be.closeTo(1 / 1.9, 1e-12); // (0.9·0 + 1) / (0.9·1 + 1)
    expect(st.n / st.d).to.be.closeTo(1 / 1.8, 1e-12); // (0.8·0 + 1) / (0.8·1 + 1)
    pfaUpdate(st, 0, false, hyper);
    k = st.skill[0]!;
    expect([k.s, k.f, k.run]).to.deep.equal([1, 1, -1]);
    expect(k.n1 / k.d1).to.be.closeTo(0.5 / 1.75, 1e-12);
    pfaUpdate(st, 0, false, hyper);
    expect(st.skill[0]!.run).to.equal(-2);
    pfaUpdate(st, 1, true, hyper);
    expect([st.s, st.f]).to.deep.equal([2, 2]);
    expect(st.skill[1]!.run).to.equal(1);
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
  });

  it('feature row: intercept, skill one-hot, shared features, per-skill counts', () => {
    const st = new PfaModel(['a', 'b'], new Float64Array(pfaWeightCount(2)), hyper).init();
    pfaUpdate(st, 1, true, hyper);
    pfaUpdate(st, 1, true, hyper);
    pfaUpdate(st, 0, false, hyper);
    const cols = new Int32Array(PFA_ROW_NNZ);
    const vals = new Float64Array(PFA_ROW_NNZ);
    pfaFeatureRow(st, 1, 2, cols, vals, 0);
    const g0 = 1 + 2;
    expect(Array.from(cols)).to.deep.equal([0, 2, ...Array.from({ length: G }, (_, j) => g0 + j), g0 + G + 2, g0 + G + 3]);
    const k = st.skill[1]!;
    const expected = [
      1,
      1,
      Math.log(3), // 2 successes on the skill
      0,
      Math.log(3), // 2 successes in all
      Math.log(2), // 1 failure in all
      k.n1 / k.d1,
      k.n2 / k.d2,
      st.n / st.d,
      0, // not the first answer on the skill
      Math.log(3), // run of 2 successes
      0,
      Math.log(3),
      0,
    ];
    Array.from(vals).forEach((v, j) => expect(v).to.be.closeTo(expected[j]!, 1e-12));
    // A new skill: first-answer flag, rates 0; an unknown skill index: no one-hot or per-skill terms.
    pfaFeatureRow(st, 5, 2, cols, vals, 0);
    expect(vals[1]).to.equal(0);
    expect(vals[2 + 7]).to.equal(1);
    expect(vals[2 + G]).to.equal(0);
  });

  it('predict is σ(w · x) with the weights of the row', () => {
    const w = new Float64Array(pfaWeightCount(1));
    w[0] = -0.5; // intercept
    w[1] = 0.3; // easiness of skill 0
    w[2] = 0.4; // shared log(1 + successes on the skill)
    w[2 + G] = 0.2; // skill 0's own log(1 + successes) weight
    w[2 + 7] = -0.1; // first answer on the skill
    const m = new PfaModel(['a'], w, hyper);
    const st = m.init();
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(-0.5 + 0.3 - 0.1), 1e-12);
    m.update(st, 0, true);
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(-0.5 + 0.3 + (0.4 + 0.2) * Math.log(2)), 1e-12);
    expect(m.pKnown(st, 0)).to.equal(m.predict(st, 0));
  });

  it('sparse Newton fit equals the dense fit on the same rows', () => {
    const rng = seededRng(3);
    const n = 2000;
    const d = 6;
    const nnz = 3;
    const cols = new Int32Array(n * nnz);
    const vals = new Float64Array(n * nnz);
    const X = new Float64Array(n * d);
    const y = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const picks = [0, 1 + Math.floor(rng() * 3), 4 + Math.floor(rng() * 2)];
      let z = -0.3;
      for (let j = 0; j < nnz; j++) {
        const v = j === 0 ? 1 : rng() * 2 - 1;
        cols[i * nnz + j] = picks[j]!;
        vals[i * nnz + j] = v;
        X[i * d + picks[j]!]! += v;
        z += v * (picks[j]! - 2.5) * 0.5;
      }
      y[i] = rng() < sigmoid(z) ? 1 : 0;
    }
    const ws = fitSparseLogistic(cols, vals, nnz, y, d, 1e-4);
    const wd = fitLogistic(X, y, d, 1e-4);
    for (let j = 0; j < d; j++) expect(ws[j]).to.be.closeTo(wd[j]!, 1e-6);
  });

  it('fits: easier skills and more successes predict higher, and survives a JSON round trip', () => {
    const ds = simulateBkt(
      [
        { prior: 0.7, learn: 0.2, guess: 0.3, slip: 0.05, forget: 0 },
        { prior: 0.1, learn: 0.15, guess: 0.1, slip: 0.1, forget: 0 },
      ],
      300,
      8,
      5,
    );
    const m = fitPfa(ds);
    expect(m.predict(m.init(), 0)).to.be.greaterThan(m.predict(m.init(), 1) + 0.2);
    const good = m.init();
    const bad = m.init();
    for (let t = 0; t < 3; t++) {
      m.update(good, 1, true);
      m.update(bad, 1, false);
    }
    expect(m.predict(good, 1)).to.be.greaterThan(m.predict(bad, 1) + 0.3);
    const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
    expect(Array.from(predictOnline(back, ds))).to.deep.equal(Array.from(predictOnline(m, ds)));
  });
});

describe('kt/blend-pfa', () => {
  const f = (x: number) => Float64Array.of(x);
  const bkt = new BktModel('bkt-forget', ['k0'], [], {
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
  });
  const elo = new EloModel(['k0'], [], Float64Array.of(0.5), new Float64Array(0), {
    aStudent: 0.4,
    bStudent: 0.1,
    aSkill: 0.8,
    bSkill: 0.5,
    wrongFactor: 0.5,
  });
  const pw = new Float64Array(pfaWeightCount(1));
  pw[0] = 0.2;
  pw[2] = 0.5;
  const pfa = new PfaModel(['k0'], pw, hyper);
  const d = BLEND_FEATURES.length + BLEND_PFA_FEATURES.length;

  it('uses the weights of the answer-count bucket and the PFA logit / run features', () => {
    const nb = BLEND_PFA_BUCKETS.length + 1;
    const w = new Float64Array(d * nb);
    const lp = BLEND_FEATURES.length; // 'logit P(correct) PFA'
    const runOk = lp + BLEND_PFA_FEATURES.indexOf('log(1 + current run of successes on the skill)');
    for (let b = 0; b < nb; b++) {
      w[b * d] = b; // intercept b in bucket b
      w[b * d + lp] = 1;
      w[b * d + runOk] = 0.7;
    }
    const m = new BlendModel(bkt, elo, w, pfa, BLEND_PFA_BUCKETS);
    expect(m.name).to.equal('blend-pfa');
    const st = m.init();
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(0 + pfa.logit(st.pfa!, 0)), 1e-12);
    m.update(st, 0, true); // 1 answer on the skill: bucket 1 (cuts 1, 3, 7)
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(1 + pfa.logit(st.pfa!, 0) + 0.7 * Math.log(2)), 1e-12);
    m.update(st, 0, true);
    m.update(st, 0, false); // 3 answers: bucket 2, run of failures
    expect(m.predict(st, 0)).to.be.closeTo(sigmoid(2 + pfa.logit(st.pfa!, 0)), 1e-12);
    expect(m.pKnown(st, 0)).to.equal(bkt.pKnown(st.bkt, 0));
    expect(JSON.parse(JSON.stringify(st))).to.deep.equal(st);
  });

  it('refuses weights that do not match features and buckets', () => {
    expect(() => new BlendModel(bkt, elo, new Float64Array(d), pfa, BLEND_PFA_BUCKETS)).to.throw(/weights/);
  });

  it('fits per-bucket weights and survives a JSON round trip', () => {
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
    const m = fitBlend(ds, { restarts: 2, withPfa: true });
    // Fitted: every feature, the extra ones included (weighed 0 unless asked for), per bucket.
    const dx = d + BLEND_EXTRA_FEATURES.length;
    expect(m.weights.length).to.equal(dx * (BLEND_PFA_BUCKETS.length + 1));
    expect(Array.from(m.weights.subarray(0, dx))).to.not.deep.equal(Array.from(m.weights.subarray(dx, 2 * dx)));
    const back = loadModel(JSON.parse(JSON.stringify(m.toJSON())));
    expect(back.name).to.equal('blend-pfa');
    expect(Array.from(predictOnline(back, ds))).to.deep.equal(Array.from(predictOnline(m, ds)));
  });
});
