/**
 * The old model checks of `npm run simulate`, now behind `--bkt-checks`: EM parameter recovery of BKT on
 * simulated BKT students, and next-answer prediction (AUC, RMSE) of BKT with and without item difficulty on
 * held-out simulated students. They check the BKT fitting code on data from its own model; the policy
 * comparison (harness.ts) replaced the old "adaptive vs worksheet" part.
 */
import {
  type BktParams, type ItemStat, calibrateItem, createRng, fitBkt, pCorrect, packSequences, updateSkills,
} from '../index.js';
import { auc, rmse } from '../metrics.js';
import { bktSequences, createStudent, createWorld, worksheet } from '../simulate.js';

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const pad = (s: string | number, n: number) => String(s).padStart(n);
const PARAMS = ['prior', 'learn', 'guess', 'slip'] as const;

/** Prints both tables and returns their figures (keys as the old JSON line had them). */
export function runBktChecks(): Record<string, number> {
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

  return {
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
  };
}
