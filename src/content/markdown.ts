/**
 * Markdown + LaTeX to safe HTML, server-side. Math (`$...$`, `$$...$$`) is cut out first so Markdown
 * never mangles it, the Markdown is rendered with raw HTML off and then sanitised with an allow-list,
 * and only then is KaTeX's own output put back (KaTeX runs with `trust: false`, so `\href` and
 * friends cannot smuggle links or scripts). KaTeX HTML goes back only into text: math inside an attribute
 * (a link title, an image's alt text) becomes its plain TeX source there, escaped by the sanitiser. The page must load KaTeX's CSS and fonts from our own
 * origin: `katexDistPath()` is the folder the web layer serves.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import katex from 'katex';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import type { Media } from './content.schema.js';

const require = createRequire(import.meta.url);

/** Absolute path of katex's `dist` folder (katex.min.css and fonts/), to serve as static files. */
export function katexDistPath(): string {
  return path.join(path.dirname(require.resolve('katex/package.json')), 'dist');
}

const md = new MarkdownIt({ html: false, linkify: false, typographer: false, breaks: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'hr', 'em', 'strong', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'img',
    'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'sup', 'sub',
  ],
  allowedAttributes: {
    a: ['href', 'title', 'rel', 'target'],
    img: ['src', 'alt', 'title'],
    th: ['style'],
    td: ['style'],
    ol: ['start'],
  },
  allowedStyles: { '*': { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['https', 'http', 'mailto'],
  allowedSchemesByTag: { img: ['https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer', target: '_blank' }),
  },
};

/** Private-use characters that delimit math placeholders; stripped from author text first. */
const OPEN = '\uE000';
const CLOSE = '\uE001';

const PLACEHOLDER = new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g');

/** A math segment cut out of the text. */
interface MathSegment {
  tex: string;
  display: boolean;
}

/** Splits `$...$` and `$$...$$` out of `text`, leaving numbered placeholders; `\$` stays a dollar. */
function extractMath(text: string): { text: string; math: MathSegment[] } {
  const math: MathSegment[] = [];
  let out = '';
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === '$') {
      out += '\\$';
      i += 2;
      continue;
    }
    if (ch === '$') {
      if (text[i + 1] === '$') {
        const end = text.indexOf('$$', i + 2);
        if (end > i + 2) {
          math.push({ tex: text.slice(i + 2, end), display: true });
          out += `\n\n${OPEN}${math.length - 1}${CLOSE}\n\n`;
          i = end + 2;
          continue;
        }
      } else if (text[i + 1] !== undefined && !/\s/.test(text[i + 1]!)) {
        const end = findInlineClose(text, i + 1);
        if (end > 0) {
          math.push({ tex: text.slice(i + 1, end), display: false });
          out += `${OPEN}${math.length - 1}${CLOSE}`;
          i = end + 1;
          continue;
        }
      }
    }
    out += ch;
    i++;
  }
  return { text: out, math };
}

/** Index of the `$` closing inline math opened before `from`: not escaped, after a non-space, not before a digit. */
function findInlineClose(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') {
      j++;
      continue;
    }
    if (c === '\n' && text[j + 1] === '\n') return -1;
    if (c === '$' && !/\s/.test(text[j - 1]!) && !/\d/.test(text[j + 1] ?? '')) return j;
  }
  return -1;
}

const KATEX_OPTIONS = { throwOnError: false, trust: false, strict: 'ignore', maxSize: 20, maxExpand: 500, output: 'htmlAndMathml' } as const;

/** KaTeX output by formula: the same fractions recur across items, and rendering dominates the cost. */
const mathCache = new Map<string, string>();
const MATH_CACHE_SIZE = 20_000;

/** Renders one formula with KaTeX (errors shown as KaTeX's red source text), memoised. */
function renderMath(tex: string, display: boolean): string {
  const key = (display ? 'D' : 'I') + tex;
  let html = mathCache.get(key);
  if (html === undefined) {
    html = katex.renderToString(tex, { ...KATEX_OPTIONS, displayMode: display });
    if (mathCache.size >= MATH_CACHE_SIZE) mathCache.delete(mathCache.keys().next().value!);
    mathCache.set(key, html);
  }
  return html;
}

