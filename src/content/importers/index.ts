/**
 * One entry point for every upload: `importContent(name, bytes)` detects the format by itself (our
 * YAML/JSON pack, Moodle XML, GIFT, a QTI 2.1/3.0 item or package, a Canvas QTI 1.2 export), refuses
 * unsafe uploads as a whole (over 50 MB, zip bombs, XML with DOCTYPE/entities) and otherwise returns
 * the pack and the problems per question. Pure: no I/O, no database.
 */
import { PackError, parsePack } from '../pack.js';
import { Assets } from './assets.js';
import { buildResult, cleanCategory, type Draft } from './build.js';
import { readCanvasQti } from './canvas.js';
import { importGift, looksLikeGift } from './gift.js';
import { importMoodleXml, looksLikeMoodleXml } from './moodle.js';
import { readQtiItem } from './qti.js';
import { elements, find, findAll, parseTree, type XNode } from './qtitree.js';
import { ImportRefused, LIMITS, type ImportFormat, type ImportIssue, type ImportOptions, type ImportResult } from './types.js';
import { isZip, normalisePath, readZip } from './zip.js';

export * from './types.js';
export { importGift } from './gift.js';
export { importMoodleXml } from './moodle.js';

/** The format of an upload, from its bytes (and name for JSON). */
export function detectFormat(name: string, bytes: Uint8Array): ImportFormat | 'zip' | null {
  if (isZip(bytes)) return 'zip';
  const head = new TextDecoder().decode(bytes.subarray(0, 8192)).replace(/^\uFEFF/, '');
  if (/^\s*</.test(head)) {
    if (/<questestinterop[\s>]/.test(head)) return 'qti12_canvas';
    if (/<qti-assessment-item[\s>]/.test(head)) return 'qti30';
    if (/<assessmentItem[\s>]/.test(head)) return 'qti21';
    if (looksLikeMoodleXml(head)) return 'moodle_xml';
    return null;
  }
  if (/\.json$/i.test(name) && /^\s*\{/.test(head)) return 'yaml';
  if (/^\s*(pack|skills|items)\s*:/m.test(head) && !/^\s*::/m.test(head)) return 'yaml';
  if (looksLikeGift(new TextDecoder().decode(bytes.subarray(0, 20_000)))) return 'gift';
  return null;
}

/** Decodes UTF-8 text (without a BOM), refusing bytes that are not UTF-8. */
function decode(name: string, bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ImportRefused(name, 'not UTF-8 text');
  }
}

/** Imports an upload of any supported format. Throws `ImportRefused` for uploads refused as a whole. */
export function importContent(name: string, bytes: Uint8Array, options: ImportOptions = {}): ImportResult {
  if (bytes.length > LIMITS.maxUploadBytes) throw new ImportRefused(name, `the upload is ${(bytes.length / 1024 / 1024).toFixed(1)} MB; the limit is ${LIMITS.maxUploadBytes / 1024 / 1024} MB`);
  const format = detectFormat(name, bytes);
  switch (format) {
    case null:
      throw new ImportRefused(name, 'unknown format: expected a Mastery pack (YAML/JSON), Moodle XML, GIFT, a QTI 2.1/3.0 item or package (zip), or a Canvas quiz export (zip)');
    case 'zip':
      return importPackage(name, bytes, options);
    case 'moodle_xml':
      return importMoodleXml(name, decode(name, bytes), options);
    case 'gift':
      return importGift(name, decode(name, bytes), options);
    case 'yaml':
      return importYaml(name, decode(name, bytes), options);
    default: {
      const files = new Map([[name.replace(/^.*[\\/]/, ''), bytes]]);
      return importQtiFiles(name, files, options);
    }
  }
}

