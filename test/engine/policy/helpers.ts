import { prepareBank, type Bank } from '../../../src/engine/select.js';
import { type Attempt, type EngineConfig, type LearnerState, applyAttempt, createState, resolveConfig } from '../../../src/engine/state.js';
import { createView, type PolicyView } from '../../../src/engine/policy/index.js';

export const T0 = Date.UTC(2025, 0, 6, 9);
export const DAY = 86_400_000;
export const at = (i: number) => T0 + i * 60_000;

/** count <- add <- mul, count <- sub; six items per skill from easy to hard. */
export const bank: Bank = {
  items: ['count', 'add', 'sub', 'mul'].flatMap((s) => Array.from({ length: 6 }, (_, i) => ({ id: `${s}-${i}`, skills: [s], difficulty: (i - 2.5) * 0.6 }))),
  skills: [
    { id: 'count', prerequisites: [] },
    { id: 'add', prerequisites: ['count'] },
    { id: 'sub', prerequisites: ['count'] },
    { id: 'mul', prerequisites: ['add'] },
  ],
};

export const ans = (skill: string, correct: boolean, i: number, extra: Partial<Attempt> = {}): Attempt => ({
  itemId: `${skill}-${i % 6}`, skills: [skill], correct, hintsUsed: 0, at: at(i), ...extra,
});

export function answers(pattern: string, skill: string, s: LearnerState = createState(), from = 0, cfg: EngineConfig = {}): LearnerState {
  [...pattern].forEach((c, i) => { s = applyAttempt(s, ans(skill, c === '1', from + i), cfg); });
  return s;
}

export function view(state: LearnerState, now: number, cfg: EngineConfig = {}, request = {}): PolicyView {
  return createView(state, prepareBank(bank), resolveConfig(cfg), now, request);
}
