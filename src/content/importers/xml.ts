/**
 * Safe XML reading for the importers: any document type declaration is refused outright, so neither
 * external entities (XXE) nor entity expansion (billion laughs) can be expressed; fast-xml-parser's
 * validator checks well-formedness and names the line of a syntax error; htmlparser2 in XML mode
 * (which never processes DTDs or entity declarations) builds the tree, several times faster than a
 * full object parse.
 */
import { XMLValidator } from 'fast-xml-parser';
import { Parser } from 'htmlparser2';
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

const START = Symbol('start');

/** The start offset of a parsed element, when known. */
export function startOf(node: unknown): number | undefined {
  if (!node || typeof node !== 'object') return undefined;
  return (node as { [START]?: number })[START];
}

/** Options of `parseXml`. */
export interface ParseOptions {
  /** Elements that are always lists (even with one occurrence). */
  isArray?: (name: string) => boolean;
}

type Obj = Record<string, unknown> & { [START]?: number };

/**
 * Parses checked XML to plain objects: attributes as `@_name`, text (CDATA included, trimmed) as
 * `#text`, children by name (a list when repeated or when `isArray` says so). htmlparser2 in XML mode
 * does the tokenising (fast, streaming, no DTD or entity declarations ever processed); the
 * well-formedness and the refusal of DOCTYPE are checked first by `checkXml`.
 */
export function parseXml(file: string, text: string, options: ParseOptions = {}): Obj {
  checkXml(file, text);
  const root: Obj = {};
  const stack: { name: string; obj: Obj; text: string }[] = [{ name: '#root', obj: root, text: '' }];
  const parser: Parser = new Parser(
    {
      onopentag(name, attribs) {
        const obj: Obj = {};
        obj[START] = parser.startIndex;
        for (const [k, v] of Object.entries(attribs)) obj[`@_${k}`] = v;
        const parent = stack[stack.length - 1]!.obj;
        const existing = parent[name];
        if (existing === undefined) parent[name] = options.isArray?.(name) ? [obj] : obj;
        else if (Array.isArray(existing)) existing.push(obj);
        else parent[name] = [existing, obj];
        stack.push({ name, obj, text: '' });
      },
      ontext(data) {
        stack[stack.length - 1]!.text += data;
      },
      onclosetag() {
        const top = stack.pop()!;
        const t = top.text.trim();
        if (t) top.obj['#text'] = t;
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true, recognizeSelfClosing: true },
  );
  parser.write(text);
  parser.end();
  return root;
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
