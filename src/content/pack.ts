/**
 * Reading and writing course packs in the native format (YAML or JSON; see docs/content-format.md).
 * Pure: takes file names and texts, returns a validated `Pack` or throws one `PackError` listing every
 * problem, each naming the file, the item (or skill) id and the path inside it.
 */
import { load as loadYaml, YAMLException } from 'js-yaml';
import YAML from 'yaml';
import type { ZodError } from 'zod';
import { packFileSchema, type Item, type ItemTranslation, type Pack, type PackMeta, type Skill } from './content.schema.js';
import { expressionVariables, mathItemVariables } from './grading.js';
import { mathErrors } from './markdown.js';
import { parseExpression } from './math.js';
import { AppError } from '../http/errors.js';
import { parseNumber } from './numbers.js';
import { findCycle } from './skills.js';
import { instantiate, TemplateError } from './templates.js';

/** One input file of a pack. */
export interface PackFile {
  /** Name used in error messages (and to pick JSON for `.json`; anything else is read as YAML). */
  name: string;
  text: string;
}

/** One problem found in a pack. */
export interface PackIssue {
  file: string;
  /** The item or skill the problem is in, when it is in one. */
  itemId?: string;
  skillId?: string;
  /** Path inside the item/skill (or the file), e.g. `choices[2].text`. */
  path: string;
  message: string;
}

/** Formats an issue as one line: `file: item "id" at path: message`. */
export function formatIssue(i: PackIssue): string {
  const where = i.itemId !== undefined ? ` item "${i.itemId}"` : i.skillId !== undefined ? ` skill "${i.skillId}"` : '';
  const at = i.path ? ` at ${i.path}` : '';
  return `${i.file}:${where}${at}: ${i.message}`.replace(/^([^:]+):: /, '$1: ');
}

/** A pack that does not parse or validate; `issues` lists every problem found. */
export class PackError extends AppError {
  constructor(readonly issues: PackIssue[]) {
    const shown = issues.slice(0, 50).map(formatIssue);
    if (issues.length > 50) shown.push(`... and ${issues.length - 50} more`);
    super('pack_invalid', 422, `invalid course pack (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${shown.join('\n')}`);
  }
}

/** `['choices', 2, 'text']` -> `choices[2].text`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** Reads one file into a plain value, or issues. */
function readFile(file: PackFile): { value: unknown } | { issues: PackIssue[] } {
  if (/\.json$/i.test(file.name)) {
    try {
      return { value: JSON.parse(file.text) };
    } catch (err) {
      return { issues: [{ file: file.name, path: '', message: `not valid JSON: ${err instanceof Error ? err.message : String(err)}` }] };
    }
  }
  let value: unknown;
  try {
    value = loadYaml(file.text, { filename: file.name });
  } catch (err) {
    if (!(err instanceof YAMLException)) throw err;
    const at = err.mark ? `${file.name}:${err.mark.line + 1}:${err.mark.column + 1}` : file.name;
    return { issues: [{ file: at, path: '', message: `not valid YAML: ${err.reason}` }] };
  }
  if (sharesNodes(value)) return { issues: [{ file: file.name, path: '', message: 'YAML anchors and aliases (&name, *name) are not supported: write the content out' }] };
  return { value: value ?? {} };
}

/**
 * True when a parsed document uses the same object twice (YAML aliases). Refused, since a few
 * nested aliases expand to billions of nodes once validated or stored. Stops at the first repeat.
 */
function sharesNodes(root: unknown): boolean {
  const seen = new WeakSet<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (!v || typeof v !== 'object') continue;
    if (seen.has(v)) return true;
    seen.add(v);
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (child && typeof child === 'object') stack.push(child);
  }
  return false;
}

/** Maps zod issues of one file to pack issues naming the item or skill. */
function schemaIssues(file: string, raw: unknown, error: ZodError): PackIssue[] {
  return error.issues.map((issue) => {
    const [section, index, ...rest] = issue.path;
    if ((section === 'items' || section === 'skills') && typeof index === 'number') {
      const entry = (raw as Record<string, unknown[]>)[section]?.[index] as { id?: unknown } | undefined;
      const id = typeof entry?.id === 'string' ? entry.id : `#${index + 1}`;
      const who = section === 'items' ? { itemId: id } : { skillId: id };
      return { file, ...who, path: formatPath(rest), message: issue.message };
    }
    return { file, path: formatPath(issue.path), message: issue.message };
  });
}

/** Where each skill and item of a merged pack came from (for error messages). */
export interface PackOrigins {
  skills: Map<string, string>;
  items: Map<string, string>;
  meta?: string;
}

/**
 * Parses and validates a pack made of one or more files (any of them may hold `skills` and `items`;
 * exactly one holds `pack`). Throws `PackError` listing every problem; returns the merged pack.
 */
