import { expect } from 'chai';
import { packAnswers, predictOnline, trainers, type KtDataset } from '../../../src/engine/kt/index.js';
import { randomSequence, simulateBkt } from './helpers.js';

type Predictor = (ds: KtDataset) => Float64Array;

/** A copy of a dataset with the answer at position t flipped. */
function flipped(ds: KtDataset, t: number): KtDataset {
  const correct = ds.correct.slice();
  correct[t] = 1 - correct[t]!;
  return { ...ds, correct };
}

/**
 * Positions whose prediction changed although only the answer at position t >= that position changed:
 * any hit means a prediction could see its own answer (or a later one).
 */
function peekingViolations(predict: Predictor, ds: KtDataset): string[] {
  const base = predict(ds);
  const bad: string[] = [];
  for (let t = 0; t < ds.correct.length; t++) {
    const p = predict(flipped(ds, t));
    for (let i = 0; i <= t; i++) if (p[i] !== base[i]) bad.push(`answer ${t} changed prediction ${i}`);
  }
  return bad;
}

/** Whether later predictions react to the first answer (otherwise the no-peeking check would be vacuous). */
function laterPredictionsReact(predict: Predictor, ds: KtDataset): boolean {
  const base = predict(ds);
  const p = predict(flipped(ds, 0));
  for (let i = 1; i < p.length; i++) if (p[i] !== base[i]) return true;
  return false;
}

describe('kt: no peeking (a prediction never sees its own answer)', () => {
  const rows = [0, 1, 2].flatMap((k) => {
    const sim = simulateBkt([{ prior: 0.3, learn: 0.2, guess: 0.2, slip: 0.1, forget: 0.02 }], 80, 12, 20 + k);
    return Array.from(sim.correct, (c, i) => ({
      student: sim.students[Math.floor(i / 12)]!,
      skill: `k${k}`,
      correct: c,
      item: `i${k}-${i % 2}`,
    }));
  });
  const train = packAnswers(rows);
  const seq = randomSequence(30, 99, true);
  const test = packAnswers(
    Array.from(seq.correct, (c, i) => ({
      student: 'solo',
      skill: seq.skills[seq.skill[i]!]!,
      correct: c,
      item: seq.items[seq.item[i]!]!,
    })),
    train.skills,
    train.items,
  );

  for (const [name, tr] of Object.entries(trainers)) {
    it(`${name}: predictions up to position t are identical whatever the answer at t`, () => {
      const model = tr.fit(train, { restarts: 2 });
      const predict: Predictor = (ds) => predictOnline(model, ds);
      expect(laterPredictionsReact(predict, test)).to.equal(true);
      expect(peekingViolations(predict, test)).to.deep.equal([]);
    });
  }

  it('the check fails for a predictor that sees the answer it predicts', () => {
    const cheat: Predictor = (ds) => Float64Array.from(ds.correct, (c) => (c ? 0.9 : 0.1));
    expect(peekingViolations(cheat, test)).to.have.length(test.correct.length);
  });

  it('the check fails for a predictor that updates before predicting', () => {
    const model = trainers['bkt-forget'].fit(train, { restarts: 2 });
    const updateFirst: Predictor = (ds) => {
      const out = new Float64Array(ds.correct.length);
      const st = model.init();
      for (let i = 0; i < ds.correct.length; i++) {
        model.update(st, ds.skill[i]!, ds.correct[i] === 1, ds.item[i]!);
        out[i] = model.predict(st, ds.skill[i]!, ds.item[i]!);
      }
      return out;
    };
    expect(peekingViolations(updateFirst, test).length).to.be.greaterThan(0);
  });
});
