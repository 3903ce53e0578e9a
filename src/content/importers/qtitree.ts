/**
 * An ordered XML tree for QTI (item bodies mix XHTML and interactions, so order matters). QTI 3.0's
 * kebab-case names (`qti-choice-interaction`, `response-identifier`) are mapped to QTI 2.1's
 * camelCase (`choiceInteraction`, `responseIdentifier`) so one reader handles both.
 */
import { Parser } from 'htmlparser2';
import { checkXml, Lines } from './xml.js';

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

/** Parses checked XML into an ordered tree (the document's top-level elements). */
export function parseTree(file: string, text: string): XNode[] {
  checkXml(file, text);
  const lines = new Lines(text);
  const top: XNode = { name: '#', attrs: {}, children: [] };
  const stack: XNode[] = [top];
  const parser: Parser = new Parser(
    {
      onopentag(name, attribs) {
        const attrs: Record<string, string> = {};
        for (const [k, v] of Object.entries(attribs)) attrs[k.includes(':') ? k : camel(k)] = v;
        const node: XNode = { name: localName(name), attrs, children: [], line: lines.lineOf(parser.startIndex) };
        stack[stack.length - 1]!.children.push(node);
        stack.push(node);
      },
      ontext(data) {
        const kids = stack[stack.length - 1]!.children;
        if (typeof kids[kids.length - 1] === 'string') kids[kids.length - 1] += data;
        else kids.push(data);
      },
      onclosetag() {
        stack.pop();
      },
    },
    { xmlMode: true, decodeEntities: true, recognizeCDATA: true, recognizeSelfClosing: true },
  );
  parser.write(text);
  parser.end();
  return top.children.filter((n): n is XNode => typeof n !== 'string');
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
