/**
 * Fits the learner model the product ships with (src/engine/learner-default.json): the live model fitted on
 * the whole ASSISTments 2009 training file, kept skill-agnostic (the pack's skills are not ASSISTments skills,
 * so every skill starts from the answer-weighted average skill and the student's own answers).
 *   npx tsx scripts/fit-learner-default.ts [--data FILE] [--out FILE] [--local-rate-from B] [--extra-features]
 * (--out: write the parameters elsewhere, e.g. to try a fit with `npm run -s simulate -- --model FILE`).
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { fitLearnerDataset, skillAgnostic } from '../src/engine/learner-fit.js';
import { readKtCsv } from './lib/kt-csv.js';

const { values } = parseArgs({ options: { data: { type: 'string', default: '../shared/data/assist09-train.csv' }, out: { type: 'string' }, 'local-rate-from': { type: 'string' }, 'extra-features': { type: 'boolean', default: false } } });
const ds = readKtCsv(values.data!);
const t0 = performance.now();
const lr = values['local-rate-from'];
const model = fitLearnerDataset(ds, { seed: 1, ...(lr ? { localRateFrom: Number(lr) } : {}), extraFeatures: values['extra-features'] });
const params = skillAgnostic(model.params, `live model fitted on ${values.data!.split('/').pop()} (${ds.correct.length} answers, ${ds.students.length} students, ${ds.skills.length} skills), skill-agnostic`);
writeFileSync(values.out ?? new URL('../src/engine/learner-default.json', import.meta.url), JSON.stringify(params, null, 1) + '\n');
console.log(`fitted in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
