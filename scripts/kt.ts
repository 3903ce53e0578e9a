/**
 * Knowledge-tracing evaluation CLI.
 *   npm run -s kt -- --train FILE --test FILE [--model NAME]
 *   npm run -s kt -- --train FILE --cv K [--model NAME]
 *   npm run -s kt -- --train FILE (--test FILE | --cv K) --mastery-report [--threshold P] [--min-answers N]
 *   either with [--buckets 1,3,7] [--local-rate-from B]: the stack's answer-count bucket cuts, and the first
 *   bucket whose weights leave out the success rate on all skills (default the last; a number past it keeps it);
 *   [--extra-features]: also fit the stack's extra features (kt/blend.ts BLEND_EXTRA_FEATURES, off by default);
 *   [--omit 19,20]: leave these stack features out (indices in weight order; ablations, docs/learner-model.md).
 * Fits on the training file, predicts every test answer from the same student's earlier answers only, prints a
 * table and, as the last line, one JSON object {model, auc, rmse, answers, fit_s}. Without --model it evaluates
 * the product's live learner model. With --mastery-report it replays the held-out students through the live
 * model and the product's mastery rule and reports what the verdicts predicted (JSON last line
 * {next_correct_after_mastery, next3_correct_after_mastery, median_answers_to_mastery, ece, auc, verdicts}).
 */
import { parseArgs } from 'node:util';
import { crossValidate, defaultModel, evaluate, fitLive, masteryReport, masteryReportCv, trainer, type MasteryReport } from '../src/engine/kt/index.js';
import { DEFAULT_MASTERY_RULE } from '../src/engine/learner.js';
import { readKtCsv } from './lib/kt-csv.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    cv: { type: 'string' },
    model: { type: 'string', default: defaultModel },
    restarts: { type: 'string' },
    seed: { type: 'string' },
    'mastery-report': { type: 'boolean', default: false },
    threshold: { type: 'string' },
    'min-answers': { type: 'string' },
    uncertainty: { type: 'string' },
    buckets: { type: 'string' },
    'local-rate-from': { type: 'string' },
    'extra-features': { type: 'boolean', default: false },
    omit: { type: 'string' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`${msg}\nusage: kt --train FILE (--test FILE | --cv K) [--model NAME] [--restarts N] [--seed N] [--buckets 1,3,7] [--local-rate-from B] [--extra-features] [--omit I,J] [--mastery-report]\n`);
  process.exit(2);
}

if (!values.train) fail('--train is required');
if (!values.test === !values.cv) fail('give exactly one of --test and --cv');
const tr = trainer(values.model!);
const opts = {
  restarts: values.restarts ? Number(values.restarts) : undefined,
  seed: values.seed ? Number(values.seed) : undefined,
  // Answer-count bucket cuts of the live model's stack (e.g. "1,3"; default kt/blend.ts BLEND_PFA_BUCKETS).
  buckets: values.buckets ? values.buckets.split(',').map(Number) : undefined,
  // From this bucket on, the stack leaves out the success rate on all skills (kt/blend.ts localRateFrom).
  localRateFrom: values['local-rate-from'] ? Number(values['local-rate-from']) : undefined,
  // Fit the stack's extra features (kt/blend.ts BLEND_EXTRA_FEATURES) and/or leave some features out.
  extraFeatures: values['extra-features'],
  omit: values.omit ? values.omit.split(',').map(Number) : undefined,
};

