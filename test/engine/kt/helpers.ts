import { packAnswers, seededRng, type KtDataset } from '../../../src/engine/kt/index.js';
import type { BktParams } from '../../../src/engine/types.js';

/** Simulates BKT learners: `students` students each answer `length` questions on every skill, skill by skill. */
export function simulateBkt(
  params: BktParams[],
  students: number,
  length: number,
  seed: number,
): KtDataset {
  const rng = seededRng(seed);
  const rows: { student: string; skill: string; correct: number }[] = [];
  for (let s = 0; s < students; s++) {
    for (let k = 0; k < params.length; k++) {
      const p = params[k]!;
      let known = rng() < p.prior;
      for (let t = 0; t < length; t++) {
        const correct = known ? rng() >= p.slip : rng() < p.guess;
        rows.push({ student: `s${s}`, skill: `k${k}`, correct: correct ? 1 : 0 });
        known = known ? rng() >= p.forget : rng() < p.learn;
      }
    }
  }
  return packAnswers(rows);
}

/** A random interleaved answer sequence of one student over a few skills (and items). */
export function randomSequence(n: number, seed: number, withItems = false): KtDataset {
  const rng = seededRng(seed);
  const rows = [];
  for (let t = 0; t < n; t++) {
    const k = Math.floor(rng() * 3);
    rows.push({
      student: 'solo',
      skill: `k${k}`,
      correct: rng() < 0.6 ? 1 : 0,
      item: withItems ? `i${k}-${Math.floor(rng() * 2)}` : undefined,
    });
  }
  return packAnswers(rows);
}
