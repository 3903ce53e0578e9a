/**
 * The common back end of the importers: each format parser turns its questions into drafts (items
 * of our model without ids and skills, plus the problems found); this module gives them ids and
 * skills (categories and tags become skills, CCSS codes in tags become standards, the rest lands in
 * "Unsorted"), validates every item with the same schema and checks as the YAML path, attributes
 * every problem to its question, and applies all-or-nothing or partial import.
 */
import { itemSchema, type Item, type Pack, type Skill } from '../content.schema.js';
import { validatePack } from '../pack.js';
import type { ImportAsset, ImportFormat, ImportIssue, ImportOptions, ImportResult, IssueSeverity } from './types.js';

/** One question of the source, converted (or not) to items. */
export interface Draft {
  file: string;
  line?: number;
  /** The question's name (or identifier) for messages. */
  name?: string;
  /** A stable identifier of the source (Moodle idnumber, QTI identifier), preferred for the item id. */
  ident?: string;
  /** Category path segments (already without Moodle's `$course$`, `top`, ...). */
  category: string[];
  tags: string[];
  /** Items without `id` and `skills` (an `idSuffix` field names parts). */
  items: Record<string, unknown>[];
  issues: { severity: IssueSeverity; message: string }[];
}

/** A new draft. */
export function draft(file: string, line: number | undefined, name: string | undefined, category: string[] = []): Draft {
  return { file, line, name: name?.trim() ? name.trim().slice(0, 200) : undefined, category, tags: [], items: [], issues: [] };
}

/** Adds a problem to a draft. */
export function report(d: Draft, severity: IssueSeverity, message: string): void {
  d.issues.push({ severity, message });
}

