/**
 * Question text of other formats (HTML, Moodle's auto-format, plain text) to our Markdown with math.
 *
 * Our Markdown path renders with raw HTML off and then sanitises with an allow-list (markdown.ts), so
 * imported HTML is not passed through: it is parsed (htmlparser2) and rewritten as the Markdown of
 * the structure we render (paragraphs, emphasis, lists, links, images, tables, code). The result is
 * then rendered and sanitised by exactly the same `renderMarkdown` as hand-written packs. Active
 * content (scripts, frames, objects, forms, event handlers) has no Markdown form and is dropped with
 * a warning. Math written as `\(...\)`, `\[...\]` or `$$...$$` becomes `$...$` / `$$...$$`; other
 * dollar signs stay literal.
 */
import { parseDocument } from 'htmlparser2';

/** A node of htmlparser2's DOM (only what we read). */
interface DomNode {
  type: string;
  name?: string;
  data?: string;
  attribs?: Record<string, string>;
  children?: DomNode[];
}

/** An image met in the text: the importer resolves it to a URL or a media reference, or refuses it. */
export interface ImageRef {
  src: string;
  alt: string;
}

/** Options of the conversion. */
export interface HtmlOptions {
  /** Resolves an image: returns the Markdown target (`media:ID` or an https URL), or null to drop it (the resolver reports why). */
  image?: (ref: ImageRef) => string | null;
  /** Reports a change made to the text (dropped active content, links without a safe scheme). */
  warn?: (message: string) => void;
}

/** Elements whose content is dropped entirely, with a warning. */
const DROPPED = new Set(['script', 'style', 'iframe', 'object', 'embed', 'applet', 'form', 'input', 'button', 'select', 'textarea', 'frame', 'frameset', 'link', 'meta', 'base', 'svg', 'math', 'template', 'noscript', 'audio', 'video', 'canvas']);
const BLOCK = new Set(['p', 'div', 'section', 'article', 'header', 'footer', 'main', 'aside', 'nav', 'figure', 'figcaption', 'center', 'address', 'dl', 'dt', 'dd', 'details', 'summary', 'fieldset', 'body', 'html']);

