/** Reads a knowledge-tracing answer log (CSV with columns student,skill,correct[,item]) into a packed dataset. */
import { readFileSync } from 'node:fs';
import { DatasetBuilder, type KtDataset } from '../../src/engine/kt/dataset.js';

/**
 * Reads the CSV at `path`. Columns are found by header name; `item` is optional. Pass the training set's skill
 * and item ids to pack a test set with the same numbering.
 */
export function readKtCsv(path: string, knownSkills: readonly string[] = [], knownItems: readonly string[] = []): KtDataset {
  const text = readFileSync(path, 'utf8');
  const b = new DatasetBuilder(knownSkills, knownItems);
  let pos = text.indexOf('\n');
  if (pos < 0) throw new Error(`${path}: no header line`);
  const header = text.slice(0, pos).trim().split(',').map((h) => h.trim().toLowerCase());
  const cs = header.indexOf('student');
  const ck = header.indexOf('skill');
  const cc = header.indexOf('correct');
  const ci = header.indexOf('item');
  if (cs < 0 || ck < 0 || cc < 0) throw new Error(`${path}: need columns student,skill,correct (got ${header.join(',')})`);
  pos++;
  let line = 1;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    line++;
    const row = text.slice(pos, end).replace(/\r$/, '');
    pos = end + 1;
    if (row === '') continue;
    const f = row.split(',');
    const c = f[cc];
    if (c !== '0' && c !== '1') throw new Error(`${path}:${line}: correct must be 0 or 1, got ${c}`);
    b.add(f[cs]!, f[ck]!, c === '1', ci >= 0 ? f[ci] : undefined);
  }
  return b.build();
}