export function parsePack(files: readonly PackFile[]): Pack {
  const issues: PackIssue[] = [];
  let meta: PackMeta | undefined;
  const origins: PackOrigins = { skills: new Map(), items: new Map() };
  const skills: Skill[] = [];
  const items: Item[] = [];
  const skillFiles: string[] = [];
  const itemFiles: string[] = [];
  const fileTranslations: { file: string; value: NonNullable<(typeof packFileSchema)['_output']['translations']> }[] = [];
  for (const file of files) {
    const read = readFile(file);
    if ('issues' in read) {
      issues.push(...read.issues);
      continue;
    }
    if (!read.value || typeof read.value !== 'object' || Array.isArray(read.value)) {
      issues.push({ file: file.name, path: '', message: 'expected a mapping with `pack`, `skills` and/or `items`' });
      continue;
    }
    const raw = Object.fromEntries(Object.entries(read.value).filter(([k, v]) => !((k === 'skills' || k === 'items') && v === null)));
    const parsed = packFileSchema.safeParse(raw);
    if (!parsed.success) {
      issues.push(...schemaIssues(file.name, raw, parsed.error));
      continue;
    }
    if (parsed.data.pack) {
      if (meta) issues.push({ file: file.name, path: 'pack', message: `pack metadata is already given in ${origins.meta}` });
      else {
        meta = parsed.data.pack;
        origins.meta = file.name;
      }
    }
    for (const s of parsed.data.skills) (skills.push(s), skillFiles.push(file.name));
    for (const i of parsed.data.items) (items.push(i), itemFiles.push(file.name));
    if (parsed.data.translations) fileTranslations.push({ file: file.name, value: parsed.data.translations });
  }
  if (files.length === 0) issues.push({ file: '(none)', path: '', message: 'no files given' });
  if (issues.length) throw new PackError(issues);
  if (!meta) throw new PackError([{ file: files.map((f) => f.name).join(', '), path: 'pack', message: 'no file has `pack` metadata (id, title)' }]);

  skills.forEach((s, i) => {
    const file = skillFiles[i]!;
    if (origins.skills.has(s.id)) issues.push({ file, skillId: s.id, path: 'id', message: `duplicate skill id (also in ${origins.skills.get(s.id)})` });
    else origins.skills.set(s.id, file);
  });
  items.forEach((it, i) => {
    const file = itemFiles[i]!;
    if (origins.items.has(it.id)) issues.push({ file, itemId: it.id, path: 'id', message: `duplicate item id (also in ${origins.items.get(it.id)})` });
    else origins.items.set(it.id, file);
  });
  const pack: Pack = { pack: meta, skills, items };
  for (const { file, value } of fileTranslations) issues.push(...mergeTranslations(pack, file, value));
  issues.push(...validatePack(pack, origins));
  if (issues.length) throw new PackError(issues);
  return pack;
}

/**
 * Merges a file's `translations` section into the pack's items, skills and metadata (fields written on
 * the item or skill itself win). Returns issues for ids the pack does not have.
 */
function mergeTranslations(pack: Pack, file: string, section: NonNullable<(typeof packFileSchema)['_output']['translations']>): PackIssue[] {
  const issues: PackIssue[] = [];
  const skills = new Map(pack.skills.map((s, i) => [s.id, i]));
  const items = new Map(pack.items.map((it, i) => [it.id, i]));
  for (const [lang, tr] of Object.entries(section)) {
    if (tr.pack) pack.pack = { ...pack.pack, translations: { ...pack.pack.translations, [lang]: { ...tr.pack, ...pack.pack.translations?.[lang] } } };
    for (const [id, st] of Object.entries(tr.skills ?? {})) {
      const i = skills.get(id);
      if (i === undefined) {
        issues.push({ file, path: `translations.${lang}.skills.${id}`, message: `unknown skill "${id}"` });
        continue;
      }
      const s = pack.skills[i]!;
      pack.skills[i] = { ...s, translations: { ...s.translations, [lang]: { ...st, ...s.translations?.[lang] } } };
    }
    for (const [id, it] of Object.entries(tr.items ?? {})) {
      const i = items.get(id);
      if (i === undefined) {
        issues.push({ file, path: `translations.${lang}.items.${id}`, message: `unknown item "${id}"` });
        continue;
      }
      const item = pack.items[i]!;
      const merged: ItemTranslation = { ...it, ...item.translations?.[lang] };
      pack.items[i] = { ...item, translations: { ...item.translations, [lang]: merged } };
    }
  }
  return issues;
}

/** Seeds tried when validating a template: each must produce a well-formed instance (LaTeX is checked on the first). */
const VALIDATION_SEEDS = [1, 2, 3];

/**
 * Checks what the schema cannot: references between skills and items, the prerequisite DAG, the
 * answers of each item type, LaTeX, media references, and that templates instantiate. Returns the
 * problems (empty when the pack is sound).
 */