/** Backslash-escapes characters Markdown would read as syntax; `$` is escaped too (math is handled separately). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#+!|~&$-]/g, '\\$&').replace(/(\d)\.(?=\s|$)/g, '$1\\.');
}

/** Splits text into literal pieces and math segments (`\(..\)`, `\[..\]`, `$$..$$`). */
function splitMath(text: string): { text: string; math?: 'inline' | 'display' }[] {
  const out: { text: string; math?: 'inline' | 'display' }[] = [];
  const re = /\\\(([\s\S]+?)\\\)|\\\[([\s\S]+?)\\\]|\$\$([\s\S]+?)\$\$/g;
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    const tex = (m[1] ?? m[2] ?? m[3] ?? '').trim();
    if (tex && !tex.includes('$')) out.push({ text: tex, math: m[1] !== undefined ? 'inline' : 'display' });
    else out.push({ text: m[0] });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** Escaped Markdown of a run of text, math kept as math. */
function textToMarkdown(text: string): string {
  let out = '';
  for (const piece of splitMath(text)) {
    if (piece.math === 'inline') out += `$${piece.text}$`;
    else if (piece.math === 'display') out += `$$${piece.text}$$`;
    else out += escapeMarkdown(piece.text);
  }
  return out;
}

/** Plain text (GIFT `[plain]`, QTI text): escaped, line breaks kept, math kept. */
export function plainToMarkdown(text: string): string {
  return text
    .split(/\r?\n/)
    .map((l) => textToMarkdown(l.trim()))
    .join('\\\n')
    .replace(/(\\\n){2,}/g, '\n\n')
    .trim();
}

/** A hard line break while converting (whitespace collapsing must not eat it); `\` + newline in the output. */
const BR = '\uE010';

const SAFE_LINK = /^(https?:|mailto:)/i;

class Converter {
  constructor(private readonly options: HtmlOptions) {}
  private readonly warned = new Set<string>();

  warn(message: string): void {
    if (this.warned.has(message)) return;
    this.warned.add(message);
    this.options.warn?.(message);
  }

  /** Markdown blocks of a list of nodes (blocks separated by blank lines). */
  blocks(nodes: DomNode[] | undefined): string {
    const out: string[] = [];
    let inline = '';
    const flush = () => {
      const t = inline.replace(/\s+/g, ' ').trim().replace(/^(\uE010\s*)+|(\s*\uE010)+$/g, '');
      if (t) out.push(t);
      inline = '';
    };
    for (const n of nodes ?? []) {
      if (n.type === 'tag' || n.type === 'script' || n.type === 'style') {
        const name = n.name!.toLowerCase();
        if (DROPPED.has(name)) {
          this.warn(`removed <${name}> (not allowed in questions)`);
          continue;
        }
        const block = this.block(n, name);
        if (block !== null) {
          flush();
          if (block) out.push(block);
          continue;
        }
      }
      inline += this.inline(n);
    }
    flush();
    return out.join('\n\n');
  }

  /** The Markdown of a block element, or null when the element is inline. */
  private block(n: DomNode, name: string): string | null {
    if (BLOCK.has(name)) return this.blocks(n.children);
    if (/^h[1-6]$/.test(name)) {
      const text = this.inlineOf(n.children);
      return text ? `${'#'.repeat(Number(name[1]))} ${text}` : '';
    }
    if (name === 'ul' || name === 'ol') return this.list(n, name === 'ol');
    if (name === 'blockquote') {
      const inner = this.blocks(n.children);
      return inner ? inner.split('\n').map((l) => `> ${l}`).join('\n') : '';
    }
    if (name === 'pre') {
      const text = textOf(n).replace(/\n$/, '');
      const fence = text.includes('```') ? '~~~~' : '```';
      return `${fence}\n${text}\n${fence}`;
    }
    if (name === 'table') return this.table(n);
    if (name === 'hr') return '---';
    return null;
  }

  private list(n: DomNode, ordered: boolean): string {
    const items: string[] = [];
    let k = 0;
    for (const li of n.children ?? []) {
      if (li.type !== 'tag') continue;
      const body = li.name === 'li' ? this.blocks(li.children) : this.blocks([li]);
      if (!body) continue;
      k++;
      const marker = ordered ? `${k}. ` : '- ';
      items.push(marker + body.split('\n').join('\n' + ' '.repeat(marker.length)));
    }
    return items.join('\n');
  }

  private table(n: DomNode): string {
    const rows: string[][] = [];
    const walk = (nodes: DomNode[] | undefined) => {
      for (const c of nodes ?? []) {
        if (c.type !== 'tag') continue;
        if (c.name === 'tr') rows.push((c.children ?? []).filter((d) => d.type === 'tag' && (d.name === 'td' || d.name === 'th')).map((d) => this.inlineOf(d.children).replace(/\uE010/g, ' ')));
        else walk(c.children);
      }
    };
    walk(n.children);
    if (!rows.length) return '';
    const width = Math.max(...rows.map((r) => r.length));
    const line = (r: string[]) => `| ${Array.from({ length: width }, (_, i) => r[i] || ' ').join(' | ')} |`;
    return [line(rows[0]!), `|${' --- |'.repeat(width)}`, ...rows.slice(1).map(line)].join('\n');
  }

  /** Inline Markdown of nodes (block elements inside are flattened to line breaks). */
  inlineOf(nodes: DomNode[] | undefined): string {
    return (nodes ?? []).map((c) => this.inline(c)).join('').replace(/\s+/g, ' ').trim();
  }

  private inline(n: DomNode): string {
    if (n.type === 'text') return textToMarkdown((n.data ?? '').replace(/\s+/g, ' '));
    if (n.type === 'cdata') return this.inlineOf(n.children);
    if (n.type !== 'tag' && n.type !== 'script' && n.type !== 'style') return '';
    const name = n.name!.toLowerCase();
    if (DROPPED.has(name)) {
      this.warn(`removed <${name}> (not allowed in questions)`);
      return '';
    }
    const wrap = (mark: string) => {
      const inner = this.inlineOf(n.children);
      return inner ? `${mark}${inner}${mark}` : '';
    };
    switch (name) {
      case 'br':
        return BR;
      case 'strong':
      case 'b':
        return wrap('**');
      case 'em':
      case 'i':
      case 'cite':
      case 'var':
        return wrap('*');
      case 's':
      case 'strike':
      case 'del':
        return wrap('~~');
      case 'code':
      case 'kbd':
      case 'samp':
      case 'tt': {
        const text = textOf(n).replace(/\s+/g, ' ');
        if (!text) return '';
        const fence = text.includes('`') ? '``' : '`';
        return `${fence}${fence.length > 1 ? ' ' : ''}${text}${fence.length > 1 ? ' ' : ''}${fence}`;
      }
      case 'sup':
      case 'sub': {
        const text = textOf(n).trim();
        if (!text) return '';
        if (/^[A-Za-z0-9.,+\-−= ]{1,20}$/.test(text)) return `$${name === 'sup' ? '^' : '_'}{${text.replace(/−/g, '-')}}$`;
        return `${name === 'sup' ? '^' : '_'}(${this.inlineOf(n.children)})`;
      }
      case 'a': {
        const inner = this.inlineOf(n.children);
        const href = (n.attribs?.href ?? '').trim();
        if (!href || !SAFE_LINK.test(href)) {
          if (href && !href.startsWith('#')) this.warn(`removed a link to "${href.slice(0, 60)}" (only http, https and mailto links are kept)`);
          return inner;
        }
        return `[${inner || escapeMarkdown(href)}](<${href.replace(/[<>\s]/g, encodeURIComponent)}>)`;
      }
      case 'img': {
        const src = (n.attribs?.src ?? '').trim();
        const alt = (n.attribs?.alt ?? n.attribs?.title ?? '').replace(/\s+/g, ' ').trim();
        const target = this.options.image ? this.options.image({ src, alt }) : /^https:\/\//i.test(src) ? src : null;
        if (target === null) {
          if (!this.options.image) this.warn(`removed image "${src.slice(0, 60)}" (only https images are shown)`);
          return '';
        }
        const dest = target.startsWith('media:') ? target : `<${target.replace(/[<>\s]/g, encodeURIComponent)}>`;
        return `![${escapeMarkdown(alt)}](${dest})`;
      }
      default: {
        if (BLOCK.has(name) || /^h[1-6]$/.test(name) || ['ul', 'ol', 'li', 'blockquote', 'pre', 'table', 'tr'].includes(name)) {
          const inner = this.blocks(n.children);
          return inner ? `${BR}${inner.replace(/\n+/g, BR)}${BR}` : '';
        }
        return (n.children ?? []).map((c) => this.inline(c)).join('');
      }
    }
  }
}

/** The text content of a node (no markup). */
function textOf(n: DomNode): string {
  if (n.type === 'text') return n.data ?? '';
  return (n.children ?? []).map(textOf).join('');
}

/** HTML (Moodle `html` format, QTI/Canvas XHTML) to our Markdown. */
export function htmlToMarkdown(html: string, options: HtmlOptions = {}): string {
  if (!/[<&]/.test(html)) return plainInline(html);
  const doc = parseDocument(html, { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true }) as unknown as DomNode;
  const md = new Converter(options).blocks(doc.children);
  return md.replace(/ ?\uE010 ?/g, '\\\n').replace(/\n{3,}/g, '\n\n').trim();
}

/** Text without markup: HTML collapses its whitespace, so do we. */
function plainInline(text: string): string {
  return textToMarkdown(text.replace(/\s+/g, ' ').trim());
}

/** Moodle's auto-format (GIFT default): HTML allowed, and line breaks are kept. */
export function moodleAutoToMarkdown(text: string, options: HtmlOptions = {}): string {
  return htmlToMarkdown(text.replace(/\r?\n/g, '<br>'), options);
}

/** Text in a named Moodle/GIFT format to Markdown. */
export function formattedToMarkdown(text: string, format: string | undefined, options: HtmlOptions = {}): string {
  switch ((format ?? 'html').toLowerCase()) {
    case 'markdown':
      return text.trim();
    case 'plain':
    case 'plain_text':
      return plainToMarkdown(text);
    case 'moodle':
    case 'moodle_auto_format':
      return moodleAutoToMarkdown(text, options);
    default:
      return htmlToMarkdown(text, options);
  }
}
