/**
 * `npm run cli -- content validate|import|export ...`: the command-line face of content packs.
 * Argument parsing and file I/O live here; parsing packs and SQL stay in pack.ts and the repository.
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type pg from 'pg';
import { importPack, listPacks, loadPack } from './content.repository.js';
import { readPackFiles } from './content.files.js';
import type { Pack } from './content.schema.js';
import { formatIssue, PackError, parsePack, serializePack } from './pack.js';

/** What the command needs from its caller. */
export interface ContentCliDeps {
  /** Database pool; not used (and may be absent) for `validate`. */
  pool?: pg.Pool;
  /** Writes one line of output. */
  out: (line: string) => void;
}

export const CONTENT_USAGE = `Usage:
  content validate FILE|DIR ...                       check a pack (no database needed)
  content import FILE|DIR ... --tenant TENANT_ID      store a pack for a tenant (replaces the same pack id)
  content export FILE --tenant TENANT_ID [--pack ID]  write a stored pack to FILE (.yaml, .yml or .json)
A DIR means every .yaml/.yml/.json file in it. Format: docs/content-format.md`;

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

/** Runs `content <action> ...`; returns the process exit code (0 ok, 1 failure, 2 usage). */
export async function contentCommand(args: string[], deps: ContentCliDeps): Promise<number> {
  const { out } = deps;
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { tenant: { type: 'string' }, pack: { type: 'string' } } });
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
    case 'validate': {
      if (!needs(paths.length > 0, 'Give the pack files or folder to validate.')) return 2;
      const pack = await readPack(paths, out);
      if (!pack) return 1;
      out(`OK: ${summary(pack)}`);
      return 0;
    }
    case 'import': {
      if (!needs(paths.length > 0 && !!tenant, 'Give the pack files or folder and --tenant.')) return 2;
      if (!deps.pool) throw new Error('content import needs a database pool');
      const pack = await readPack(paths, out);
      if (!pack) return 1;
      try {
        await importPack(deps.pool, tenant!, pack);
      } catch (err) {
        if ((err as { code?: string }).code === '23503') {
          out(`Error: unknown tenant "${tenant}"`);
          return 1;
        }
        throw err;
      }
      out(`Imported ${summary(pack)} for tenant ${tenant}`);
      return 0;
    }
    case 'export': {
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