export function validatePack(pack: Pack, origins?: PackOrigins): PackIssue[] {
  const issues: PackIssue[] = [];
  const skillFile = (id: string) => origins?.skills.get(id) ?? pack.pack.id;
  const itemFile = (id: string) => origins?.items.get(id) ?? pack.pack.id;
  const skillIds = new Set(pack.skills.map((s) => s.id));

  for (const s of pack.skills) {
    s.prerequisites.forEach((p, i) => {
      if (!skillIds.has(p)) issues.push({ file: skillFile(s.id), skillId: s.id, path: `prerequisites[${i}]`, message: `unknown skill "${p}"` });
      if (p === s.id) issues.push({ file: skillFile(s.id), skillId: s.id, path: `prerequisites[${i}]`, message: 'a skill cannot be its own prerequisite' });
    });
  }
  const cycle = findCycle(pack.skills);
  if (cycle && cycle.length > 2) {
    issues.push({ file: skillFile(cycle[0]!), skillId: cycle[0]!, path: 'prerequisites', message: `prerequisite cycle: ${cycle.join(' -> ')}` });
  }

  for (const item of pack.items) {
    const add = (path: string, message: string) => issues.push({ file: itemFile(item.id), itemId: item.id, path, message });
    item.skills.forEach((s, i) => {
      if (!skillIds.has(s)) add(`skills[${i}]`, `unknown skill "${s}"`);
    });
    checkItem(item, add);
  }
  return issues;
}

/** Every Markdown field of an item, with its path. */
function textFields(item: Item): [string, string][] {
  const out: [string, string][] = [['stem', item.stem]];
  item.hints.forEach((h, i) => out.push([`hints[${i}]`, h]));
  if (item.solution) out.push(['solution', item.solution]);
  if (item.feedback.correct) out.push(['feedback.correct', item.feedback.correct]);
  if (item.feedback.incorrect) out.push(['feedback.incorrect', item.feedback.incorrect]);
  if (item.type === 'single_choice' || item.type === 'multiple_choice') {
    item.choices.forEach((c, i) => {
      out.push([`choices[${i}].text`, c.text]);
      if (c.feedback) out.push([`choices[${i}].feedback`, c.feedback]);
    });
  }
  if (item.type === 'ordering') item.entries.forEach((e, i) => out.push([`entries[${i}].text`, e.text]));
  if (item.type === 'numeric' || item.type === 'short_text' || item.type === 'math_expression') {
    item.wrongAnswers.forEach((w, i) => out.push([`wrongAnswers[${i}].feedback`, w.feedback]));
  }
  for (const [lang, tr] of Object.entries(item.translations ?? {})) {
    const at = `translations.${lang}`;
    if (tr.stem) out.push([`${at}.stem`, tr.stem]);
    tr.hints?.forEach((h, i) => out.push([`${at}.hints[${i}]`, h]));
    if (tr.solution) out.push([`${at}.solution`, tr.solution]);
    if (tr.feedback?.correct) out.push([`${at}.feedback.correct`, tr.feedback.correct]);
    if (tr.feedback?.incorrect) out.push([`${at}.feedback.incorrect`, tr.feedback.incorrect]);
    for (const [id, c] of Object.entries(tr.choices ?? {})) {
      if (typeof c === 'string') out.push([`${at}.choices.${id}`, c]);
      else {
        if (c.text) out.push([`${at}.choices.${id}.text`, c.text]);
        if (c.feedback) out.push([`${at}.choices.${id}.feedback`, c.feedback]);
      }
    }
    for (const [id, e] of Object.entries(tr.entries ?? {})) out.push([`${at}.entries.${id}`, e]);
    tr.wrongAnswers?.forEach((w, i) => w && out.push([`${at}.wrongAnswers[${i}]`, w]));
  }
  return out;
}

/** Translations must match the item: known choice, entry and media ids, no more hints or wrong answers than it has. */
function checkTranslations(item: Item, add: (path: string, message: string) => void): void {
  for (const [lang, tr] of Object.entries(item.translations ?? {})) {
    const at = `translations.${lang}`;
    if (tr.hints && tr.hints.length > item.hints.length) add(`${at}.hints`, `${tr.hints.length} hints, the item has ${item.hints.length}`);
    const choiceIds = new Set(item.type === 'single_choice' || item.type === 'multiple_choice' ? item.choices.map((c) => c.id) : []);
    for (const id of Object.keys(tr.choices ?? {})) if (!choiceIds.has(id)) add(`${at}.choices.${id}`, `unknown choice "${id}"`);
    const entryIds = new Set(item.type === 'ordering' ? item.entries.map((e) => e.id) : []);
    for (const id of Object.keys(tr.entries ?? {})) if (!entryIds.has(id)) add(`${at}.entries.${id}`, `unknown entry "${id}"`);
    const wrong = item.type === 'numeric' || item.type === 'short_text' || item.type === 'math_expression' ? item.wrongAnswers.length : 0;
    if (tr.wrongAnswers && tr.wrongAnswers.length > wrong) add(`${at}.wrongAnswers`, `${tr.wrongAnswers.length} entries, the item has ${wrong} wrong answers`);
    if (tr.answers && item.type !== 'short_text') add(`${at}.answers`, 'only short_text items take translated answers');
    const media = new Set(item.media.map((m) => m.id));
    for (const id of Object.keys(tr.media ?? {})) if (!media.has(id)) add(`${at}.media.${id}`, `unknown media "${id}"`);
  }
}