/** Our own format, through the same `parsePack` as `content validate` (all or nothing). */
function importYaml(name: string, text: string, options: ImportOptions): ImportResult {
  try {
    const pack = parsePack([{ name, text }]);
    if (options.packId) pack.pack.id = options.packId;
    if (options.title) pack.pack.title = options.title;
    return { format: 'yaml', pack, questions: pack.items.length, imported: pack.items.length, skipped: 0, errors: 0, issues: [], assets: [] };
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    const issues: ImportIssue[] = err.issues.map((i) => ({ severity: 'error', file: i.file, ...(i.itemId !== undefined ? { question: i.itemId } : {}), message: `${i.skillId !== undefined ? `skill "${i.skillId}" ` : ''}${i.path ? `${i.path}: ` : ''}${i.message}` }));
    const questions = (text.match(/^\s*-\s+(\{\s*)?id\s*:/gm) ?? []).length;
    return { format: 'yaml', pack: null, questions, imported: 0, skipped: questions, errors: issues.length, issues, assets: [] };
  }
}

/** A zip: a QTI 2.1/3.0 package, a Canvas export, or a single Moodle XML / GIFT / YAML file zipped. */
function importPackage(name: string, bytes: Uint8Array, options: ImportOptions): ImportResult {
  const files = readZip(name, bytes);
  const xml = [...files.keys()].filter((p) => /\.xml$/i.test(p));
  if (!xml.length) {
    const single = [...files.keys()].filter((p) => /\.(gift|txt|ya?ml|json)$/i.test(p));
    if (single.length === 1) return importContent(`${name}/${single[0]}`, files.get(single[0]!)!, options);
    throw new ImportRefused(name, 'the zip has no XML file (expected imsmanifest.xml and QTI items)');
  }
  if (!files.has('imsmanifest.xml') && xml.length === 1) {
    const f = detectFormat(xml[0]!, files.get(xml[0]!)!);
    if (f === 'moodle_xml') return importMoodleXml(`${name}/${xml[0]}`, decode(name, files.get(xml[0]!)!), options);
  }
  return importQtiFiles(name, files, options);
}

/** Resolves `href` relative to the folder of `from`. */
function resolve(from: string, href: string): string | null {
  const dir = from.includes('/') ? from.slice(0, from.lastIndexOf('/') + 1) : '';
  try {
    return normalisePath(dir + decodeURIComponent(href.replace(/[?#].*$/, '')));
  } catch {
    return normalisePath(dir + href);
  }
}

/** QTI items and Canvas assessments among `files` (in manifest order when there is a manifest). */
function importQtiFiles(name: string, files: Map<string, Uint8Array>, options: ImportOptions): ImportResult {
  const assets = new Assets();
  const drafts: Draft[] = [];
  const fileIssues: ImportIssue[] = [];
  const trees = new Map<string, XNode[]>();
  const tree = (path: string): XNode[] => {
    let t = trees.get(path);
    if (!t) {
      t = parseTree(`${name === path ? '' : `${name}/`}${path}`, decode(path, files.get(path)!));
      trees.set(path, t);
    }
    return t;
  };
  let order = [...files.keys()].filter((p) => /\.xml$/i.test(p)).sort();
  if (files.has('imsmanifest.xml')) {
    const manifest = tree('imsmanifest.xml');
    const listed: string[] = [];
    for (const r of findAll({ name: '#', attrs: {}, children: manifest }, 'resource')) {
      const href = r.attrs.href ?? elements(r, 'file')[0]?.attrs.href;
      const p = href ? resolve('imsmanifest.xml', href) : null;
      if (p && /\.xml$/i.test(p) && files.has(p) && !listed.includes(p)) listed.push(p);
      else if (p && /\.xml$/i.test(p) && !files.has(p)) fileIssues.push({ severity: 'error', file: `${name}/imsmanifest.xml`, message: `resource "${href}" is listed but not in the zip` });
    }
    order = [...listed, ...order.filter((p) => !listed.includes(p) && p !== 'imsmanifest.xml')];
  }
  // Sections of assessment tests name the skills of the items they reference.
  const sections = new Map<string, string[]>();
  for (const path of order) {
    const head = new TextDecoder().decode(files.get(path)!.subarray(0, 4096));
    if (!/<(qti-)?assessment-?[Tt]est[\s>]/.test(head)) continue;
    const walk = (n: XNode, titles: string[]) => {
      const here = n.name === 'assessmentSection' && n.attrs.title ? [...titles, n.attrs.title] : titles;
      if (n.name === 'assessmentItemRef' && n.attrs.href) {
        const p = resolve(path, n.attrs.href);
        if (p && here.length) sections.set(p, [...(sections.get(p) ?? []), here[here.length - 1]!]);
      }
      elements(n).forEach((c) => walk(c, here));
    };
    tree(path).forEach((n) => walk(n, []));
  }
  let format: ImportFormat = 'qti21';
  for (const path of order) {
    const head = new TextDecoder().decode(files.get(path)!.subarray(0, 4096));
    const isItem = /<(qti-assessment-item|assessmentItem)[\s>]/.test(head);
    const isCanvas = /<questestinterop[\s>]/.test(head);
    if (!isItem && !isCanvas) continue;
    const file = name === path || files.size === 1 ? name : `${name}/${path}`;
    const relative = (p: string) => {
      const r = resolve(path, p);
      return r ? files.get(r) : undefined;
    };
    let roots: XNode[];
    try {
      roots = tree(path);
    } catch (err) {
      if (err instanceof ImportRefused) {
        if (/DOCTYPE|ENTITY/.test(err.message)) throw err;
        fileIssues.push({ severity: 'error', file, message: err.message.replace(/^[^:]*: /, '') });
        continue;
      }
      throw err;
    }
    const root = { name: '#', attrs: {}, children: roots };
    if (isCanvas) {
      format = 'qti12_canvas';
      drafts.push(...readCanvasQti(root, file, relative, assets));
      continue;
    }
    if (/<qti-assessment-item[\s>]/.test(head)) format = 'qti30';
    const item = find(root, 'assessmentItem');
    if (!item) continue;
    const [first, ...rest] = sections.get(path) ?? [];
    drafts.push(readQtiItem(item, { file, files: relative, assets, category: first ? cleanCategory(first) : [], tags: rest }));
  }
  if (!drafts.length && !fileIssues.length) throw new ImportRefused(name, 'no QTI items (assessmentItem, qti-assessment-item) or Canvas quiz (questestinterop) found');
  return buildResult(format, name, drafts, options, assets.list(), fileIssues);
}
