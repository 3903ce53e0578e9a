/**
 * Reading uploaded zips (QTI and Canvas packages) safely: the central directory is checked before
 * anything is inflated (entry count, declared sizes, total, compression ratio), so a zip bomb is
 * refused without allocating its payload; each entry inflates into a buffer of its declared size.
 */
import { unzipSync, type UnzipFileInfo } from 'fflate';
import { ImportRefused, LIMITS } from './types.js';

/** True when the bytes start like a zip. */
export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 0x03 || bytes[2] === 0x05) && (bytes[3] === 0x04 || bytes[3] === 0x06);
}

/** Normalises an entry name (`./a/../b.xml` -> `b.xml`); null for names escaping the root. */
export function normalisePath(name: string): string | null {
  const out: string[] = [];
  for (const part of name.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (!out.length) return null;
      out.pop();
    } else out.push(part);
  }
  return out.join('/');
}

/** Unzips an upload into entries by normalised path, or throws `ImportRefused`. */
export function readZip(file: string, bytes: Uint8Array): Map<string, Uint8Array> {
  if (bytes.length > LIMITS.maxUploadBytes) throw new ImportRefused(file, `the upload is larger than ${LIMITS.maxUploadBytes / 1024 / 1024} MB`);
  let count = 0;
  let total = 0;
  let refusal: string | null = null;
  const filter = (f: UnzipFileInfo): boolean => {
    if (refusal) return false;
    if (f.name.endsWith('/')) return false;
    count++;
    total += f.originalSize;
    if (count > LIMITS.maxZipEntries) refusal = `more than ${LIMITS.maxZipEntries} files in the zip`;
    else if (total > LIMITS.maxUnzippedBytes) refusal = `the zip unpacks to more than ${LIMITS.maxUnzippedBytes / 1024 / 1024} MB (a zip bomb?)`;
    else if (f.originalSize > 1024 * 1024 && f.originalSize / Math.max(1, f.size) > LIMITS.maxCompressionRatio) {
      refusal = `"${f.name}" is compressed ${Math.round(f.originalSize / Math.max(1, f.size))} times (a zip bomb?)`;
    } else if (f.compression !== 0 && f.compression !== 8) refusal = `"${f.name}" uses an unsupported compression method (${f.compression})`;
    return refusal === null;
  };
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, { filter });
  } catch (err) {
    if (refusal) throw new ImportRefused(file, refusal);
    throw new ImportRefused(file, `not a readable zip: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (refusal) throw new ImportRefused(file, refusal);
  const out = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) {
    const path = normalisePath(name);
    if (path) out.set(path, data);
  }
  return out;
}
