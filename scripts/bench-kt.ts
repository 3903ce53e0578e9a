/**
 * Learner-model benchmark on ASSISTments 2009 (training file): 5-fold CV by student of every model (AUC, RMSE,
 * mean fit time per fold, online predictions per second), and the full-file EM fit time of BKT. Prints a table
 * and, as its very last line, one JSON object with the figures.
 *   npm run bench:kt [-- --data FILE --folds K]
 */
import { parseArgs } from 'node:util';
import { crossValidate, defaultModel, fitBkt, trainers } from '../src/engine/kt/index.js';
import { readKtCsv } from './lib/kt-csv.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/assist09-train.csv' },
    folds: { type: 'string', default: '5' },
  },
});
const folds = Number(values.folds);
const t0 = performance.now();
const ds = readKtCsv(values.data!);
const readS = (performance.now() - t0) / 1000;
console.log(
  `data: ${values.data} — ${ds.students.length} students, ${ds.correct.length} answers, ${ds.skills.length} skills, ` +
    `${ds.items.length} item ids (read in ${readS.toFixed(2)} s)`,
);
console.log(`${folds}-fold cross-validation by student; each answer predicted online from the student's earlier answers only`);
console.log('');

const figures: Record<string, number | string> = { default_model: defaultModel };
const header = ['model'.padEnd(11), 'AUC'.padStart(7), 'RMSE'.padStart(7), 'fit s/fold'.padStart(11), 'pred/s'.padStart(11), '  method'];
console.log(header.join(' '));
for (const [name, tr] of Object.entries(trainers)) {
  const r = crossValidate(tr, ds, folds, { seed: 1 });
  const key = name.replace(/-/g, '_');
  figures[`auc_${key}`] = round(r.auc);
  figures[`rmse_${key}`] = round(r.rmse);
  figures[`fit_s_${key}`] = round(r.fitSeconds, 3);
  figures[`predictions_per_s_${key}`] = Math.round(r.predictionsPerSecond);
  if (name === defaultModel) {
    figures.auc_default = round(r.auc);
    figures.rmse_default = round(r.rmse);
    figures.predictions_per_s = Math.round(r.predictionsPerSecond);
  }
  console.log(
    [
      name.padEnd(11),
      r.auc.toFixed(4).padStart(7),
      r.rmse.toFixed(4).padStart(7),
      r.fitSeconds.toFixed(2).padStart(11),
      Math.round(r.predictionsPerSecond).toLocaleString('en-US').padStart(11),
      `  ${tr.description}`,
    ].join(' '),
  );
}
console.log('');
console.log('(kt-idem equals bkt-forget here: the file has no item ids, so every item falls back to its skill.)');
console.log('');

console.log('Full-file EM fit (all answers, one fit):');
for (const [label, forget, restarts] of [
  ['bkt', false, 5],
  ['bkt-forget', true, 5],
  ['bkt-forget', true, 20],
] as const) {
  const t = performance.now();
  const m = fitBkt(ds, label, { forget, restarts, seed: 1 });
  const s = (performance.now() - t) / 1000;
  console.log(`  ${label.padEnd(11)} ${String(restarts).padStart(2)} restarts/skill: ${s.toFixed(2)} s (log-likelihood ${m.params.logLik.toFixed(0)})`);
  figures[`em_full_fit_s_${label.replace(/-/g, '_')}_${restarts}_restarts`] = round(s, 3);
}
console.log(`memory: ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB RSS`);
figures.answers = ds.correct.length;
figures.folds = folds;
console.log(JSON.stringify(figures));

function round(x: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
