/**
 * Safe XML reading for the importers: fast-xml-parser (no DTD processing, no external entities),
 * after refusing any document type declaration outright, so neither external entities (XXE) nor
 * entity expansion (billion laughs) can be expressed. Syntax errors are reported with their line.
 */
import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { ImportRefused } from './types.js';

/** Offsets of line starts, to turn a character offset into a 1-based line. */
export class Lines {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

const PROLOG_DOCTYPE = /^\uFEFF?\s*(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*<!DOCTYPE/i;

/** Refuses DOCTYPE / ENTITY declarations and malformed XML; throws `ImportRefused`. */
export function checkXml(file: string, text: string): void {
  if (PROLOG_DOCTYPE.test(text) || /<!ENTITY/i.test(text.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, ''))) {
    throw new ImportRefused(file, 'XML document type declarations (<!DOCTYPE>, <!ENTITY>) are not allowed: they can read server files (external entities) or expand to gigabytes (billion laughs)');
  }
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) throw new ImportRefused(file, `not well-formed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`);
}

const metaSymbol = XMLParser.getMetaDataSymbol() as unknown as symbol;

/** The start offset of a parsed element (captureMetaData), when known. */
export function startOf(node: unknown): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return (node as Record<symbol, { startIndex?: number } | undefined>)[metaSymbol]?.startIndex;
}

/** Parses checked XML to objects: attributes as `@_name`, text as `#text`, values kept as strings. */
export function parseXml(file: string, text: string, options: Partial<X2jOptions> = {}): unknown {
  checkXml(file, text);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@_',
    textNodeName: '#text',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: true,
    captureMetaData: true,
    ...options,
  });
  return parser.parse(text);
}

/** The text of a parsed element (string, or an object's `#text`). */
export function textOf(node: unknown): string {
  if (node === undefined || node === null) return '';
  if (typeof node === 'string') return node;
  if (typeof node === 'number' || typeof node === 'boolean') return String(node);
  if (Array.isArray(node)) return node.map(textOf).join('');
  if (typeof node === 'object') return textOf((node as Record<string, unknown>)['#text']);
  return '';
}

/** An attribute of a parsed element. */
export function attr(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const v = (node as Record<string, unknown>)[`@_${name}`];
  return v === undefined ? undefined : String(v);
}

/** A child element list (always an array). */
export function list(node: unknown, name: string): unknown[] {
  if (!node || typeof node !== 'object') return [];
  const v = (node as Record<string, unknown>)[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A single child element. */
export function child(node: unknown, name: string): unknown {
  return list(node, name)[0];
}
