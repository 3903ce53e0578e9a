/**
 * BKT students: the learner model the engine itself assumes (as the old `npm run simulate` did), for
 * `npm run -s simulate -- --students src/engine/sim/students/bkt.ts`. Each skill is known or not; true
 * parameters per skill are drawn from the ranges reported for real tutors (prior 0.05-0.45, learn 0.08-0.3,
 * guess 0.08-0.3, slip 0.05-0.2, no forgetting); an item's true difficulty (authored + N(0, 0.3)) shifts
 * guess and slip on the logit scale (KT-IDEM); an item needs every skill it tags; while a prerequisite is
 * unknown, learning is 0.3 times as likely; a studied worked example is one learning opportunity.
 * Self-contained: it does not import the engine it is used to measure.
 */
import { gaussian, mixSeed, mulberry32 } from '../random.js';
import type { CreateStudents, SimItem, SimStudent } from '../types.js';

interface Truth { prior: number; learn: number; guess: number; slip: number; prereqs: number[] }

const PREREQ_PENALTY = 0.3;
const ITEM_NOISE_SD = 0.3;
const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const uniform = (rng: () => number, lo: number, hi: number) => lo + (hi - lo) * rng();

const createStudents: CreateStudents = ({ skills, items, seed }) => {
  const wr = mulberry32(mixSeed(seed, 0xb47));
  const index = new Map(skills.map((s, i) => [s.id, i]));
  const truth: Truth[] = skills.map((s) => ({
    prior: uniform(wr, 0.05, 0.45), learn: uniform(wr, 0.08, 0.3), guess: uniform(wr, 0.08, 0.3), slip: uniform(wr, 0.05, 0.2),
    prereqs: s.prerequisites.map((p) => index.get(p)).filter((p): p is number => p !== undefined),
  }));
  const difficulty = new Map(items.map((it) => [it.id, it.difficulty + gaussian(wr, 0, ITEM_NOISE_SD)]));
  return {
    student(i: number): SimStudent {
      const rng = mulberry32(mixSeed(seed, 0xb5, i));
      const known = Uint8Array.from(truth, (m) => (rng() < m.prior ? 1 : 0));
      const ks = (item: SimItem) => item.skills.map((s) => index.get(s)).filter((k): k is number => k !== undefined);
      const practise = (k: number) => {
        if (known[k]) return;
        const m = truth[k]!;
        const rate = m.learn * (m.prereqs.every((p) => known[p]) ? 1 : PREREQ_PENALTY);
        if (rng() < rate) known[k] = 1;
      };
      return {
        pCorrect(skillId: string): number {
          const k = index.get(skillId);
          if (k === undefined) throw new Error(`unknown skill ${skillId}`);
          return known[k] ? 1 - truth[k]!.slip : truth[k]!.guess;
        },
        answer(item: SimItem): boolean {
          const d = difficulty.get(item.id) ?? item.difficulty;
          let correct = true;
          for (const k of ks(item)) {
            const m = truth[k]!;
            const p = known[k] ? sigmoid(logit(1 - m.slip) - d) : sigmoid(logit(m.guess) - d);
            if (rng() >= p) correct = false;
          }
          for (const k of ks(item)) practise(k);
          return correct;
        },
        study(item: SimItem): void {
          for (const k of ks(item)) practise(k);
        },
      };
    },
  };
};
export default createStudents;
