/**
 * npm run bench:content — how fast packs load and items render and grade.
 *
 * 1. Load: a generated 10,000-item pack (the demo pack's items and templates repeated under new ids,
 *    as YAML split over 10 files) is parsed and fully validated (schema, references, LaTeX, 3
 *    instances per template). Median of 3 runs.
 * 2. Per item: for 3,000 draws over the demo pack (templates instantiated with a fresh seed each
 *    time) the time to instantiate, to render the student view (Markdown + KaTeX + sanitising), and
 *    to grade the correct answer and one distractor. KaTeX output is memoised per formula, as in a
 *    running server; the first pass warms it.
 * 3. Imports (issue 15): a generated 10,000-question Moodle XML file and a 10,000-question GIFT file
 *    (every importable type, HTML, categories, tags, feedback, hints) are parsed and validated into
 *    packs (median of 3 each), and the Moodle pack is imported into PostgreSQL (an embedded one,
 *    through the same `importPack` as `content import`). These run in a child process of their own,
 *    whose peak RSS is reported (the other phases' memory is not theirs).
 * Prints a table, then as the very last line one JSON object with the figures.
 */
import YAML from 'yaml';
import { renderItemForStudent } from '../src/content/content.presenter.js';
import { loadDemoPack } from '../src/content/content.files.js';
import type { Item } from '../src/content/content.schema.js';
import { correctResponse, distractorResponses, grade } from '../src/content/grading.js';
import { parsePack, type PackFile } from '../src/content/pack.js';
import { instantiate } from '../src/content/templates.js';
import { importPack } from '../src/content/content.repository.js';
import { importGift } from '../src/content/importers/gift.js';
import { importMoodleXml } from '../src/content/importers/moodle.js';
import type { ImportResult } from '../src/content/importers/types.js';
import { migrate } from '../src/db/index.js';
import pg from 'pg';
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { benchPostgres, guardRun } from './bench-harness.js';


/** A generated Moodle XML question bank: `n` questions of every importable type over 20 categories. */
function moodleBank(n: number): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>\n<quiz>'];
  for (let i = 0; i < n; i++) {
    if (i % 500 === 0) out.push(`  <question type="category"><category><text>$course$/top/Default for Bench/Unit ${i / 500 + 1}</text></category></question>`);
    const a = (i % 9) + 1;
    const b = (i % 7) + 2;
    const head = (type: string, text: string) =>
      `  <question type="${type}">\n    <name><text>Q${i} ${type}</text></name>\n    <questiontext format="html"><text><![CDATA[<p>${text}</p>]]></text></questiontext>\n    <generalfeedback format="html"><text><![CDATA[<p>Work it out step by step for question ${i}.</p>]]></text></generalfeedback>\n    <hint format="html"><text>Think about ${a} and ${b}.</text></hint>\n    <tags><tag><text>bench</text></tag><tag><text>4.NF.B.${(i % 4) + 1}</text></tag></tags>`;
    switch (i % 5) {
      case 0:
        out.push(`${head('multichoice', `What is <strong>${a} + ${b}</strong>? Pick the right sum.`)}\n    <single>true</single><shuffleanswers>true</shuffleanswers>\n    <answer fraction="100" format="html"><text>${a + b}</text><feedback format="html"><text>Right.</text></feedback></answer>\n    <answer fraction="0" format="html"><text>${a + b + 1}</text><feedback format="html"><text>Count again.</text></feedback></answer>\n    <answer fraction="0" format="html"><text>${a * b + 100}</text></answer>\n  </question>`);
        break;
      case 1:
        out.push(`${head('truefalse', `${a} &lt; ${b} is true.`)}\n    <answer fraction="${a < b ? 100 : 0}"><text>true</text></answer>\n    <answer fraction="${a < b ? 0 : 100}"><text>false</text></answer>\n  </question>`);
        break;
      case 2:
        out.push(`${head('shortanswer', `Name the number ${a}.`)}\n    <usecase>0</usecase>\n    <answer fraction="100"><text>n${a}</text></answer>\n    <answer fraction="50"><text>m${a}</text><feedback format="html"><text>Almost.</text></feedback></answer>\n  </question>`);
        break;
      case 3:
        out.push(`${head('numerical', `What is ${a} × ${b}?`)}\n    <answer fraction="100"><text>${a * b}</text><tolerance>0</tolerance></answer>\n  </question>`);
        break;
      default:
        out.push(`${head('multichoice', `Which are multiples of ${b}?`)}\n    <single>false</single>\n    <answer fraction="50"><text>${b}</text></answer>\n    <answer fraction="50"><text>${2 * b}</text></answer>\n    <answer fraction="-100"><text>${2 * b + 1}</text></answer>\n  </question>`);
    }
  }
  out.push('</quiz>\n');
  return out.join('\n');
}

