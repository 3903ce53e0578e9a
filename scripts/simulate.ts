/**
 * npm run -s simulate -- [--students MODULE] [--n 1000] [--seed 1] [--bkt-checks] [--model FILE] [--engine JSON] [--refit [--refit-class 300]]
 *
 * Runs the product's policy (the engine driven exactly as the practice loop drives it), a fixed worksheet,
 * "3 correct in a row" and random order with the product's mastery rule on the same simulated students, on the
 * built-in Fractions pack, and measures each by the students' TRUE chances (docs/simulation.md).
 *
 * MODULE is any ES module whose default export is createStudents({ skills, items, seed }) -> { student(i) }
 * (src/engine/sim/types.ts); default: the non-BKT logistic students fitted on ASSISTments 2009
 * (src/engine/sim/students/logistic.ts). `src/engine/sim/students/bkt.ts` gives students that learn the way
 * the engine assumes. --bkt-checks also runs the old checks of the BKT fitting code (EM parameter recovery,
 * prediction AUC/RMSE on simulated BKT data).
 * --engine JSON: other engine settings of the product's assignment (what-if runs, e.g. '{"giveUpAnswers":12}').
 * --model FILE: the product uses these learner parameters (JSON, as scripts/fit-learner-default.ts writes)
 * instead of the shipped src/engine/learner-default.json (to measure a refit before shipping it).
 * --refit: a tenant's refit. A first class of other students (seed + 1000, --refit-class of them, default 300)
 * practises with the product; its attempt log is refitted exactly as `model refit` does (src/engine/refit.ts),
 * and the measured students practise with the result: the extra policy `product_refit` (the refit model and its
 * item difficulties when the refit is accepted, else the current model). The JSON line adds `refit_accepted` and
 * `refit` (held-out log-likelihoods, forgetting, calibration of delayed answers).
 * Prints a table; the very last line is one JSON object with the figures.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadDemoPack } from '../src/content/content.files.js';
import { isTemplate } from '../src/content/templates.js';
import { type PolicyFigures, simulate } from '../src/engine/sim/harness.js';
import { LearnerModel, type LearnerParams, isLearnerParams } from '../src/engine/learner.js';
import { setupSchema } from '../src/practice/practice.schema.js';
import type { CreateStudents, SimItem, SimSkill } from '../src/engine/sim/types.js';
import type { EngineConfig } from '../src/engine/state.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_MODULE = 'src/engine/sim/students/logistic.ts';
const started = performance.now();

const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`);
  return v;
};
const known = new Set(['--students', '--n', '--seed', '--bkt-checks', '--model', '--engine', '--refit', '--refit-class']);
for (const a of args) if (a.startsWith('--') && !known.has(a)) throw new Error(`unknown option ${a} (known: ${[...known].join(', ')})`);
const n = Number(opt('--n') ?? 1000);
const seed = Number(opt('--seed') ?? 1);
if (!Number.isInteger(n) || n < 1) throw new Error('--n must be a positive integer');
if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
const refitClass = opt('--refit-class');
if (refitClass !== undefined && !args.includes('--refit')) throw new Error('--refit-class needs --refit');
const refit = args.includes('--refit') ? { firstClass: Number(refitClass ?? 300) } : undefined;
if (refit && (!Number.isInteger(refit.firstClass) || refit.firstClass < 1)) throw new Error('--refit-class must be a positive integer');

/** Resolves MODULE: a file path (relative to the working directory, else to the project), or a package name. */
async function loadStudents(spec: string): Promise<{ label: string; create: CreateStudents }> {
  const candidates = [path.resolve(spec), path.resolve(root, spec)];
  const file = candidates.find((c) => existsSync(c));
  const mod = (await import(file ? pathToFileURL(file).href : spec)) as { default?: unknown };
  if (typeof mod.default !== 'function') throw new Error(`${spec}: the default export must be createStudents({ skills, items, seed })`);
  return { label: file ? path.relative(root, file) : spec, create: mod.default as CreateStudents };
}

let bktChecks: Record<string, number> | undefined;
if (args.includes('--bkt-checks')) {
  const { runBktChecks } = await import('../src/engine/sim/bkt-checks.js');
  bktChecks = runBktChecks();
}

const students = await loadStudents(opt('--students') ?? DEFAULT_MODULE);
// The assignment: the whole demo pack, its skills and items as the practice loop builds its bank.
const pack = await loadDemoPack();
const skills: SimSkill[] = pack.skills.map((s) => ({ id: s.id, name: s.name, prerequisites: [...s.prerequisites] }));
const items: SimItem[] = pack.items.map((i) => ({ id: i.id, skills: [...i.skills], difficulty: i.difficulty ?? 0, ...(isTemplate(i) ? { template: true } : {}) }));

