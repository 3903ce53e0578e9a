import { expect } from 'chai';
import { LearnerModel, type LearnerParams } from '../../src/engine/learner.js';
import type { LearnerLogEntry } from '../../src/engine/learner-fit.js';
import { defaultLearnerModel } from '../../src/engine/state.js';
import { createRng } from '../../src/engine/rng.js';
import {
  DELAY_HOURS, HELD_OUT_SHARE, MIN_DELAYED_ANSWERS, delayedCalibration, delayedProblem, isHeldOut, refitFromLog,
} from '../../src/engine/refit.js';

const H = 3_600_000;
const DAY = 24 * H;
const T0 = Date.UTC(2025, 0, 6, 15);

/**
 * Students who forget: on each of 3 skills, 8 answers a minute apart (right 90% of the time), then one answer
 * three days later (right 45% of the time, or `later`).
 */
function forgettingLog(learners: number, seed = 1, later = 0.45): LearnerLogEntry[] {
  const rng = createRng(seed);
  const log: LearnerLogEntry[] = [];
  for (let l = 0; l < learners; l++) {
    for (let s = 0; s < 3; s++) {
      const start = T0 + s * 10 * 60_000;
      for (let i = 0; i < 8; i++) log.push({ learner: `u${l}`, itemId: `i${s}-${i}`, skills: [`s${s}`], y: rng() < 0.9 ? 1 : 0, at: start + i * 60_000, authored: 0 });
    }
    for (let s = 0; s < 3; s++) log.push({ learner: `u${l}`, itemId: `r${s}`, skills: [`s${s}`], y: rng() < later ? 1 : 0, at: T0 + 3 * DAY + s * 60_000, authored: 0 });
  }
  return log;
}

const byUser = (log: LearnerLogEntry[]): LearnerLogEntry[][] => {
  const m = new Map<string, LearnerLogEntry[]>();
  for (const e of log) { const a = m.get(e.learner) ?? []; a.push(e); m.set(e.learner, a); }
  return [...m.values()];
};

const withForgetting = (phi: number): LearnerModel => {
  const p: LearnerParams = defaultLearnerModel().params;
  return new LearnerModel({ ...p, forgetting: { ...p.forgetting, phi } });
};

