/**
 * An ordered XML tree for QTI (item bodies mix XHTML and interactions, so order matters). QTI 3.0's
 * kebab-case names (`qti-choice-interaction`, `response-identifier`) are mapped to QTI 2.1's
 * camelCase (`choiceInteraction`, `responseIdentifier`) so one reader handles both.
 */
import { Lines, parseXml, startOf } from './xml.js';

export interface XNode {
  name: string;
  attrs: Record<string, string>;
  children: (XNode | string)[];
  line?: number;
}

const camel = (s: string) => s.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** `qti-choice-interaction` -> `choiceInteraction`; `imsqti:assessmentItem` -> `assessmentItem`. */
function localName(name: string): string {
  const local = name.replace(/^[A-Za-z0-9_-]+:/, '');
  return local.startsWith('qti-') ? camel(local.slice(4)) : local;
}

/** Parses checked XML into an ordered tree (the document's children). */
export function parseTree(file: string, text: string): XNode[] {
  const raw = parseXml(file, text, { preserveOrder: true, trimValues: false }) as unknown[];
  const lines = new Lines(text);
  const convert = (list: unknown[]): (XNode | string)[] => {
    const out: (XNode | string)[] = [];
    for (const entry of list) {
      const e = entry as Record<string, unknown>;
      for (const key of Object.keys(e)) {
        if (key === ':@') continue;
        if (key === '#text') {
          out.push(String(e[key] ?? ''));
          continue;
        }
        if (key.startsWith('?') || key.startsWith('!')) continue;
        const attrs: Record<string, string> = {};
        for (const [k, v] of Object.entries((e[':@'] as Record<string, unknown>) ?? {})) {
          const name = k.replace(/^@_/, '');
          attrs[name.includes(':') ? name : camel(name)] = String(v);
        }
        const start = startOf(e);
        out.push({ name: localName(key), attrs, children: convert((e[key] as unknown[]) ?? []), ...(start !== undefined ? { line: lines.lineOf(start) } : {}) });
      }
    }
    return out;
  };
  return convert(raw).filter((n): n is XNode => typeof n !== 'string');
}

/** Element children of a node. */
export function elements(n: XNode | undefined, name?: string): XNode[] {
  return (n?.children ?? []).filter((c): c is XNode => typeof c !== 'string' && (name === undefined || c.name === name));
}

/** The first descendant (or self) with the name. */
export function find(n: XNode | undefined, name: string): XNode | undefined {
  if (!n) return undefined;
  if (n.name === name) return n;
  for (const c of elements(n)) {
    const f = find(c, name);
    if (f) return f;
  }
  return undefined;
}

/** Every descendant (and self) with the name, in document order. */
export function findAll(n: XNode | undefined, name: string, out: XNode[] = []): XNode[] {
  if (!n) return out;
  if (n.name === name) out.push(n);
  for (const c of elements(n)) findAll(c, name, out);
  return out;
}

/** The text content of a node. */
export function text(n: XNode | string | undefined): string {
  if (n === undefined) return '';
  if (typeof n === 'string') return n;
  return n.children.map(text).join('');
}

const escapeText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttr = (s: string) => escapeText(s).replace(/"/g, '&quot;');

/** Serialises nodes back to (X)HTML; `replace` may substitute a node with markup (or '' to drop it). */
export function toHtml(nodes: (XNode | string)[], replace?: (n: XNode) => string | undefined): string {
  let out = '';
  for (const n of nodes) {
    if (typeof n === 'string') {
      out += escapeText(n);
      continue;
    }
    const r = replace?.(n);
    if (r !== undefined) {
      out += r;
      continue;
    }
    const attrs = Object.entries(n.attrs)
      .map(([k, v]) => ` ${k}="${escapeAttr(v)}"`)
      .join('');
    out += `<${n.name}${attrs}>${toHtml(n.children, replace)}</${n.name}>`;
  }
  return out;
}
