/**
 * npm run simulate: the adaptive engine on simulated students (src/engine/simulate.ts).
 *  1. parameter recovery of EM on 500 students x 10 skills;
 *  2. next-answer prediction (AUC, RMSE) on held-out students: BKT, BKT + item difficulty, mean baseline;
 *  3. adaptive efficiency: our policy against a static worksheet whose quota is set to reach the same
 *     share of truly learned skills.
 * Prints readable tables; the very last line is one JSON object with the figures.
 */
import {
  type Attempt, type BktParams, type EngineConfig, type ItemStat, type LearnerState, applyAttempt, calibrateItem,
  createRng, createState, fitBkt, nextStep, pCorrect, packSequences, prepareBank, updateSkills,
} from '../src/engine/index.js';
import { auc, rmse } from '../src/engine/metrics.js';
import { type SimWorld, answerItem, bktSequences, createStudent, createWorld, practise, worksheet } from '../src/engine/simulate.js';

const started = performance.now();
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pad = (s: string | number, n: number) => String(s).padStart(n);
const PARAMS = ['prior', 'learn', 'guess', 'slip'] as const;

// 1. Parameter recovery -------------------------------------------------------------------------------
const STUDENTS = 500;
const recoveryWorld = createWorld(createRng(101), { difficultySd: 0 });
const sequences = bktSequences(recoveryWorld, STUDENTS, 20, createRng(102));
const errors: Record<string, number[]> = { prior: [], learn: [], guess: [], slip: [] };
console.log(`\n1. Parameter recovery: EM on ${STUDENTS} simulated students x ${recoveryWorld.skills.length} skills, 20 answers each`);
console.log('skill   prior (true/fit)   learn (true/fit)   guess (true/fit)   slip (true/fit)');
let recoveryMs = performance.now();
for (const s of recoveryWorld.skills) {
  const fit = fitBkt(sequences.get(s.id)!, { seed: 7 });
  const t = recoveryWorld.truth[s.id]!;
  const cells = PARAMS.map((p) => {
    errors[p]!.push(Math.abs(fit.params[p] - t[p]));
    return `${t[p].toFixed(3)}/${fit.params[p].toFixed(3)}`;
  });
  console.log(`${s.id.padEnd(6)}${cells.map((c) => pad(c, 19)).join('')}`);
}
recoveryMs = performance.now() - recoveryMs;
const mae = Object.fromEntries(PARAMS.map((p) => [p, errors[p]!.reduce((a, b) => a + b, 0) / errors[p]!.length])) as Record<typeof PARAMS[number], number>;
console.log(`MAE   ${PARAMS.map((p) => pad(mae[p].toFixed(3), 19)).join('')}   (target <= 0.05; fit ${recoveryMs.toFixed(0)} ms)`);

// 2. Prediction on held-out students --------------------------------------------------------------------
const world = createWorld(createRng(201), { difficultySd: 0.8 });
const QUOTA_LOG = 12;
const logsOf = (n: number, seed: number) => Array.from({ length: n }, (_, k) => {
  const rng = createRng(seed * 100_003 + k);
  return worksheet(world, createStudent(world, rng), QUOTA_LOG, rng);
});
const train = logsOf(STUDENTS, 1);
const test = logsOf(STUDENTS, 2);
const params: Record<string, BktParams> = {};
for (const s of world.skills) {
  params[s.id] = fitBkt(packSequences(train.map((log) => log.filter((a) => a.skill === s.id).map((a) => a.correct))), { seed: 3 }).params;
}
const calibration: Record<string, ItemStat> = {};
for (let pass = 0; pass < 2; pass++) {
  for (const log of train) {
    const pk: Record<string, number> = {};
    for (const a of log) {
      const m = params[a.skill]!;
      const p = pk[a.skill] ?? m.prior;
      const d = calibration[a.item.id]?.difficulty ?? 0;
      calibration[a.item.id] = calibrateItem(calibration[a.item.id], pCorrect(p, m, d), a.correct);
      pk[a.skill] = updateSkills([p], [m], { correct: a.correct, hintsUsed: 0, difficulty: d })[0]!;
    }
  }
}
let trainRight = 0;
let trainTotal = 0;
for (const log of train) for (const a of log) { trainTotal++; if (a.correct) trainRight++; }
const mean = trainRight / trainTotal;
const labels: number[] = [];
const predBkt: number[] = [];
const predDiff: number[] = [];
const predMean: number[] = [];
for (const log of test) {
  const pk: Record<string, number> = {};
  const pkd: Record<string, number> = {};
  for (const a of log) {
    const m = params[a.skill]!;
    const p = pk[a.skill] ?? m.prior;
    const pd = pkd[a.skill] ?? m.prior;
    const d = calibration[a.item.id]?.difficulty ?? 0;
    labels.push(a.correct ? 1 : 0);
    predBkt.push(pCorrect(p, m));
    predDiff.push(pCorrect(pd, m, d));
    predMean.push(mean);
    pk[a.skill] = updateSkills([p], [m], { correct: a.correct, hintsUsed: 0 })[0]!;
    pkd[a.skill] = updateSkills([pd], [m], { correct: a.correct, hintsUsed: 0, difficulty: d })[0]!;
  }
}
const trueD = world.items.map((it) => it.difficulty!);
const estD = world.items.map((it) => calibration[it.id]?.difficulty ?? 0);
const corr = (() => {
  const n = trueD.length;
  const mx = trueD.reduce((a, b) => a + b, 0) / n;
  const my = estD.reduce((a, b) => a + b, 0) / n;
  let sxy = 0, sxx = 0, syy = 0;
  for (let i = 0; i < n; i++) { sxy += (trueD[i]! - mx) * (estD[i]! - my); sxx += (trueD[i]! - mx) ** 2; syy += (estD[i]! - my) ** 2; }
  return sxy / Math.sqrt(sxx * syy);
})();
const pred = {
  bkt: { auc: auc(predBkt, labels), rmse: rmse(predBkt, labels) },
  diff: { auc: auc(predDiff, labels), rmse: rmse(predDiff, labels) },
  mean: { auc: auc(predMean, labels), rmse: rmse(predMean, labels) },
};
console.log(`\n2. Next-answer prediction: fit on ${STUDENTS} students, tested on ${STUDENTS} held-out students (${labels.length} answers; item difficulty sd 0.8)`);
console.log('model                       AUC     RMSE');
console.log(`BKT                     ${pad(pred.bkt.auc.toFixed(3), 7)}  ${pad(pred.bkt.rmse.toFixed(3), 7)}`);
console.log(`BKT + item difficulty   ${pad(pred.diff.auc.toFixed(3), 7)}  ${pad(pred.diff.rmse.toFixed(3), 7)}`);
console.log(`mean baseline (${mean.toFixed(2)})    ${pad(pred.mean.auc.toFixed(3), 7)}  ${pad(pred.mean.rmse.toFixed(3), 7)}`);
console.log(`Elo difficulty vs truth: correlation ${corr.toFixed(3)} over ${world.items.length} items`);