describe('engine/refit (a tenant refit, shared by model refit and the simulator)', function () {
  this.timeout(60_000);

  it('counts only answers after a delay of 12 h or more on the skills answered before', () => {
    const log = byUser(forgettingLog(20));
    const c = delayedCalibration(defaultLearnerModel(), log);
    // 3 delayed answers per learner (the ones three days later); the first answers on a skill never count.
    expect(c.answers).to.equal(60);
    expect(c.observed).to.be.within(0, 1);
    expect(c.overconfidence).to.be.closeTo(c.predicted - c.observed, 1e-12);
    // A multi-skill answer counts when every skill was practised, from the most recent of them.
    const multi: LearnerLogEntry[][] = [[
      { learner: 'm', itemId: 'a', skills: ['s0'], y: 1, at: T0, authored: 0 },
      { learner: 'm', itemId: 'b', skills: ['s1'], y: 1, at: T0 + 20 * H, authored: 0 },
      { learner: 'm', itemId: 'ab', skills: ['s0', 's1'], y: 1, at: T0 + 26 * H, authored: 0 },
      { learner: 'm', itemId: 'ab2', skills: ['s0', 's1'], y: 1, at: T0 + 40 * H, authored: 0 },
      { learner: 'm', itemId: 'c', skills: ['s2', 's0'], y: 1, at: T0 + 80 * H, authored: 0 },
    ]];
    // ab: 6 h after b (not delayed); ab2: 14 h (delayed); c: s2 never practised (not counted).
    expect(delayedCalibration(defaultLearnerModel(), multi).answers).to.equal(1);
    expect(delayedCalibration(defaultLearnerModel(), multi, undefined, 5).answers).to.equal(2);
    expect(DELAY_HOURS).to.equal(12);
  });

  it('refuses a fit with too little forgetting: its delayed predictions are over-confident', () => {
    const log = byUser(forgettingLog(60));
    const current = delayedCalibration(withForgetting(0.6), log);
    const noForgetting = delayedCalibration(withForgetting(0), log);
    expect(noForgetting.predicted).to.be.above(current.predicted);
    const problem = delayedProblem(noForgetting, current);
    expect(problem).to.be.a('string').and.match(/over-confident after a delay/);
    // The same fit against itself, or a fit that forgets more than the current model, passes.
    expect(delayedProblem(noForgetting, noForgetting)).to.equal(null);
    expect(delayedProblem(current, noForgetting)).to.equal(null);
  });

  it('does not judge on too few delayed answers, and tolerates a small excess over the current model', () => {
    const cal = (answers: number, predicted: number, observed: number) => ({
      answers, predicted, observed, overconfidence: predicted - observed, highPredicted: null, highObserved: null, highAnswers: 0,
    });
    expect(delayedProblem(cal(MIN_DELAYED_ANSWERS - 1, 0.9, 0.5), cal(500, 0.5, 0.5))).to.equal(null);
    expect(delayedProblem(cal(MIN_DELAYED_ANSWERS, 0.9, 0.5), cal(500, 0.5, 0.5))).to.be.a('string');
    // Current under-confident (-0.05): the candidate may still reach +0.02, not more.
    expect(delayedProblem(cal(200, 0.615, 0.6), cal(200, 0.55, 0.6))).to.equal(null);
    expect(delayedProblem(cal(200, 0.63, 0.6), cal(200, 0.55, 0.6))).to.be.a('string');
    // Current over-confident (+0.05): the candidate may be as much, +0.02.
    expect(delayedProblem(cal(200, 0.66, 0.6), cal(200, 0.65, 0.6))).to.equal(null);
    expect(delayedProblem(cal(200, 0.68, 0.6), cal(200, 0.65, 0.6))).to.be.a('string');
  });

  it('refitFromLog: skips a small log, holds out learners by a stable hash, and reports the delayed calibration', () => {
    const small = refitFromLog(defaultLearnerModel(), forgettingLog(10));
    expect(small.outcome).to.equal('skipped');
    expect(small.params).to.equal(null);
    expect(small.reason).to.match(/too little data/);
    const ids = Array.from({ length: 2000 }, (_, i) => `link u${i}`);
    const share = ids.filter((id) => isHeldOut(id)).length / ids.length;
    expect(share).to.be.closeTo(HELD_OUT_SHARE, 0.03);
    expect(ids.map((id) => isHeldOut(id))).to.deep.equal(ids.map((id) => isHeldOut(id)));

    const log = forgettingLog(250, 2, 0.9);
    const r = refitFromLog(defaultLearnerModel(), log);
    expect(r.reason ?? '').to.not.match(/degenerate/);
    expect(r.kind).to.equal('skills');
    expect(r.outcome).to.be.oneOf(['accepted', 'rejected']);
    expect(r.params).to.not.equal(null);
    expect(r.delayed!.candidate.answers).to.equal(r.delayed!.current.answers);
    expect(r.delayed!.candidate.answers).to.be.above(MIN_DELAYED_ANSWERS);
    // Deterministic.
    expect(refitFromLog(defaultLearnerModel(), log)).to.deep.equal(r);
    // The delayed check is wired in: with a negative tolerance any fit is refused for it.
    const strict = refitFromLog(defaultLearnerModel(), log, { delayedTolerance: -1 });
    expect(strict.outcome).to.equal('rejected');
    expect(strict.reason).to.match(/over-confident after a delay/);
    // A fitted-forgetting candidate on forgetting students is accepted only if it is not over-confident later.
    if (r.outcome === 'accepted') expect(delayedProblem(r.delayed!.candidate, r.delayed!.current)).to.equal(null);
  });
});