/** Options of `renderMarkdown`. */
export interface RenderOptions {
  /** Media of the item; `media:ID` in a link or image resolves to its URL. */
  media?: readonly Media[];
  /** Render inline (no surrounding `<p>`), for choice labels and short fields. */
  inline?: boolean;
}

/**
 * Renders author Markdown with math to sanitised HTML. Script tags, event handlers, `javascript:`
 * URLs and raw HTML are removed; math errors render as KaTeX's red source text rather than throwing.
 */
export function renderMarkdown(source: string, options: RenderOptions = {}): string {
  // Pages render the same short texts (skill names, feedback) over and over: reuse the result. Texts
  // with media links depend on their media list and are rendered each time.
  const memoKey = options.media?.length || source.length > MEMO_MAX_SOURCE ? undefined : (options.inline ? 'I' : 'B') + source;
  if (memoKey !== undefined) {
    const hit = rendered.get(memoKey);
    if (hit !== undefined) return hit;
  }
  const html = render(source, options);
  if (memoKey !== undefined) {
    if (rendered.size >= MEMO_SIZE) rendered.delete(rendered.keys().next().value!);
    rendered.set(memoKey, html);
  }
  return html;
}

/** Rendered texts kept (oldest dropped first), and the longest source worth keeping. */
const MEMO_SIZE = 5_000;
const MEMO_MAX_SOURCE = 2_000;
const rendered = new Map<string, string>();

function render(source: string, options: RenderOptions): string {
  let text = source.replace(/[\uE000\uE001]/g, '');
  if (options.media?.length) {
    const urls = new Map(options.media.map((m) => [m.id, m.url]));
    text = text.replace(/\]\(media:([A-Za-z0-9._-]+)/g, (whole, id: string) => (urls.has(id) ? `](${urls.get(id)}` : whole));
  }
  const { text: withPlaceholders, math } = extractMath(text);
  const rendered = options.inline && math.every((m) => !m.display) ? md.renderInline(withPlaceholders) : md.render(withPlaceholders);
  if (math.length === 0) return sanitizeHtml(rendered, SANITIZE).trim();
  // Placeholders inside attributes become plain text now, while the sanitiser still escapes attributes;
  // only those left in text are replaced by KaTeX HTML below.
  const plain = (value: string) => value.replace(PLACEHOLDER, (_, n: string) => math[Number(n)]?.tex ?? '');
  const mathInAttributes = (transform?: string | sanitizeHtml.Transformer) => (tagName: string, attribs: sanitizeHtml.Attributes) => {
    const t = transform ? (typeof transform === 'function' ? transform(tagName, attribs) : { tagName: transform, attribs }) : { tagName, attribs };
    const out: sanitizeHtml.Attributes = {};
    for (const [k, v] of Object.entries(t.attribs)) out[k] = typeof v === 'string' ? plain(v) : v;
    return { ...t, attribs: out };
  };
  const transformTags: Record<string, sanitizeHtml.Transformer> = { '*': mathInAttributes() };
  for (const [tag, transform] of Object.entries(SANITIZE.transformTags ?? {})) transformTags[tag] = mathInAttributes(transform);
  const safe = sanitizeHtml(rendered, { ...SANITIZE, transformTags });
  return safe
    .replace(PLACEHOLDER, (_, n: string) => {
      const m = math[Number(n)]!;
      return renderMath(m.tex, m.display);
    })
    .trim();
}

/**
 * The LaTeX errors in a Markdown text (empty when all math parses), so pack validation can refuse
 * broken math instead of showing KaTeX's red error text to students.
 */
export function mathErrors(source: string): string[] {
  const errors: string[] = [];
  for (const m of extractMath(source).math) {
    const key = (m.display ? 'D' : 'I') + m.tex;
    const cached = mathCache.get(key);
    if (cached !== undefined && !cached.includes('katex-error')) continue;
    try {
      const html = katex.renderToString(m.tex, { ...KATEX_OPTIONS, throwOnError: true, displayMode: m.display });
      if (mathCache.size < MATH_CACHE_SIZE) mathCache.set(key, html);
    } catch (err) {
      errors.push(`${err instanceof Error ? err.message : String(err)} in "${m.tex}"`);
    }
  }
  return errors;
}