/** A generated GIFT file of `n` questions. */
function giftBank(n: number): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 500 === 0) out.push(`$CATEGORY: $course$/top/Unit ${i / 500 + 1}\n`);
    const a = (i % 9) + 1;
    const b = (i % 7) + 2;
    switch (i % 5) {
      case 0:
        out.push(`// [tag:4.NF.B.${(i % 4) + 1}]\n::Q${i}::What is ${a} + ${b}?{\n=${a + b} # Right.\n~${a + b + 1} # Count again.\n~%50%${a + b}.0 # Write it without the decimal.\n####Add the ones.\n}\n`);
        break;
      case 1:
        out.push(`::Q${i}::${a} is less than ${b}.{${a < b ? 'T' : 'F'}#No.#Yes.}\n`);
        break;
      case 2:
        out.push(`::Q${i}::Name the number ${a}.{=n${a} =%50%m${a}#Almost.}\n`);
        break;
      case 3:
        out.push(`::Q${i}::What is ${a} times ${b}?{#${a * b}:0.5}\n`);
        break;
      default:
        out.push(`::Q${i}::Which are multiples of ${b}?{\n~%50%${b}\n~%50%${2 * b}\n~%-100%${2 * b + 1}\n}\n`);
    }
  }
  return out.join('\n');
}

const BANK = 10_000;

/** Figures of the import phases, measured in their own process (so its peak RSS is theirs alone). */
interface ImportFigures {
  moodleMs: number;
  moodleRuns: number[];
  moodleMb: number;
  giftMs: number;
  giftRuns: number[];
  giftMb: number;
  importMs: number;
  pgVersion: string;
  peakRssMb: number;
}

async function importPhases(): Promise<ImportFigures> {
  const moodleXml = moodleBank(BANK);
  const giftText = giftBank(BANK);
  function medianImport(run: () => ImportResult): { ms: number; runs: number[]; result: ImportResult } {
    const runs: number[] = [];
    let result!: ImportResult;
    for (let k = 0; k < 3; k++) {
      const t = performance.now();
      result = run();
      runs.push(performance.now() - t);
      if (result.imported !== BANK || result.errors) throw new Error(`generated bank did not import: ${result.imported} of ${BANK}, ${result.errors} errors`);
    }
    return { ms: [...runs].sort((x, y) => x - y)[1]!, runs, result };
  }
  const moodle = medianImport(() => importMoodleXml('bench.xml', moodleXml));
  const gift = medianImport(() => importGift('bench.gift', giftText));

  const db = await benchPostgres();
  const guard = guardRun('bench:content', 300_000, () => db.stop());
  let importMs: number;
  try {
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    await migrate(pool);
    await pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url)
      VALUES ('p', 'P', 'https://lms.example', 'c', 'https://lms.example/a', 'https://lms.example/t', 'https://lms.example/j')`);
    await pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t1', 'p', 'd1')`);
    const t = performance.now();
    const stored = await importPack(pool, 't1', moodle.result.pack!);
    importMs = performance.now() - t;
    if (stored.items !== BANK) throw new Error(`stored ${stored.items} items`);
    await pool.end();
  } finally {
    await guard.done();
  }
  return {
    moodleMs: moodle.ms,
    moodleRuns: moodle.runs,
    moodleMb: Buffer.byteLength(moodleXml) / 1e6,
    giftMs: gift.ms,
    giftRuns: gift.runs,
    giftMb: Buffer.byteLength(giftText) / 1e6,
    importMs,
    pgVersion: db.version,
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.env.BENCH_CONTENT_PHASE === 'import') {
  const figures = await importPhases();
  process.send!({ type: 'figures', figures }, () => process.exit(0));
  await new Promise(() => undefined);
}

/** Runs the import phases in a child process (same script, same loader) and returns their figures. */
function importPhasesInChild(): Promise<ImportFigures> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], { execArgv: process.execArgv, env: { ...process.env, BENCH_CONTENT_PHASE: 'import' }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (m: { type: string; figures: ImportFigures }) => resolve(m.figures));
    child.once('exit', (code) => reject(new Error(`import phases exited with ${code}`)));
  });
}

const ITEMS = 10_000;
const FILES = 10;
const DRAWS = 3_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const round = (x: number, digits = 3) => Number(x.toFixed(digits));

const demo = await loadDemoPack();

