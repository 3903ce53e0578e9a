/**
 * `npm run cli -- content validate|import|export ...`: the command-line face of content packs.
 * Argument parsing and file I/O live here; parsing packs and SQL stay in pack.ts and the repository.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { importPack, listPacks, loadPack } from './content.repository.js';
import { saveAssets } from './content-admin.repository.js';
import { readPackFiles } from './content.files.js';
import type { Pack } from './content.schema.js';
import { exportQti3 } from './exporters/qti3.js';
import { exportYaml } from './exporters/yaml.js';
import { detectFormat, formatImportIssue, importContent, ImportRefused, LIMITS, type ImportResult } from './importers/index.js';
import { formatIssue, PackError, parsePack, serializePack } from './pack.js';

/** What the command needs from its caller. */
export interface ContentCliDeps {
  /** Database pool; not used (and may be absent) for `validate`. */
  pool?: pg.Pool;
  /** Writes one line of output. */
  out: (line: string) => void;
}

export const CONTENT_USAGE = `Usage:
  content validate FILE|DIR ... [--partial]                    check a pack or question bank (no database needed)
  content import FILE|DIR ... --tenant TENANT_ID [--partial] [--pack ID] [--title TITLE]
                                                               store it for a tenant (replaces the same pack id)
  content export PACK --tenant TENANT_ID --format qti3|yaml --out FILE
                                                               write a stored pack as a QTI 3.0 package (zip) or YAML
  content export FILE --tenant TENANT_ID [--pack ID]           write a stored pack to FILE (.yaml, .yml or .json)
FILE may be our YAML/JSON pack, Moodle XML, GIFT, a QTI 2.1/3.0 item (.xml) or package (.zip) or a Canvas
quiz export (.zip): the format is detected from the content. Import is all or nothing unless --partial
(import the valid questions and list the rest). validate and import end with one JSON line
{"format", "questions", "imported", "skipped", "errors"}. A DIR means every .yaml/.yml/.json file in it.
Format: docs/content-format.md`;

function summary(pack: Pack): string {
  const templates = pack.items.filter((i) => i.template).length;
  return `pack "${pack.pack.id}" (${pack.pack.title}): ${pack.skills.length} skills, ${pack.items.length} items (${templates} templates)`;
}

