/**
 * npm run bench:engine: speed of the adaptive engine on this machine.
 *  - nextStep over a bank of 10,000 items and 200 skills: p50 / p99 microseconds (target p99 < 1 ms);
 *  - cost of one learner-model update (LearnerModel.update, target <= 50 us) and of one full applyAttempt;
 *  - size of a learner state (JSON bytes);
 *  - refit of 1,000,000 answers: each skill's own parameters on top of the shipped model (the refit of
 *    model.service below 50,000 answers; target < 10 s), and the EM of the BKT component alone;
 *  - memory used.
 * Prints a readable table; the very last line is one JSON object with the figures.
 */
import {
  type Attempt, type Bank, type LearnerState, applyAttempt, createRng, createState, defaultLearnerModel, fitSkillsOnly, initGlobal, nextStep,
  prepareBank,
} from '../src/engine/index.js';
import { DatasetBuilder } from '../src/engine/kt/dataset.js';
import { fitBkt } from '../src/engine/kt/bkt.js';

const r1 = (x: number) => Math.round(x * 10) / 10;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pct = (xs: number[], q: number) => xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;

// nextStep on a large bank -----------------------------------------------------------------------------
const rng = createRng(42);
const SKILLS = 200;
const ITEMS = 10_000;
const skills = Array.from({ length: SKILLS }, (_, i) => ({
  id: `k${i}`,
  prerequisites: i === 0 ? [] : [`k${Math.floor(rng() * i)}`, ...(i > 5 && rng() < 0.3 ? [`k${Math.floor(rng() * i)}`] : [])],
}));
const items = Array.from({ length: ITEMS }, (_, i) => ({
  id: `q${i}`,
  skills: i % 10 === 5 ? [`k${i % SKILLS}`, `k${(i * 7 + 3) % SKILLS}`] : [`k${i % SKILLS}`],
  difficulty: (rng() - 0.5) * 3,
}));
const rawBank: Bank = { items, skills };
let t0 = performance.now();
const bank = prepareBank(rawBank);
const prepareMs = performance.now() - t0;

// learner states at many points of progress: a simulated student answering what nextStep proposes
const policyRng = createRng(7);
const answerRng = createRng(8);
const states: LearnerState[] = [];
let state = createState();
const T0 = Date.UTC(2025, 0, 6);
for (let t = 0; t < 3000; t++) {
  const now = T0 + t * 600_000;
  const step = nextStep(state, bank, {}, policyRng, now);
  if (step.kind === 'done' || !step.itemId) break;
  const item = items[Number(step.itemId.slice(1))]!;
  const attempt: Attempt = { itemId: item.id, skills: item.skills, correct: answerRng() < 0.8, hintsUsed: 0, at: now, difficulty: item.difficulty };
  if (step.remediates) attempt.remediates = step.remediates;
  state = applyAttempt(state, step.kind === 'worked_example' ? { ...attempt, kind: 'worked_example' } : attempt);
  if (t % 10 === 0) states.push(state);
}
if (states.length === 0) throw new Error('the simulated student never got a question');
const masteredAtEnd = Object.values(state.skills).filter((s) => s.mastered).length;
for (let i = 0; i < 2000; i++) nextStep(states[i % states.length]!, bank, {}, policyRng, T0 + i);
const samples: number[] = [];
const CALLS = 20_000;
for (let i = 0; i < CALLS; i++) {
  const s = states[i % states.length]!;
  const a = performance.now();
  nextStep(s, bank, {}, policyRng, T0 + 3000 * 600_000 + i);
  samples.push((performance.now() - a) * 1000);
}
samples.sort((a, b) => a - b);
const p50 = pct(samples, 0.5);
const p99 = pct(samples, 0.99);
const pMax = samples[samples.length - 1]!;

// Learner-model update cost ----------------------------------------------------------------------------
const model = defaultLearnerModel();
const UPDATES = 2_000_000;
const g = initGlobal();
const ks = Array.from({ length: 10 }, (_, i) => model.initSkill(`k${i}`));
t0 = performance.now();
for (let i = 0; i < UPDATES; i++) model.update(g, `k${i % 10}`, ks[i % 10]!, (i & 3) !== 0 ? 1 : 0, T0 + i * 1000, 0);
const updateNs = ((performance.now() - t0) * 1e6) / UPDATES;
if (!(g.n > 0)) throw new Error('unreachable');
const APPLIES = 50_000;
let st = states[states.length - 1]!;
t0 = performance.now();
for (let i = 0; i < APPLIES; i++) {
  const item = items[(i * 37) % ITEMS]!;
  st = applyAttempt(st, { itemId: item.id, skills: item.skills, correct: (i & 3) !== 0, hintsUsed: 0, at: T0 + 3000 * 600_000 + i * 1000, difficulty: item.difficulty });
}
const applyUs = ((performance.now() - t0) * 1000) / APPLIES;
const stateBytes = JSON.stringify(state).length;
const practisedSkills = Object.keys(state.skills).length;