const items: Item[] = [];
for (let i = 0; items.length < ITEMS; i++) {
  const src = demo.items[i % demo.items.length]!;
  items.push({ ...src, id: `${src.id}-${Math.floor(i / demo.items.length)}` });
}
const perFile = ITEMS / FILES;
const noAliases = { aliasDuplicateObjects: false };
const files: PackFile[] = [{ name: 'pack.yaml', text: YAML.stringify({ pack: demo.pack, skills: demo.skills }, noAliases) }];
for (let f = 0; f < FILES; f++) files.push({ name: `items-${f}.yaml`, text: YAML.stringify({ items: items.slice(f * perFile, (f + 1) * perFile) }, noAliases) });
const bytes = files.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
const templates = items.filter((i) => i.template).length;

const loads: number[] = [];
for (let run = 0; run < 3; run++) {
  const t = performance.now();
  const pack = parsePack(files);
  loads.push(performance.now() - t);
  if (pack.items.length !== ITEMS) throw new Error('generated pack lost items');
}
loads.sort((a, b) => a - b);
const loadMs = loads[1]!;

const instTimes: number[] = [];
const renderTimes: number[] = [];
const gradeTimes: number[] = [];
for (let pass = 0; pass < 2; pass++) {
  for (let k = 0; k < DRAWS; k++) {
    const source = demo.items[k % demo.items.length]!;
    let t = performance.now();
    const { item } = instantiate(source, 1000 * pass + k);
    const tInst = performance.now() - t;
    t = performance.now();
    renderItemForStudent(item);
    const tRender = performance.now() - t;
    const responses = [correctResponse(item), ...distractorResponses(item).slice(0, 1)];
    t = performance.now();
    for (const r of responses) grade(item, r);
    const tGrade = (performance.now() - t) / responses.length;
    if (pass === 1) {
      if (source.template) instTimes.push(tInst);
      renderTimes.push(tRender);
      gradeTimes.push(tGrade);
    }
  }
}
for (const a of [instTimes, renderTimes, gradeTimes]) a.sort((x, y) => x - y);

const imports = await importPhasesInChild();

const figures = {
  load_10k_items_ms: round(loadMs, 1),
  load_items_per_s: Math.round(ITEMS / (loadMs / 1000)),
  load_pack_mb: round(bytes / 1e6, 2),
  instantiate_p50_ms: round(percentile(instTimes, 50)),
  instantiate_p99_ms: round(percentile(instTimes, 99)),
  render_p50_ms: round(percentile(renderTimes, 50)),
  render_p99_ms: round(percentile(renderTimes, 99)),
  grade_p50_ms: round(percentile(gradeTimes, 50)),
  grade_p99_ms: round(percentile(gradeTimes, 99)),
  moodle_xml_10k_ms: round(imports.moodleMs, 1),
  moodle_xml_mb: round(imports.moodleMb, 2),
  gift_10k_ms: round(imports.giftMs, 1),
  gift_mb: round(imports.giftMb, 2),
  import_10k_ms: round(imports.importMs, 1),
  peak_rss_mb: imports.peakRssMb,
};

const rows: [string, string][] = [
  ['pack', `${ITEMS} items (${templates} templates), ${demo.skills.length} skills, ${FILES + 1} YAML files, ${figures.load_pack_mb} MB`],
  ['load (parse + validate), median of 3', `${figures.load_10k_items_ms} ms  (${figures.load_items_per_s} items/s; runs ${loads.map((x) => x.toFixed(0)).join(', ')} ms)`],
  ['instantiate template p50 / p99', `${figures.instantiate_p50_ms} / ${figures.instantiate_p99_ms} ms  (${instTimes.length} instances)`],
  ['render student view p50 / p99', `${figures.render_p50_ms} / ${figures.render_p99_ms} ms  (${renderTimes.length} items, KaTeX memoised)`],
  ['grade one response p50 / p99', `${figures.grade_p50_ms} / ${figures.grade_p99_ms} ms  (correct answer and a distractor)`],
  ['Moodle XML 10k questions (parse + validate)', `${figures.moodle_xml_10k_ms} ms  (${figures.moodle_xml_mb} MB; target < 5000; runs ${imports.moodleRuns.map((x) => x.toFixed(0)).join(', ')} ms)`],
  ['GIFT 10k questions (parse + validate)', `${figures.gift_10k_ms} ms  (${figures.gift_mb} MB; target < 3000; runs ${imports.giftRuns.map((x) => x.toFixed(0)).join(', ')} ms)`],
  ['import 10k questions into PostgreSQL', `${figures.import_10k_ms} ms  (target < 10000; PostgreSQL ${imports.pgVersion}, embedded)`],
  ['peak RSS of the import phases', `${figures.peak_rss_mb} MB  (target < 500; their own process: 2 x 3 parses and the PostgreSQL import)`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log('Content benchmark (node ' + process.version + ')');
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(JSON.stringify(figures));