// 3. Adaptive efficiency --------------------------------------------------------------------------------
const bank = prepareBank({
  items: world.items.map((it) => ({ id: it.id, skills: it.skills, difficulty: calibration[it.id]?.difficulty ?? 0 })),
  skills: world.skills,
});
const trueDifficulty = new Map(world.items.map((it) => [it.id, it]));
const config: EngineConfig = { params };
const nSkills = world.skills.length;
const MAX_QUESTIONS = 40 * nSkills;

interface Outcome { questions: number; learned: number; overPractice: number; declared: number; falseMastery: number; }

function summarise(w: SimWorld, known: Uint8Array, state: LearnerState, questions: number, over: number): Outcome {
  let learned = 0, declared = 0, falseMastery = 0;
  w.skills.forEach((s, i) => {
    if (known[i]) learned++;
    if (state.skills[s.id]?.mastered) { declared++; if (!known[i]) falseMastery++; }
  });
  return { questions, learned, overPractice: over, declared, falseMastery };
}

function adaptive(k: number): Outcome {
  const rng = createRng(900_001 + k);
  const known = createStudent(world, rng);
  const policyRng = createRng(700_001 + k);
  let state = createState();
  let questions = 0;
  let over = 0;
  for (let t = 0; questions < MAX_QUESTIONS; t++) {
    const now = Date.UTC(2025, 0, 6) + t * 30_000;
    const step = nextStep(state, bank, config, policyRng, now);
    if (step.kind === 'done' || !step.itemId) break;
    const item = trueDifficulty.get(step.itemId)!;
    const diff = bank.itemsBySkill.get(step.skill!)!.find((it) => it.id === step.itemId)!.difficulty;
    const attempt: Attempt = { itemId: item.id, skills: item.skills, correct: false, hintsUsed: 0, at: now, difficulty: diff };
    if (step.kind === 'worked_example') {
      for (const s of item.skills) practise(world, known, s, rng);
      state = applyAttempt(state, { ...attempt, kind: 'worked_example' }, config);
      continue;
    }
    if (item.skills.every((s) => known[world.index[s]!])) over++;
    attempt.correct = answerItem(world, known, item, rng);
    if (step.remediates) attempt.remediates = step.remediates;
    state = applyAttempt(state, attempt, config);
    questions++;
  }
  return summarise(world, known, state, questions, over);
}

function fixed(k: number, quota: number, withState: boolean): Outcome {
  const rng = createRng(900_001 + k);
  const known = createStudent(world, rng);
  let over = 0;
  let state = createState();
  let t = 0;
  for (const s of world.skills) {
    const items = bank.itemsBySkill.get(s.id)!;
    for (let q = 0; q < quota; q++) {
      const item = trueDifficulty.get(items[q % items.length]!.id)!;
      if (known[world.index[s.id]!]) over++;
      const correct = answerItem(world, known, item, rng);
      if (withState) state = applyAttempt(state, { itemId: item.id, skills: item.skills, correct, hintsUsed: 0, at: t++ * 30_000, difficulty: items[q % items.length]!.difficulty }, config);
    }
  }
  return summarise(world, known, state, quota * nSkills, over);
}