/** Category segments that carry no meaning (Moodle contexts, the root, the automatic default categories). */
export function cleanCategory(path: string): string[] {
  return path
    .split(/(?<!\/)\/(?!\/)/)
    .map((s) => s.replace(/\/\//g, '/').trim())
    .filter((s) => s && !/^\$(course|system|module|cat\d*|[a-z]+)\$$/i.test(s) && s.toLowerCase() !== 'top' && !/^default for /i.test(s));
}

/** A slug usable as an id. */
export function slug(text: string, max = 60): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .replace(/-+/g, '-')
    .slice(0, max)
    .replace(/[-._]+$/, '');
  return s;
}

const FULL_CCSS = /^CCSS\.(MATH\.CONTENT|MATH\.PRACTICE|ELA-LITERACY)\.[A-Z0-9][A-Z0-9.-]*[A-Z0-9]$/i;
const SHORT_MATH = /^(?:CCSS[.:\s-]*)?(K|[1-8])\.([A-Z]{1,3})\.([A-Z])\.(\d{1,2}[a-z]?)$/i;
const HS_MATH = /^(?:CCSS[.:\s-]*)?HS([NAFGS])[.-]([A-Z]{1,4})\.([A-Z])\.(\d{1,2}[a-z]?)$/i;
const PRACTICE = /^(?:CCSS[.:\s-]*)?MP([1-8])$/i;

/** The CCSS code a tag names (normalised to `CCSS.MATH.CONTENT.4.NF.A.1`), or null. */
export function standardCode(tag: string): string | null {
  const t = tag.trim();
  if (FULL_CCSS.test(t)) return t.toUpperCase().replace(/^CCSS\.ELA-LITERACY/, 'CCSS.ELA-LITERACY');
  let m = SHORT_MATH.exec(t);
  if (m) return `CCSS.MATH.CONTENT.${m[1]!.toUpperCase()}.${m[2]!.toUpperCase()}.${m[3]!.toUpperCase()}.${m[4]}`;
  m = HS_MATH.exec(t);
  if (m) return `CCSS.MATH.CONTENT.HS${m[1]!.toUpperCase()}.${m[2]!.toUpperCase()}.${m[3]!.toUpperCase()}.${m[4]}`;
  m = PRACTICE.exec(t);
  if (m) return `CCSS.MATH.PRACTICE.MP${m[1]}`;
  return null;
}

/** The id of the skill of questions that have neither category nor tags. */
export const UNSORTED_SKILL = 'unsorted';

/** Gives out unique ids from a base. */
class Ids {
  private readonly used = new Set<string>();
  take(base: string, fallback: string): string {
    let b = slug(base) || fallback;
    if (!/^[A-Za-z0-9]/.test(b)) b = fallback;
    let id = b;
    for (let k = 2; this.used.has(id); k++) id = `${b}-${k}`;
    this.used.add(id);
    return id;
  }
}

/** Zod issue path `['choices', 2, 'text']` -> `choices[2].text`. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out;
}

/** Turns drafts into the import result: ids, skills, validation, all-or-nothing or partial. */
export function buildResult(format: ImportFormat, sourceName: string, drafts: Draft[], options: ImportOptions, assets: ImportAsset[] = [], fileIssues: ImportIssue[] = []): ImportResult {
  const skillIds = new Ids();
  const itemIds = new Ids();
  const skills = new Map<string, Skill>();
  const skillFor = (key: string, name: string): Skill => {
    let s = skills.get(key);
    if (!s) {
      s = { id: skillIds.take(key === UNSORTED_SKILL ? UNSORTED_SKILL : name, 'skill'), name: name.slice(0, 200), standards: [], prerequisites: [] };
      skills.set(key, s);
    }
    return s;
  };

  // Skills: a category path is one skill (named by its last segment; the full path when two share it).
  const leafNames = new Map<string, Set<string>>();
  for (const d of drafts) {
    if (!d.category.length) continue;
    const leaf = d.category[d.category.length - 1]!;
    if (!leafNames.has(leaf)) leafNames.set(leaf, new Set());
    leafNames.get(leaf)!.add(d.category.join('/'));
  }

  const itemDraft = new Map<string, Draft>();
  const parsedItems: Item[] = [];
  const failed = new Set<Draft>();
  const issuesOf = new Map<Draft, ImportIssue[]>();
  const add = (d: Draft, severity: IssueSeverity, message: string) => {
    if (severity === 'error') failed.add(d);
    if (!issuesOf.has(d)) issuesOf.set(d, []);
    issuesOf.get(d)!.push({ severity, file: d.file, ...(d.line !== undefined ? { line: d.line } : {}), ...(d.name !== undefined ? { question: d.name } : {}), message });
  };

  drafts.forEach((d, n) => {
    for (const i of d.issues) add(d, i.severity, i.message);
    if (failed.has(d) || d.items.length === 0) {
      if (!failed.has(d) && !d.issues.some((i) => i.severity === 'skipped')) add(d, 'error', 'no question to import');
      return;
    }
    const standards: string[] = [];
    const own: Skill[] = [];
    if (d.category.length) {
      const leaf = d.category[d.category.length - 1]!;
      const key = 'c:' + d.category.join('/');
      own.push(skillFor(key, leafNames.get(leaf)!.size > 1 ? d.category.join(' / ') : leaf));
    }
    for (const tag of d.tags) {
      const code = standardCode(tag);
      if (code) standards.push(code);
      else if (tag.trim()) {
        // A tag naming an existing skill (a category of the same name) is that skill.
        const same = [...skills.values()].find((s) => s.name.toLowerCase() === tag.trim().toLowerCase());
        own.push(same ?? skillFor('t:' + tag.trim().toLowerCase(), tag.trim()));
      }
    }
    if (!own.length) own.push(skillFor(UNSORTED_SKILL, 'Unsorted'));
    for (const s of own) for (const code of standards) if (!s.standards.includes(code)) s.standards.push(code);
    const base = itemIds.take(d.ident ?? d.name ?? '', `q${n + 1}`);
    d.items.forEach((raw, k) => {
      const { idSuffix, ...rest } = raw as { idSuffix?: string };
      const id = d.items.length > 1 || idSuffix ? itemIds.take(`${base}-${idSuffix ?? k + 1}`, `${base}-${k + 1}`) : base;
      const parsed = itemSchema.safeParse({ ...rest, id, skills: [...new Set(own.map((s) => s.id))] });
      if (!parsed.success) {
        for (const issue of parsed.error.issues) add(d, 'error', `${formatPath(issue.path) || 'item'}: ${issue.message}`);
        return;
      }
      itemDraft.set(id, d);
      parsedItems.push(parsed.data);
    });
  });

  const meta = {
    id: options.packId ?? (slug(sourceName.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '')) || 'imported'),
    title: options.title ?? (sourceName.replace(/^.*[\\/]/, '') || 'Imported questions'),
    version: '1',
    locale: options.locale ?? 'en',
    grades: [],
  };
  const pack: Pack = { pack: meta, skills: [...skills.values()], items: parsedItems.filter((i) => !failed.has(itemDraft.get(i.id)!)) };
  for (const issue of validatePack(pack)) {
    const d = issue.itemId !== undefined ? itemDraft.get(issue.itemId) : undefined;
    if (d) add(d, 'error', `${d.items.length > 1 ? `part "${issue.itemId}" ` : ''}${issue.path ? `${issue.path}: ` : ''}${issue.message}`);
    else fileIssues.push({ severity: 'error', file: sourceName, message: issue.message });
  }

  const issues: ImportIssue[] = [...fileIssues];
  for (const d of drafts) issues.push(...(issuesOf.get(d) ?? []));
  const errors = issues.filter((i) => i.severity === 'error').length;
  const importedDrafts = drafts.filter((d) => !failed.has(d) && d.items.length > 0);
  const refuse = (errors > 0 && !options.partial) || importedDrafts.length === 0 || fileIssues.some((i) => i.severity === 'error');
  if (refuse) return { format, pack: null, questions: drafts.length, imported: 0, skipped: drafts.length, errors, issues, assets: [] };

  const items = pack.items.filter((i) => !failed.has(itemDraft.get(i.id)!));
  const used = new Set(items.flatMap((i) => i.skills));
  const finalPack: Pack = { pack: meta, skills: pack.skills.filter((s) => used.has(s.id)), items };
  const usedUrls = new Set(items.flatMap((i) => i.media.map((m) => m.url)));
  return {
    format,
    pack: finalPack,
    questions: drafts.length,
    imported: importedDrafts.length,
    skipped: drafts.length - importedDrafts.length,
    errors,
    issues,
    assets: assets.filter((a) => usedUrls.has(a.url)),
  };
}