// Refit on a million answers ------------------------------------------------------------------------------
const simRng = createRng(5);
const b = new DatasetBuilder();
const truth = Array.from({ length: 10 }, () => ({ prior: 0.1 + 0.3 * simRng(), learn: 0.08 + 0.2 * simRng(), guess: 0.08 + 0.2 * simRng(), slip: 0.05 + 0.15 * simRng() }));
for (let s = 0; s < 5000; s++) {
  for (let k = 0; k < 10; k++) {
    const p = truth[k]!;
    let known = simRng() < p.prior;
    for (let t = 0; t < 20; t++) {
      b.add(`s${s}`, `k${k}`, known ? simRng() >= p.slip : simRng() < p.guess);
      if (!known && simRng() < p.learn) known = true;
    }
  }
}
const data = b.build();
const answers = data.correct.length;
t0 = performance.now();
fitSkillsOnly(model.params, data);
const refitSeconds = (performance.now() - t0) / 1000;
t0 = performance.now();
const bkt = fitBkt(data, 'bkt', { restarts: 5, seed: 1 });
const emSeconds = (performance.now() - t0) / 1000;
let maxErr = 0;
for (let k = 0; k < 10; k++) {
  const f = bkt.skillParams(data.skills.indexOf(`k${k}`));
  for (const key of ['prior', 'learn', 'guess', 'slip'] as const) maxErr = Math.max(maxErr, Math.abs(f[key] - truth[k]![key]));
}

const mem = process.memoryUsage();
const rssMb = mem.rss / 1048576;
const heapMb = mem.heapUsed / 1048576;

console.log('\nAdaptive engine benchmark');
console.log('figure                                               value');
console.log(`bank                                   ${ITEMS} items, ${SKILLS} skills (prepared in ${prepareMs.toFixed(1)} ms)`);
console.log(`nextStep p50                           ${p50.toFixed(1).padStart(10)} us   (${CALLS} calls, ${states.length} learner states, ${masteredAtEnd} skills mastered at the end)`);
console.log(`nextStep p99                           ${p99.toFixed(1).padStart(10)} us   (target < 1000 us)`);
console.log(`nextStep max                           ${pMax.toFixed(1).padStart(10)} us`);
console.log(`learner model update                   ${(updateNs / 1000).toFixed(2).padStart(10)} us per answer   (target <= 50 us)`);
console.log(`applyAttempt (model + mastery + policy state) ${applyUs.toFixed(2).padStart(10)} us per answer`);
console.log(`learner state                          ${stateBytes.toLocaleString('en').padStart(10)} bytes of JSON (${practisedSkills} skills practised)`);
console.log(`refit, ${answers.toLocaleString('en')} answers, 10 skills    ${refitSeconds.toFixed(2).padStart(10)} s   (each skill's parameters on the shipped stack; target < 10 s)`);
console.log(`EM of the BKT component alone          ${emSeconds.toFixed(2).padStart(10)} s   (5 starts per skill; max param error ${maxErr.toFixed(3)})`);
console.log(`memory                                 ${rssMb.toFixed(0).padStart(10)} MB rss, ${heapMb.toFixed(0)} MB heap`);

console.log(JSON.stringify({
  bank_items: ITEMS,
  bank_skills: SKILLS,
  next_step_p50_us: r1(p50),
  next_step_p99_us: r1(p99),
  next_step_max_us: r1(pMax),
  model_update_us: r3(updateNs / 1000),
  apply_attempt_us: r3(applyUs),
  state_bytes: stateBytes,
  refit_attempts: answers,
  refit_s: r3(refitSeconds),
  em_fit_s: r3(emSeconds),
  em_max_param_error: r3(maxErr),
  rss_mb: r1(rssMb),
  heap_used_mb: r1(heapMb),
}));
