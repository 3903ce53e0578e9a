import { expect } from 'chai';
import { BLEND_EXTRA_FEATURES, BLEND_FEATURES, EXTRA_FEATURE_INDICES, BLEND_PFA_BUCKETS, BLEND_PFA_FEATURES, GLOBAL_RATE_FEATURE } from '../../src/engine/kt/blend.js';
import { BlendModel, fitBlend, liveTrainer, predictOnline, masteryReport, LiveKtModel, calibration, auc } from '../../src/engine/kt/index.js';
import { auc as engineAuc } from '../../src/engine/metrics.js';
import { FEATURES, FEATURES_V1, LearnerModel, initGlobal, masteryLowerBound, meetsMastery, DEFAULT_MASTERY_RULE } from '../../src/engine/learner.js';
import {
  MAX_GUESS, MAX_SLIP, byLearner, checkModel, fitForgetting, fitItemDifficulties, fromBlend, heldOutLogLik, type LearnerLogEntry,
} from '../../src/engine/learner-fit.js';
import { defaultLearnerModel } from '../../src/engine/state.js';
import { createRng } from '../../src/engine/rng.js';
import { simulateBkt } from './kt/helpers.js';

describe('engine/learner (the live model)', function () {
  this.timeout(60_000);
  const params = [
    { prior: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, forget: 0.02 },
    { prior: 0.5, learn: 0.1, guess: 0.25, slip: 0.15, forget: 0 },
  ];
  const ds = simulateBkt(params, 150, 12, 3);
  const test = simulateBkt(params, 40, 12, 4);

  it('predicts exactly what the offline blend-pfa stack predicts (one model, one code path)', () => {
    for (const extraFeatures of [false, true]) {
      const blend = fitBlend(ds, { withPfa: true, seed: 1, extraFeatures }) as BlendModel;
      const live = new LiveKtModel(new LearnerModel(fromBlend(blend, ds)), ds.skills);
      const a = predictOnline(blend, test);
      const b = predictOnline(live, test);
      for (let i = 0; i < a.length; i++) expect(b[i]).to.be.closeTo(a[i]!, 1e-9);
    }
  });

  it('weighs the extra features 0 unless they are asked for, and leaves out the features in `omit`', () => {
    const d = BLEND_FEATURES.length + BLEND_PFA_FEATURES.length + BLEND_EXTRA_FEATURES.length;
    const nb = BLEND_PFA_BUCKETS.length + 1;
    const extra = (m: BlendModel) => Array.from({ length: nb }, (_, b) => EXTRA_FEATURE_INDICES.map((j) => m.weights[b * d + j]!)).flat();
    expect(extra(fitBlend(ds, { withPfa: true, seed: 1 }) as BlendModel).every((w) => w === 0)).to.equal(true);
    const withExtra = fitBlend(ds, { withPfa: true, seed: 1, extraFeatures: true }) as BlendModel;
    expect(extra(withExtra).some((w) => w !== 0)).to.equal(true);
    const omitted = fitBlend(ds, { withPfa: true, seed: 1, extraFeatures: true, omit: [EXTRA_FEATURE_INDICES[0]!, 3] }) as BlendModel;
    for (let b = 0; b < nb; b++) {
      expect(omitted.weights[b * d + EXTRA_FEATURE_INDICES[0]!]).to.equal(0);
      expect(omitted.weights[b * d + 3]).to.equal(0);
    }
  });

  it("leaves the success rate on all skills out of the last answer-count bucket (blocked logs cannot tell it from the skill's)", () => {
    const d = BLEND_FEATURES.length + BLEND_PFA_FEATURES.length + BLEND_EXTRA_FEATURES.length;
    const weight = (m: BlendModel, bucket: number) => m.weights[bucket * d + GLOBAL_RATE_FEATURE]!;
    expect(BLEND_PFA_FEATURES[GLOBAL_RATE_FEATURE - BLEND_FEATURES.length]).to.equal('decayed success rate on all skills');
    const last = BLEND_PFA_BUCKETS.length;
    const m = fitBlend(ds, { withPfa: true, seed: 1 }) as BlendModel;
    expect(weight(m, last)).to.equal(0);
    expect(weight(m, 0)).to.not.equal(0);
    const kept = fitBlend(ds, { withPfa: true, seed: 1, localRateFrom: last + 1 }) as BlendModel;
    expect(weight(kept, last)).to.not.equal(0);
    const live = fromBlend(m, ds);
    expect(live.weights[last * d + GLOBAL_RATE_FEATURE]).to.equal(0);
  });

  it('has as many features as the offline stack, and reads a model stored before the extra ones as it predicted then', () => {
    expect(BLEND_FEATURES.length + BLEND_PFA_FEATURES.length + BLEND_EXTRA_FEATURES.length).to.equal(FEATURES);
    expect(BLEND_FEATURES.length + BLEND_PFA_FEATURES.length).to.equal(FEATURES_V1);
    // The shipped model (like a tenant's model fitted before the extra features) has FEATURES_V1 weights per bucket.
    const p = defaultLearnerModel().params;
    const nb = p.buckets.length + 1;
    expect(p.weights).to.have.length(FEATURES_V1 * nb);
    const pad = (extra: number) => Array.from({ length: nb }, (_, b) => [...p.weights.slice(b * FEATURES_V1, (b + 1) * FEATURES_V1), ...Array(FEATURES - FEATURES_V1).fill(extra)]).flat();
    const old = new LearnerModel(p);
    const zeroed = new LearnerModel({ ...p, weights: pad(0) });
    const weighed = new LearnerModel({ ...p, weights: pad(0.3) });
    expect(old.toJSON().weights).to.have.length(FEATURES_V1 * nb);
    expect(() => new LearnerModel({ ...p, weights: p.weights.slice(1) })).to.throw(/weights/);
    const g = initGlobal();
    const k = old.initSkill('x');
    let differs = false;
    for (let i = 0; i < 40; i++) {
      // Long runs both ways: the extra features (slow rate, run shape) are far from 0.
      const y = i < 15 || i >= 30 ? 1 : 0;
      const kk = k.n ? k : undefined;
      expect(old.predict(g, 'x', kk, i)).to.equal(zeroed.predict(g, 'x', kk, i));
      if (Math.abs(weighed.predict(g, 'x', kk, i) - old.predict(g, 'x', kk, i)) > 1e-6) differs = true;
      old.update(g, 'x', k, y, i);
    }
    expect(differs).to.equal(true);
  });

  it('never sees the answer it predicts (no peeking)', () => {
    const m = liveTrainer.fit(ds, { seed: 1 });
    const flipped = { ...test, correct: test.correct.map((c, i) => (i === 5 ? 1 - c : c)) as Uint8Array };
    const a = predictOnline(m, test);
    const b = predictOnline(m, flipped);
    for (let i = 0; i <= 5; i++) expect(b[i]).to.equal(a[i]);
    expect(b[6]).to.not.equal(a[6]);
  });

  it('has ONE auc: the engine and kt agree, and an undefined AUC is NaN', () => {
    const p = [0.1, 0.4, 0.35, 0.8, 0.8];
    const y = [0, 0, 1, 1, 0];
    expect(engineAuc(p, y)).to.equal(auc(p, y));
    expect(auc(p, y)).to.be.closeTo(3.5 / 6, 1e-12);
    expect(Number.isNaN(engineAuc([0.2, 0.3], [1, 1]))).to.equal(true);
    const c = calibration([0.05, 0.05, 0.95, 0.95], [0, 0, 1, 0], 10);
    expect(c.ece).to.be.closeTo(0.5 * 0.05 + 0.5 * 0.45, 1e-12);
  });

  it('bounds guess and slip and passes its own degeneracy checks', () => {
    const m = liveTrainer.fit(ds, { seed: 1 }) as LiveKtModel;
    for (const s of Object.values(m.model.params.skills)) {
      expect(s.bkt.guess).to.be.at.most(MAX_GUESS + 1e-12);
      expect(s.bkt.slip).to.be.at.most(MAX_SLIP + 1e-12);
    }
    expect(checkModel(defaultLearnerModel().params)).to.equal(null);
  });

  it('rejects degenerate fits', () => {
    const p = defaultLearnerModel().params;
    expect(checkModel({ ...p, weights: p.weights.map(() => 0) })).to.match(/mastery/);
    expect(checkModel({ ...p, defaults: { ...p.defaults, bkt: { ...p.defaults.bkt, slip: 0.45 } } })).to.match(/guess\/slip/);
    expect(checkModel({ ...p, pfaIntercept: NaN })).to.match(/non-finite/);
    expect(checkModel({ ...p, forgetting: { ...p.forgetting, phi: -1 } })).to.match(/forgetting/);
  });

  it('mastery needs evidence and answers right; forgetting lowers it with time', () => {
    const m = defaultLearnerModel();
    const g = initGlobal();
    const k = m.initSkill('x');
    expect(meetsMastery(m, g, 'x', undefined, 0, DEFAULT_MASTERY_RULE)).to.equal(false);
    for (let i = 0; i < 2; i++) m.update(g, 'x', k, 1, i);
    expect(meetsMastery(m, g, 'x', k, 2, { ...DEFAULT_MASTERY_RULE, threshold: 0.01 })).to.equal(false);
    for (let i = 2; i < 15; i++) m.update(g, 'x', k, 1, i);
    expect(meetsMastery(m, g, 'x', k, 15, DEFAULT_MASTERY_RULE)).to.equal(true);
    expect(m.masteryProbability(g, 'x', k, 15 + 30 * 86_400_000)).to.be.below(m.masteryProbability(g, 'x', k, 15));
    expect(m.retention({ ...k, sessions: 4 }, 3)).to.be.above(m.retention({ ...k, sessions: 1 }, 3));
  });

  it('mastery holds at a lower confidence bound that closes in on the estimate with evidence (when asked for)', () => {
    const BOUNDED = { ...DEFAULT_MASTERY_RULE, uncertainty: 0.5 };
    expect(DEFAULT_MASTERY_RULE.uncertainty).to.equal(0);
    const m = defaultLearnerModel();
    const g = initGlobal();
    const k = m.initSkill('x');
    for (let i = 0; i < 3; i++) m.update(g, 'x', k, 1, i);
    const p3 = m.masteryProbability(g, 'x', k, 3);
    const gap3 = p3 - masteryLowerBound(m, g, 'x', k, 3, BOUNDED);
    expect(gap3).to.be.above(0);
    // A threshold the estimate meets but its lower bound does not: no verdict yet.
    expect(meetsMastery(m, g, 'x', k, 3, { ...BOUNDED, threshold: p3 - gap3 / 2 })).to.equal(false);
    expect(meetsMastery(m, g, 'x', k, 3, { ...BOUNDED, threshold: p3 - gap3 / 2, uncertainty: 0 })).to.equal(true);
    const g2 = { ...g };
    const k2 = { ...k };
    for (let i = 3; i < 30; i++) m.update(g2, 'x', k2, i % 2, i);
    const p30 = m.masteryProbability(g2, 'x', k2, 30);
    const gap30 = p30 - masteryLowerBound(m, g2, 'x', k2, 30, BOUNDED);
    expect(Math.log(p30 / (1 - p30)) - Math.log((p30 - gap30) / (1 - p30 + gap30))).to.be.below(Math.log(p3 / (1 - p3)) - Math.log((p3 - gap3) / (1 - p3 + gap3)));
  });

  it('reports what its mastery verdicts predicted on held-out students', () => {
    const m = liveTrainer.fit(ds, { seed: 1 }) as LiveKtModel;
    // Longer held-out sequences, so that verdicts have answers after them.
    const held = simulateBkt(params, 80, 20, 4);
    const r = masteryReport(m.model, m.skills, held);
    expect(r.answers).to.equal(held.correct.length);
    expect(r.bins).to.have.length(10);
    expect(r.verdicts).to.be.above(0);
    expect(r.nextCorrect).to.be.above(0.7);
  });

  // A tenant-like log with times over days and items with authored difficulties.
  const rng = createRng(11);
  const log: LearnerLogEntry[] = [];
  const trueD: Record<string, number> = { i0: -1, i1: 0, i2: 1.2, i3: 0 };
  for (let l = 0; l < 120; l++) {
    const ability = (rng() - 0.5) * 2;
    let t = Date.UTC(2025, 0, 6) + l * 1000;
    let practice = 0;
    for (let a = 0; a < 16; a++) {
      const item = `i${Math.floor(rng() * 4)}`;
      const p = 1 / (1 + Math.exp(-(ability + 0.2 * practice - trueD[item]!)));
      log.push({ learner: `u${l}`, itemId: item, skills: ['s'], y: rng() < p ? 1 : 0, at: t, authored: 0 });
      practice++;
      t += a % 8 === 7 ? 3 * 86_400_000 : 60_000;
    }
  }
  const learners = byLearner(log);

  it('estimates item difficulty jointly with ability: shrunk toward the authored one, bounded, with drift', () => {
    const drift = fitItemDifficulties(defaultLearnerModel(), learners, { maxDrift: 1.5 });
    const d = Object.fromEntries(drift.map((x) => [x.itemId, x]));
    expect(d.i2!.difficulty).to.be.above(d.i1!.difficulty + 0.4);
    expect(d.i0!.difficulty).to.be.below(d.i1!.difficulty - 0.3);
    for (const x of drift) expect(Math.abs(x.drift)).to.be.at.most(1.5 + 1e-9);
    const tight = fitItemDifficulties(defaultLearnerModel(), learners, { maxDrift: 0.2 });
    expect(tight.find((x) => x.itemId === 'i2')!.atBound).to.equal(true);
  });

  it('fits forgetting from real times within its grid, and held-out likelihood judges it', () => {
    const p = defaultLearnerModel().params;
    const f = fitForgetting(p, learners);
    expect(f.phi).to.be.within(0, 0.8);
    const before = heldOutLogLik(defaultLearnerModel(), learners);
    const after = heldOutLogLik(new LearnerModel({ ...p, forgetting: f }), learners);
    expect(after).to.be.at.least(before);
  });
});
