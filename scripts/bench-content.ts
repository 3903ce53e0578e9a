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
 * Prints a table, then as the very last line one JSON object with the figures.
 */
import YAML from 'yaml';
import { renderItemForStudent } from '../src/content/content.presenter.js';
import { loadDemoPack } from '../src/content/content.files.js';
import type { Item } from '../src/content/content.schema.js';
import { correctResponse, distractorResponses, grade } from '../src/content/grading.js';
import { parsePack, type PackFile } from '../src/content/pack.js';
import { instantiate } from '../src/content/templates.js';

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
};

const rows: [string, string][] = [
  ['pack', `${ITEMS} items (${templates} templates), ${demo.skills.length} skills, ${FILES + 1} YAML files, ${figures.load_pack_mb} MB`],
  ['load (parse + validate), median of 3', `${figures.load_10k_items_ms} ms  (${figures.load_items_per_s} items/s; runs ${loads.map((x) => x.toFixed(0)).join(', ')} ms)`],
  ['instantiate template p50 / p99', `${figures.instantiate_p50_ms} / ${figures.instantiate_p99_ms} ms  (${instTimes.length} instances)`],
  ['render student view p50 / p99', `${figures.render_p50_ms} / ${figures.render_p99_ms} ms  (${renderTimes.length} items, KaTeX memoised)`],
  ['grade one response p50 / p99', `${figures.grade_p50_ms} / ${figures.grade_p99_ms} ms  (correct answer and a distractor)`],
];
const width = Math.max(...rows.map((r) => r[0].length));
console.log('Content benchmark (node ' + process.version + ')');
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(JSON.stringify(figures));
