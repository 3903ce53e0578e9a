/**
 * Knowledge-tracing evaluation CLI.
 *   npm run -s kt -- --train FILE --test FILE [--model NAME]
 *   npm run -s kt -- --train FILE --cv K [--model NAME]
 * Fits on the training file, predicts every test answer from the same student's earlier answers only, prints a
 * table and, as the last line, one JSON object {model, auc, rmse, answers, fit_s}.
 */
import { parseArgs } from 'node:util';
import { crossValidate, defaultModel, evaluate, trainer } from '../src/engine/kt/index.js';
import { readKtCsv } from './lib/kt-csv.js';

const { values } = parseArgs({
  options: {
    train: { type: 'string' },
    test: { type: 'string' },
    cv: { type: 'string' },
    model: { type: 'string', default: defaultModel },
    restarts: { type: 'string' },
    seed: { type: 'string' },
  },
});

function fail(msg: string): never {
  process.stderr.write(`${msg}\nusage: kt --train FILE (--test FILE | --cv K) [--model NAME] [--restarts N] [--seed N]\n`);
  process.exit(2);
}

if (!values.train) fail('--train is required');
if (!values.test === !values.cv) fail('give exactly one of --test and --cv');
const tr = trainer(values.model!);
const opts = {
  restarts: values.restarts ? Number(values.restarts) : undefined,
  seed: values.seed ? Number(values.seed) : undefined,
};

const train = readKtCsv(values.train);
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