const train = readKtCsv(values.train);
if (values['mastery-report']) {
  if (values.model !== defaultModel) fail('--mastery-report evaluates the live model only');
  const rule = {
    ...DEFAULT_MASTERY_RULE,
    ...(values.threshold ? { threshold: Number(values.threshold) } : {}),
    ...(values['min-answers'] ? { minAnswers: Number(values['min-answers']) } : {}),
    ...(values.uncertainty ? { uncertainty: Number(values.uncertainty) } : {}),
  };
  const t0 = performance.now();
  let r: MasteryReport;
  let how: string;
  if (values.cv) {
    const k = Number(values.cv);
    if (!Number.isInteger(k) || k < 2) fail('--cv needs an integer >= 2');
    r = masteryReportCv(train, k, rule, opts);
    how = `${k}-fold CV by student (every student held out once)`;
  } else {
    const test = readKtCsv(values.test!, train.skills, train.items);
    const m = fitLive(train, opts);
    r = masteryReport(m.model, m.skills, test, rule);
    how = `${test.students.length} test students`;
  }
  printMastery(r, rule, how, (performance.now() - t0) / 1000);
  process.exit(0);
}
let result: { auc: number; rmse: number; answers: number; fit_s: number; extra: string };
if (values.cv) {
  const k = Number(values.cv);
  if (!Number.isInteger(k) || k < 2) fail('--cv needs an integer >= 2');
  const r = crossValidate(tr, train, k, opts);
  result = {
    auc: r.auc,
    rmse: r.rmse,
    answers: r.answers,
    fit_s: r.fitSeconds,
    extra: `${k}-fold CV by student; fold AUCs ${r.foldAuc.map((a) => a.toFixed(4)).join(' ')}; fit_s is the mean per fold`,
  };
} else {
  const test = readKtCsv(values.test!, train.skills, train.items);
  const t0 = performance.now();
  const model = tr.fit(train, opts);
  const fitS = (performance.now() - t0) / 1000;
  const r = evaluate(model, test);
  result = { auc: r.auc, rmse: r.rmse, answers: r.answers, fit_s: fitS, extra: `${test.students.length} test students` };
}

const r4 = (x: number) => Math.round(x * 10000) / 10000;
console.log(`model: ${tr.name} — ${tr.description}`);
console.log(`train: ${values.train} (${train.students.length} students, ${train.correct.length} answers, ${train.skills.length} skills)`);
console.log(result.extra);
console.log('');
console.log(['model'.padEnd(12), 'AUC'.padStart(8), 'RMSE'.padStart(8), 'answers'.padStart(9), 'fit s'.padStart(7)].join(' '));
console.log(
  [
    tr.name.padEnd(12),
    result.auc.toFixed(4).padStart(8),
    result.rmse.toFixed(4).padStart(8),
    String(result.answers).padStart(9),
    result.fit_s.toFixed(2).padStart(7),
  ].join(' '),
);
console.log(
  JSON.stringify({ model: tr.name, auc: r4(result.auc), rmse: r4(result.rmse), answers: result.answers, fit_s: r4(result.fit_s) }),
);

function printMastery(r: MasteryReport, rule: typeof DEFAULT_MASTERY_RULE, how: string, seconds: number): void {
  const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
  console.log(`mastery report of the live model: ${how}; ${r.answers} answers; ${seconds.toFixed(1)} s`);
  console.log(`rule: P(correct on a new average item ${rule.horizonDays} day later) >= ${rule.threshold}, after >= ${rule.minAnswers} answers on the skill${rule.uncertainty ? `, at its lower bound (-${rule.uncertainty}/sqrt(answers) logits)` : ''}`);
  console.log('');
  console.log(`first mastery verdicts (student, skill)      ${r.verdicts}`);
  console.log(`  followed by another answer on the skill    ${r.withNext}`);
  console.log(`next answer after the verdict correct        ${f3(r.nextCorrect)}   (target >= ${rule.threshold})`);
  console.log(`next 3 answers after the verdict correct     ${f3(r.next3Correct)}`);
  console.log(`median answers to mastery                    ${r.medianAnswers}`);
  console.log(`for reference: next answer correct after any correct answer ${f3(r.nextCorrectAfterAnyCorrect)}, after a first 3-in-a-row ${f3(r.nextCorrectAfter3InARow)}`);
  console.log(`AUC ${f3(r.auc)}   expected calibration error ${r.ece.toFixed(4)}`);
  console.log('');
  console.log('reliability: predicted P(correct) bin   answers   mean predicted   observed');
  for (const b of r.bins) {
    console.log(`  [${b.lo.toFixed(1)}, ${b.hi.toFixed(1)})                     ${String(b.count).padStart(9)}   ${f3(b.predicted).padStart(14)}   ${f3(b.observed).padStart(8)}`);
  }
  const r4 = (x: number) => Math.round(x * 10000) / 10000;
  console.log(JSON.stringify({
    next_correct_after_mastery: r4(r.nextCorrect),
    next3_correct_after_mastery: r4(r.next3Correct),
    median_answers_to_mastery: r.medianAnswers,
    ece: r4(r.ece),
    auc: r4(r.auc),
    verdicts: r.verdicts,
  }));
}
