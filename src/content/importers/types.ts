/**
 * What every importer returns. Importers are pure: bytes (or text) in, a validated `Pack` (the same
 * model the YAML path produces) and a list of problems out, each naming the file, the line (when the
 * format has lines) or question name, and what is wrong.
 */
import type { Pack } from '../content.schema.js';

/** The formats `importContent` reads. */
export type ImportFormat = 'yaml' | 'moodle_xml' | 'gift' | 'qti21' | 'qti30' | 'qti12_canvas';

/**
 * How serious a problem is:
 * - `error`: the question cannot be imported as it is (malformed, or a construct Mastery cannot grade).
 *   Import is all-or-nothing unless `partial` is set; with `partial` such questions are skipped.
 * - `skipped`: not a gradable question by design (a description, an essay): never imported, never
 *   blocks the rest.
 * - `warning`: imported, with a change the teacher should know about (said exactly what).
 */
export type IssueSeverity = 'error' | 'skipped' | 'warning';

/** One problem found while importing. */
export interface ImportIssue {
  severity: IssueSeverity;
  /** The file (inside a zip: `upload.zip/items/q1.xml`). */
  file: string;
  /** 1-based line of the question (XML, GIFT), when known. */
  line?: number;
  /** The question's name or identifier, when known. */
  question?: string;
  message: string;
}

/** Options of the importers. */
export interface ImportOptions {
  /** Import the valid questions and list the rest (default: all or nothing). */
  partial?: boolean;
  /** Pack id and title (default: from the file name). */
  packId?: string;
  title?: string;
  /** Language of the text (default `en`). */
  locale?: string;
}

/** An embedded file (an image of a question) extracted by an importer. */
export interface ImportAsset {
  /** Content hash: the stored name is `${sha256}.${ext}`. */
  sha256: string;
  mime: string;
  ext: string;
  bytes: Uint8Array;
  /** Where items reference it (their media `url`). */
  url: string;
}

/** What an importer produces. */
export interface ImportResult {
  format: ImportFormat;
  /** The pack of the imported questions; null when nothing could be imported (all-or-nothing refused, or none valid). */
  pack: Pack | null;
  /** Questions found (categories and other non-question records not counted). */
  questions: number;
  /** Questions imported (one question may become several items: matching pairs, cloze parts). */
  imported: number;
  /** Questions not imported (errors, descriptions, essays). */
  skipped: number;
  /** Number of `error` issues. */
  errors: number;
  issues: ImportIssue[];
  /** Images embedded in the questions, to store and serve at their `url`. */
  assets: ImportAsset[];
}

/** A whole upload refused before any question is read (too large, a zip bomb, unsafe XML, unknown format). */
export class ImportRefused extends Error {
  readonly code = 'import_refused';
  readonly status = 422;
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** Formats an issue as one line: `file:line: question "name": message`. */
export function formatImportIssue(i: ImportIssue): string {
  const where = `${i.file}${i.line !== undefined ? `:${i.line}` : ''}`;
  const who = i.question !== undefined ? ` question "${i.question}"` : '';
  const tag = i.severity === 'error' ? '' : ` (${i.severity})`;
  return `${where}:${who}${tag}: ${i.message}`;
}

/** Upload limits. */
export const LIMITS = {
  /** Largest upload (file or zip) read at all. */
  maxUploadBytes: 50 * 1024 * 1024,
  /** Largest total of uncompressed zip entries. */
  maxUnzippedBytes: 200 * 1024 * 1024,
  /** Largest ratio between an entry's uncompressed and compressed size (zip bombs reach thousands). */
  maxCompressionRatio: 200,
  /** Most entries in a zip. */
  maxZipEntries: 20_000,
  /** Largest embedded image. */
  maxAssetBytes: 5 * 1024 * 1024,
};