// A new assignment with the setup form's defaults (mastery threshold, target success, student choice).
const setup = setupSchema.parse({ skills: skills.map((s) => s.id) });
const modelFile = opt('--model');
const model = modelFile ? new LearnerModel(JSON.parse(readFileSync(path.resolve(modelFile), 'utf8')) as LearnerParams) : undefined;
if (model && !isLearnerParams(model.params)) throw new Error(`${modelFile}: not learner parameters`);
const engineJson = opt('--engine');
let engine: EngineConfig | undefined;
if (engineJson) {
  try { engine = JSON.parse(engineJson) as EngineConfig; } catch { throw new Error('--engine must be a JSON object of engine settings, e.g. {"giveUpAnswers":12}'); }
  if (!engine || typeof engine !== 'object' || Array.isArray(engine)) throw new Error('--engine must be a JSON object of engine settings');
}
const product = { threshold: setup.threshold, targetSuccess: setup.target, allowChoice: setup.allow_choice, ...(model ? { model } : {}), ...(engine ? { engine } : {}) };
const result = simulate({ skills, items, createStudents: students.create, n, seed, product, ...(refit ? { refit } : {}) });

const names = Object.keys(result.policies);
const r3 = (x: number) => Math.round(x * 1000) / 1000;
console.log(`\nSimulated students: ${students.label}, ${n} students (seed ${seed}), ${pack.pack.title} pack: ${skills.length} skills, ${items.length} items; 25 questions a day, at most 400; product: threshold ${product.threshold}, target ${product.targetSuccess}`);
const rows: [string, keyof PolicyFigures][] = [
  ['questions per student', 'questions_mean'],
  ['  of which worked examples', 'worked_examples_mean'],
  ['days of practice', 'days_mean'],
  ['finished', 'finished_share'],
  ['truly mastered at start (P >= 0.8)', 'true_mastery_start_share'],
  ['truly mastered at the end', 'true_mastery_share'],
  ['declared mastered at the end', 'declared_mastery_share'],
  ['verdicts per student', 'verdicts_per_student'],
  ['false verdicts (P < 0.7)', 'false_mastery_rate'],
  ['truly mastered 14 days later', 'retention_14d_share'],
  ['truly mastered per 10 questions', 'mastered_per_10_questions'],
  ['efficiency vs worksheet', 'efficiency_ratio_vs_worksheet'],
];
console.log(`${''.padEnd(36)}${names.map((p) => p.padStart(16)).join('')}`);
for (const [label, key] of rows) {
  console.log(`${label.padEnd(36)}${names.map((p) => { const v = result.policies[p]![key]; return (v === null ? '-' : String(v)).padStart(16); }).join('')}`);
}
if (result.refit) {
  const f = result.refit;
  console.log(`\nRefit of a first class (${f.first_class_students} students, seed ${f.first_class_seed}, ${f.answers} answers, ${f.fit} fit): ${f.refit_accepted ? 'accepted' : `rejected (${f.reason})`}`);
  console.log(`  held-out log-likelihood per answer: refit ${f.heldout_loglik ?? '-'}, current ${f.baseline_loglik ?? '-'}`);
  if (f.delayed) console.log(`  answers after >= 12 h (held out, ${f.delayed.current.answers}): predicted ${r3(f.delayed.candidate.predicted)} refit / ${r3(f.delayed.current.predicted)} current, observed ${r3(f.delayed.current.observed)}`);
}
const productFigures = result.policies.product!;
const seconds = (performance.now() - started) / 1000;
console.log(`\nsimulate: ${seconds.toFixed(1)} s`);
console.log(JSON.stringify({
  students: n,
  module: students.label,
  seed,
  pack: pack.pack.id,
  skills: skills.length,
  items: items.length,
  questions_per_day: 25,
  max_questions: 400,
  product_settings: { threshold: product.threshold, targetSuccess: product.targetSuccess, allowChoice: product.allowChoice, ...(modelFile ? { model: modelFile } : {}), ...(engine ? { engine } : {}) },
  policies: result.policies,
  ...Object.fromEntries(Object.entries(productFigures).map(([k, v]) => [`product_${k}`, v])),
  ...(result.refit ? { refit_accepted: result.refit.refit_accepted, refit: result.refit } : {}),
  ...(bktChecks ? { bkt_checks: bktChecks } : {}),
  runtime_s: r3(seconds),
}));