function checkUnique(ids: string[], path: string, add: (path: string, message: string) => void): void {
  const seen = new Set<string>();
  ids.forEach((id, i) => {
    if (seen.has(id)) add(`${path}[${i}].id`, `duplicate id "${id}"`);
    seen.add(id);
  });
}

/** Type-specific checks of one item (or template) and, for templates, of a few instances. */
function checkItem(item: Item, add: (path: string, message: string) => void): void {
  const media = new Set(item.media.map((m) => m.id));
  checkUnique(item.media.map((m) => m.id), 'media', add);
  checkTranslations(item, add);
  for (const [path, text] of textFields(item)) {
    for (const m of text.matchAll(/\]\(media:([A-Za-z0-9._-]+)/g)) {
      if (!media.has(m[1]!)) add(path, `unknown media "${m[1]}" (declare it under media)`);
    }
    if (!item.template) for (const e of mathErrors(text)) add(path, `LaTeX error: ${e}`);
  }
  switch (item.type) {
    case 'single_choice':
    case 'multiple_choice': {
      checkUnique(item.choices.map((c) => c.id), 'choices', add);
      const right = item.choices.filter((c) => c.correct).length;
      if (item.type === 'single_choice' && right !== 1) add('choices', `exactly one choice must be correct (found ${right})`);
      if (item.type === 'multiple_choice' && right < 1) add('choices', 'at least one choice must be correct');
      break;
    }
    case 'ordering':
      checkUnique(item.entries.map((e) => e.id), 'entries', add);
      break;
    case 'numeric':
      if (!item.template) {
        if (typeof item.answer === 'string' && !parseNumber(item.answer).ok) add('answer', `not a number: "${item.answer}"`);
        item.wrongAnswers.forEach((w, i) => {
          if (typeof w.answer === 'string' && !parseNumber(w.answer).ok) add(`wrongAnswers[${i}].answer`, `not a number: "${w.answer}"`);
        });
      }
      if (item.unitRequired && item.units.length === 0) add('unitRequired', 'unitRequired needs at least one entry in units');
      break;
    case 'short_text':
      if (item.answers.length === 0 && !item.regex) add('answers', 'give at least one accepted answer or a regex');
      if (item.regex) {
        try {
          new RegExp(item.regex, 'u');
        } catch (err) {
          add('regex', `invalid regular expression: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      break;
    case 'math_expression':
      if (!item.template) {
        try {
          const vars = mathItemVariables(item);
          const used = expressionVariables(parseExpression(item.answer));
          const extra = used.filter((v) => !vars.includes(v));
          if (extra.length) add('answer', `uses ${extra.join(', ')}, not listed in variables`);
        } catch (err) {
          add('answer', `not a valid expression: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      break;
  }
  if (item.template) {
    for (const seed of VALIDATION_SEEDS) {
      try {
        const { item: inst } = instantiate(item, seed);
        if (seed === VALIDATION_SEEDS[0]) for (const [path, text] of textFields(inst)) for (const e of mathErrors(text)) add(path, `LaTeX error (seed ${seed}): ${e}`);
      } catch (err) {
        add('template', err instanceof TemplateError ? err.message.replace(/^template [^:]+: /, '') : `seed ${seed}: ${err instanceof Error ? err.message : String(err)}`);
        break;
      }
    }
  }
}

/** Drops empty lists and objects (schema defaults), so exported files stay as short as hand-written ones. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (Array.isArray(v) && v.length === 0 && k !== 'constraints') continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0 && k !== 'variables') continue;
      if (v === undefined) continue;
      out[k] = compact(v);
    }
    return out;
  }
  return value;
}

/** Writes a pack as one YAML or JSON file that `parsePack` reads back to the same pack. */
export function serializePack(pack: Pack, format: 'yaml' | 'json' = 'yaml'): string {
  const doc = compact({ pack: pack.pack, skills: pack.skills, items: pack.items });
  return format === 'json' ? JSON.stringify(doc, null, 2) + '\n' : YAML.stringify(doc, { lineWidth: 0 });
}