/** Reads and parses the files, printing every problem; null when the pack is invalid or unreadable. */
async function readPack(paths: string[], out: (line: string) => void): Promise<Pack | null> {
  let files;
  try {
    files = await readPackFiles(paths);
  } catch (err) {
    out(`Error: cannot read ${paths.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
  try {
    return parsePack(files);
  } catch (err) {
    if (!(err instanceof PackError)) throw err;
    out(`Invalid pack: ${err.issues.length} problem${err.issues.length === 1 ? '' : 's'}`);
    for (const issue of err.issues) out(`  ${formatIssue(issue)}`);
    return null;
  }
}

/** The closing JSON line of validate and import. */
function jsonLine(r: Pick<ImportResult, 'format' | 'questions' | 'imported' | 'skipped' | 'errors'>): string {
  return JSON.stringify({ format: r.format, questions: r.questions, imported: r.imported, skipped: r.skipped, errors: r.errors });
}

/** True when the paths are our own YAML/JSON pack (a folder, several files, or one .yaml/.yml/.json file). */
async function isNativePack(paths: string[]): Promise<boolean> {
  if (paths.length !== 1) return true;
  const stat = await fs.stat(paths[0]!);
  if (stat.isDirectory()) return true;
  if (!/\.(ya?ml|json)$/i.test(paths[0]!)) return false;
  const handle = await fs.open(paths[0]!, 'r');
  try {
    const head = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return detectFormat(paths[0]!, head.subarray(0, bytesRead)) === 'yaml';
  } finally {
    await handle.close();
  }
}

/**
 * Reads a question bank in any format and prints every problem, then a summary. Returns the result,
 * or null (after printing why) when the upload is refused as a whole.
 */
async function readBank(file: string, options: { partial: boolean; packId?: string; title?: string }, out: (line: string) => void): Promise<ImportResult | { refused: string }> {
  const stat = await fs.stat(file);
  if (stat.size > LIMITS.maxUploadBytes) return { refused: `${file}: the file is ${(stat.size / 1024 / 1024).toFixed(1)} MB; the limit is ${LIMITS.maxUploadBytes / 1024 / 1024} MB` };
  const bytes = await fs.readFile(file);
  let result: ImportResult;
  try {
    result = importContent(file, bytes, { partial: options.partial, ...(options.packId ? { packId: options.packId } : {}), ...(options.title ? { title: options.title } : {}) });
  } catch (err) {
    if (err instanceof ImportRefused) return { refused: err.message };
    throw err;
  }
  for (const issue of result.issues) out(`  ${formatImportIssue(issue)}`);
  return result;
}

/** Runs `content <action> ...`; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function contentCommand(args: string[], deps: ContentCliDeps): Promise<number> {
  const { out } = deps;
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { tenant: { type: 'string' }, pack: { type: 'string' }, partial: { type: 'boolean' }, format: { type: 'string' }, out: { type: 'string' }, title: { type: 'string' } },
    });
  } catch (err) {
    out(`${err instanceof Error ? err.message : String(err)}\n${CONTENT_USAGE}`);
    return 2;
  }
  const [action, ...paths] = parsed.positionals;
  const tenant = parsed.values.tenant;
  const needs = (ok: boolean, why: string): boolean => {
    if (!ok) out(`${why}\n${CONTENT_USAGE}`);
    return ok;
  };

  switch (action) {
    case 'validate':
    case 'import': {
      const importing = action === 'import';
      if (!importing && !needs(paths.length > 0, 'Give the pack files or folder to validate.')) return 2;
      if (importing && !needs(paths.length > 0 && !!tenant, 'Give the pack files or folder and --tenant.')) return 2;
      if (importing && !deps.pool) throw new Error('content import needs a database pool');
      let native: boolean;
      try {
        native = await isNativePack(paths);
      } catch (err) {
        out(`Error: cannot read ${paths.join(', ')}: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
      }
      let pack: Pack | null;
      let assets: ImportResult['assets'] = [];
      let counts: Pick<ImportResult, 'format' | 'questions' | 'imported' | 'skipped' | 'errors'>;
      if (native) {
        pack = await readPack(paths, out);
        counts = { format: 'yaml', questions: pack?.items.length ?? 0, imported: pack?.items.length ?? 0, skipped: 0, errors: 0 };
        if (!pack) {
          // readPack printed the problems; count them for the JSON line.
          const files = await readPackFiles(paths).catch(() => []);
          let errors = 1;
          try {
            parsePack(files);
          } catch (err) {
            if (err instanceof PackError) errors = err.issues.length;
          }
          const items = files.reduce((n, f) => n + (f.text.match(/^\s*-\s+(\{\s*)?id\s*:/gm) ?? []).length, 0);
          counts = { format: 'yaml', questions: items, imported: 0, skipped: items, errors };
        } else if (parsed.values.pack || parsed.values.title) {
          pack = { ...pack, pack: { ...pack.pack, ...(parsed.values.pack ? { id: parsed.values.pack } : {}), ...(parsed.values.title ? { title: parsed.values.title } : {}) } };
        }
      } else {
        const r = await readBank(paths[0]!, { partial: !!parsed.values.partial, packId: parsed.values.pack, title: parsed.values.title }, out);
        if ('refused' in r) {
          out(`Refused: ${r.refused}`);
          out(jsonLine({ format: (detectFormat(paths[0]!, Buffer.alloc(0)) ?? 'unknown') as ImportResult['format'], questions: 0, imported: 0, skipped: 0, errors: 1 }));
          return 1;
        }
        pack = r.pack;
        counts = r;
        assets = r.assets;
        const files = r.assets.length;
        if (pack) out(`${importing ? 'Read' : 'OK'}: ${summary(pack)} from ${path.basename(paths[0]!)} (${r.format}); ${r.imported} of ${r.questions} questions${r.skipped ? `, ${r.skipped} skipped` : ''}${files ? `; ${files} embedded image(s) at /content/assets/` : ''}`);
        else out(`Not ${importing ? 'imported' : 'importable'}: ${r.errors} error(s) in ${r.questions} question(s)${r.errors && !parsed.values.partial ? ' (all or nothing: fix them, or use --partial to import the valid questions)' : ''}`);
      }
      if (!pack) {
        if (importing) counts = { ...counts, imported: 0, skipped: counts.questions };
        out(jsonLine(counts));
        return 1;
      }
      if (!importing) {
        if (native) out(`OK: ${summary(pack)}`);
        out(jsonLine(counts));
        return 0;
      }
      try {
        await importPack(deps.pool!, tenant!, pack);
        // The embedded images the items show (served at /content/assets/).
        await saveAssets(deps.pool!, tenant!, assets);
      } catch (err) {
        if ((err as { code?: string }).code === '23503') {
          out(`Error: unknown tenant "${tenant}"`);
          return 1;
        }
        throw err;
      }
      out(`Imported ${summary(pack)} for tenant ${tenant}`);
      out(jsonLine(counts));
      return 0;
    }
    case 'export': {
      if (parsed.values.out !== undefined || parsed.values.format !== undefined) {
        const format = parsed.values.format;
        if (!needs(paths.length === 1 && !!tenant && !!parsed.values.out && (format === 'qti3' || format === 'yaml'), 'Give one PACK id, --tenant, --format qti3|yaml and --out FILE.')) return 2;
        if (!deps.pool) throw new Error('content export needs a database pool');
        const pack = await loadPack(deps.pool, tenant!, paths[0]!);
        if (!pack) {
          out(`Tenant ${tenant} has no pack "${paths[0]}".`);
          return 1;
        }
        const file = parsed.values.out!;
        if (format === 'yaml') {
          await fs.writeFile(file, exportYaml(pack, /\.json$/i.test(file) ? 'json' : 'yaml'));
          out(`Exported ${summary(pack)} to ${file}`);
          return 0;
        }
        const qti = exportQti3(pack);
        await fs.writeFile(file, qti.zip);
        for (const n of qti.notes) out(`  ${n.itemId ? `item "${n.itemId}": ` : ''}${n.message}`);
        out(`Exported ${qti.exported} of ${pack.items.length} items of pack "${pack.pack.id}" as a QTI 3.0 package to ${file}`);
        return 0;
      }
      if (!needs(paths.length === 1 && !!tenant, 'Give one output FILE and --tenant.')) return 2;
      if (!deps.pool) throw new Error('content export needs a database pool');
      let packId = parsed.values.pack;
      if (!packId) {
        const packs = await listPacks(deps.pool, tenant!);
        if (packs.length !== 1) {
          out(packs.length ? `Tenant ${tenant} has ${packs.length} packs; choose one with --pack (${packs.map((p) => p.id).join(', ')}).` : `Tenant ${tenant} has no packs.`);
          return 1;
        }
        packId = packs[0]!.id;
      }
      const pack = await loadPack(deps.pool, tenant!, packId);
      if (!pack) {
        out(`Tenant ${tenant} has no pack "${packId}".`);
        return 1;
      }
      const file = paths[0]!;
      await fs.writeFile(file, serializePack(pack, /\.json$/i.test(file) ? 'json' : 'yaml'));
      out(`Exported ${summary(pack)} to ${file}`);
      return 0;
    }
    default:
      out(CONTENT_USAGE);
      return 2;
  }
}
