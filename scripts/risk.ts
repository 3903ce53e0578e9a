/**
 * At-risk (wheel-spinning) model evaluation CLI.
 *   npm run -s risk -- --train FILE --test FILE
 *   npm run -s risk -- --train FILE --cv K            (cross-validation by student inside FILE)
 *   npm run -s risk -- --train FILE --save OUT.json   (fit and write a model, e.g. src/engine/risk/default-model.json)
 * Options: --label unfinished|strict, --horizon N (10), --mastery-run N (3), --lambda X, --seed N,
 * --no-skill-rates (a skill-blind model, as the default one is).
 * Compares the model with today's rule on the same students, prints a table and, as its last line, one JSON
 * object {auc, precision, recall, f1, rule_precision, rule_recall, rule_f1, flagged_at_answer_median,
 * rule_flagged_at_answer_median}.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import {
  crossValidate, fitRiskModel, parseAnswerCsv, runEvaluation, summarise, DEFAULT_DEFINITION,
  type EvalSummary, type FitOptions, type Prf, type RiskDefinition, type RiskModel,
} from '../src/engine/risk/index.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    cv: { type: 'string' },
    save: { type: 'string' },
    label: { type: 'string', default: DEFAULT_DEFINITION.label },
    horizon: { type: 'string', default: String(DEFAULT_DEFINITION.horizon) },
    'mastery-run': { type: 'string', default: String(DEFAULT_DEFINITION.masteryRun) },
    lambda: { type: 'string' },
    seed: { type: 'string', default: '1' },
    'no-skill-rates': { type: 'boolean', default: false },
  },
});

function fail(msg: string): never {
  process.stderr.write(
    `${msg}\nusage: risk --train FILE (--test FILE | --cv K | --save OUT) [--label unfinished|strict] [--horizon N] [--mastery-run N] [--lambda X] [--seed N] [--no-skill-rates]\n`,
  );
  process.exit(2);
}

if (!values.train) fail('--train is required');
if ([values.test, values.cv, values.save].filter(Boolean).length !== 1) fail('give exactly one of --test, --cv and --save');
if (values.label !== 'unfinished' && values.label !== 'strict') fail('--label is unfinished or strict');
const horizon = Number(values.horizon);
const masteryRun = Number(values['mastery-run']);
if (!Number.isInteger(horizon) || !Number.isInteger(masteryRun) || masteryRun < 1 || horizon < masteryRun) fail('--horizon and --mastery-run: integers, horizon >= mastery-run >= 1');
const definition: RiskDefinition = { masteryRun, horizon, label: values.label };
const opts: FitOptions & { seed: number } = {
  definition,
  useSkillRates: !values['no-skill-rates'],
  seed: Number(values.seed),
  ...(values.lambda ? { lambda: Number(values.lambda) } : {}),
};

const read = (f: string) => parseAnswerCsv(readFileSync(f, 'utf8'), f);
const train = read(values.train);
const t0 = performance.now();

if (values.save) {
  const model = fitRiskModel(train, { ...opts, source: values.train.replace(/^.*\//, '') });
  writeFileSync(values.save, `${JSON.stringify(roundModel(model), null, 1)}\n`);
  console.log(`wrote ${values.save}: ${model.trainedOn.sequences} sequences, threshold ${model.threshold.toFixed(4)}`);
  process.exit(0);
}

let summary: EvalSummary;
let extra: string;
if (values.cv) {
  const k = Number(values.cv);
  if (!Number.isInteger(k) || k < 2) fail('--cv needs an integer >= 2');
  const r = crossValidate(train, k, opts);
  summary = summarise(r.run);
  extra = `${k}-fold CV by student; fold F1 ${r.folds.map((f) => f.summary.model.f1.toFixed(3)).join(' ')} (rule ${r.folds
    .map((f) => f.summary.rule.f1.toFixed(3))
    .join(' ')}); thresholds ${r.folds.map((f) => f.threshold.toFixed(3)).join(' ')}`;
} else {
  const model = fitRiskModel(train, opts);
  summary = summarise(runEvaluation(model, read(values.test!)));
  extra = `test ${values.test}; threshold ${model.threshold.toFixed(4)}`;
}
const seconds = (performance.now() - t0) / 1000;

const f = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
console.log(`train: ${values.train} (${new Set(train.map((a) => a.student)).size} students, ${train.length} answers)`);
console.log(extra);
console.log(
  `label: ${definition.label === 'unfinished' ? 'wheel-spins or does not finish' : 'wheel-spins (unfinished sequences left out)'}: no ${definition.masteryRun} correct in a row within ${definition.horizon} answers on the skill; flags only while mastery within ${definition.horizon} is still possible`,
);
console.log(`sequences: ${summary.sequences}, positive: ${summary.positives} (${f((100 * summary.positives) / Math.max(1, summary.sequences), 1)}%); AUC ${f(summary.auc, 4)} (per answer ${f(summary.pointAuc, 4)}); ${seconds.toFixed(1)} s`);
console.log('');
console.log(['flagger'.padEnd(24), 'precision', 'recall', '    F1', 'flagged', 'median at', 'median at (TP)'].join(' '));
const row = (name: string, p: Prf) =>
  console.log(
    [name.padEnd(24), f(p.precision).padStart(9), f(p.recall).padStart(6), f(p.f1).padStart(6), String(p.flagged).padStart(7), f(p.medianAt, 1).padStart(9), f(p.medianAtTruePositive, 1).padStart(14)].join(' '),
  );
row('model', summary.model);
row("today's rule", summary.rule);
row("today's rule, any time", summary.ruleAnyTime);
row('flag all at answer 1', summary.flagAll);
console.log('');
const r4 = (x: number | null) => (x === null ? null : Math.round(x * 10000) / 10000);
console.log(
  JSON.stringify({
    auc: r4(summary.auc),
    precision: r4(summary.model.precision),
    recall: r4(summary.model.recall),
    f1: r4(summary.model.f1),
    rule_precision: r4(summary.rule.precision),
    rule_recall: r4(summary.rule.recall),
    rule_f1: r4(summary.rule.f1),
    flagged_at_answer_median: r4(summary.model.medianAt),
    rule_flagged_at_answer_median: r4(summary.rule.medianAt),
  }),
);

function roundModel(m: RiskModel): RiskModel {
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  return {
    ...m,
    mean: m.mean.map(r),
    std: m.std.map(r),
    coef: m.coef.map(r),
    intercept: r(m.intercept),
    threshold: r(m.threshold),
    globalRate: r(m.globalRate),
    ...(m.skillRates ? { skillRates: Object.fromEntries(Object.entries(m.skillRates).map(([k, v]) => [k, r(v)])) } : {}),
  };
}