function total(outs: Outcome[]) {
  const sum = (f: (o: Outcome) => number) => outs.reduce((a, o) => a + f(o), 0);
  const q = sum((o) => o.questions);
  const learned = sum((o) => o.learned);
  const declared = sum((o) => o.declared);
  return {
    questionsPerStudent: q / outs.length,
    learnedShare: learned / (outs.length * nSkills),
    questionsPerLearnedSkill: q / Math.max(learned, 1),
    overPracticePerStudent: sum((o) => o.overPractice) / outs.length,
    overPracticeShare: sum((o) => o.overPractice) / Math.max(q, 1),
    declaredShare: declared / (outs.length * nSkills),
    falseMasteryRate: sum((o) => o.falseMastery) / Math.max(declared, 1),
  };
}

const ours = total(Array.from({ length: STUDENTS }, (_, k) => adaptive(k)));
let lo = 1;
let hi = 80;
while (lo < hi) {
  const mid = (lo + hi) >> 1;
  if (total(Array.from({ length: STUDENTS }, (_, k) => fixed(k, mid, false))).learnedShare >= ours.learnedShare) hi = mid; else lo = mid + 1;
}
const quota = lo;
const sheet = total(Array.from({ length: STUDENTS }, (_, k) => fixed(k, quota, true)));
const ratio = ours.questionsPerStudent / sheet.questionsPerStudent;
console.log(`\n3. Adaptive efficiency: ${STUDENTS} simulated students x ${nSkills} skills (prerequisites slow learning x${world.prereqPenalty}), params and item difficulties from part 2`);
console.log(`   worksheet quota = ${quota} questions per skill: the smallest quota whose share of truly learned skills reaches ours`);
console.log('                                    adaptive   worksheet');
const row = (label: string, a: number, b: number, digits = 2) => console.log(`${label.padEnd(34)}${pad(a.toFixed(digits), 10)}${pad(b.toFixed(digits), 12)}`);
row('questions per student', ours.questionsPerStudent, sheet.questionsPerStudent, 1);
row('truly learned share of skills', ours.learnedShare, sheet.learnedShare, 3);
row('questions per truly learned skill', ours.questionsPerLearnedSkill, sheet.questionsPerLearnedSkill);
row('over-practice per student', ours.overPracticePerStudent, sheet.overPracticePerStudent, 1);
row('over-practice share of questions', ours.overPracticeShare, sheet.overPracticeShare, 3);
row('declared mastered share', ours.declaredShare, sheet.declaredShare, 3);
row('false mastery rate', ours.falseMasteryRate, sheet.falseMasteryRate, 3);
console.log(`adaptive / worksheet questions: ${ratio.toFixed(3)} (${((1 - ratio) * 100).toFixed(1)}% fewer; target >= 30% fewer, false mastery <= 5%)`);
const seconds = (performance.now() - started) / 1000;
console.log(`\nsimulate: ${seconds.toFixed(1)} s`);

console.log(JSON.stringify({
  recovery_students: STUDENTS,
  recovery_skills: recoveryWorld.skills.length,
  recovery_mae_prior: r3(mae.prior),
  recovery_mae_learn: r3(mae.learn),
  recovery_mae_guess: r3(mae.guess),
  recovery_mae_slip: r3(mae.slip),
  prediction_test_answers: labels.length,
  auc_bkt: r3(pred.bkt.auc),
  rmse_bkt: r3(pred.bkt.rmse),
  auc_bkt_item_difficulty: r3(pred.diff.auc),
  rmse_bkt_item_difficulty: r3(pred.diff.rmse),
  auc_mean_baseline: r3(pred.mean.auc),
  rmse_mean_baseline: r3(pred.mean.rmse),
  item_difficulty_correlation: r3(corr),
  adaptive_questions_per_student: r3(ours.questionsPerStudent),
  worksheet_questions_per_student: r3(sheet.questionsPerStudent),
  worksheet_quota_per_skill: quota,
  adaptive_truly_learned_share: r3(ours.learnedShare),
  worksheet_truly_learned_share: r3(sheet.learnedShare),
  adaptive_questions_per_learned_skill: r3(ours.questionsPerLearnedSkill),
  worksheet_questions_per_learned_skill: r3(sheet.questionsPerLearnedSkill),
  adaptive_over_practice_per_student: r3(ours.overPracticePerStudent),
  worksheet_over_practice_per_student: r3(sheet.overPracticePerStudent),
  adaptive_false_mastery_rate: r3(ours.falseMasteryRate),
  questions_ratio_adaptive_vs_worksheet: r3(ratio),
  questions_saved_pct: r3((1 - ratio) * 100),
  runtime_s: r3(seconds),
}));
