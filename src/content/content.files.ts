/**
 * The file side of packs (I/O kept out of the pure parser): reading pack files from paths or
 * folders, and locating the built-in packs shipped under `content/` (Fractions, the demo pack, and
 * Linear equations).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../paths.js';
import type { Pack } from './content.schema.js';
import { parsePack, type PackFile } from './pack.js';

const PACK_FILE = /\.(ya?ml|json)$/i;

/** Reads pack files: each path is a file, or a folder whose YAML/JSON files are read in name order. */
export async function readPackFiles(paths: readonly string[]): Promise<PackFile[]> {
  const files: PackFile[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p);
    const names = stat.isDirectory()
      ? (await fs.readdir(p)).filter((n) => PACK_FILE.test(n)).sort().map((n) => path.join(p, n))
      : [p];
    for (const name of names) files.push({ name, text: await fs.readFile(name, 'utf8') });
  }
  return files;
}

/** Folder of the demo "Fractions" pack (`content/fractions` under the project root, from src/ or dist/). */
export function demoPackDir(): string {
  return path.join(projectRoot, 'content', 'fractions');
}

/** Reads and validates the demo pack (throws `PackError` if it is broken, which a test prevents). */
export async function loadDemoPack(): Promise<Pack> {
  const dir = demoPackDir();
  const files = await readPackFiles([dir]);
  return parsePack(files.map((f) => ({ name: path.relative(projectRoot, f.name), text: f.text })));
}

/** The packs every tenant gets, the demo pack first: each is the folder `content/<id>` and its pack id is the folder name. */
export const BUILT_IN_PACKS = ['fractions', 'linear-equations'] as const;

/** Reads and validates one pack folder, naming files relative to the project root in errors. */
async function loadPackDir(dir: string): Promise<Pack> {
  const files = await readPackFiles([dir]);
  return parsePack(files.map((f) => ({ name: path.relative(projectRoot, f.name), text: f.text })));
}

/** Reads and validates every built-in pack (the demo pack first); a test keeps them valid. */
export async function loadBuiltInPacks(): Promise<Pack[]> {
  return Promise.all(BUILT_IN_PACKS.map((name) => loadPackDir(path.join(projectRoot, 'content', name))));
}
