/**
 * Accessible names for math in form labels. KaTeX renders visible HTML (aria-hidden) beside MathML, and
 * a <math> element takes its name only from its author, so a choice label made only of math would name
 * its radio button with nothing. In labels each <math> gets an aria-label read from its TeX ("3/4",
 * "1 1/2", "2 × 5"); plainText() gives the same reading of a whole fragment. Stems and feedback keep plain
 * MathML, which screen readers read and navigate themselves. Pure string functions (the presenter
 * memoises their results per item instance).
 */
const TEX_WORDS: Record<string, string> = {
  times: '×', div: '÷', cdot: '·', le: '≤', leq: '≤', ge: '≥', geq: '≥', ne: '≠', neq: '≠', pi: 'π', approx: '≈', pm: '±', lt: '<', gt: '>',
  to: '→', rightarrow: '→', ldots: '…', cdots: '…', degree: '°', circ: '°',
};

const decodeHtml = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#0?39;|&#x27;/g, "'").replace(/&amp;/g, '&');
const attr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** How a screen reader should say a TeX fragment (HTML-escaped TeX from KaTeX's annotation). */
export function texSpeech(tex: string): string {
  let s = decodeHtml(tex);
  let prev: string;
  const group = (a: string) => (/^[\w.]+$/.test(a) ? a : `(${a})`);
  s = s.replace(/\\(?:left|right)\b/g, '').replace(/\\(?:text|mathrm|mathbf|textbf|operatorname)\{([^{}]*)\}/g, '$1');
  do {
    prev = s;
    s = s.replace(/\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}/g, (_m, a: string, b: string) => ` ${group(a)}/${group(b)} `).replace(/\\sqrt\{([^{}]*)\}/g, '√($1)');
  } while (s !== prev);
  return s
    .replace(/\\([a-zA-Z]+)/g, (_m, w: string) => (TEX_WORDS[w] ? ` ${TEX_WORDS[w]} ` : w))
    .replace(/\\[,;:! ]/g, ' ')
    .replace(/\\([%$&#_])/g, '$1')
    .replace(/[{}]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

const texOf = (mathInner: string): string | null => mathInner.match(/<annotation encoding="application\/x-tex">([\s\S]*?)<\/annotation>/)?.[1] ?? null;

/** The HTML with an aria-label on every <math> that has none, read from its TeX. */
export function labelMath(html: string): string {
  return html.replace(/<math\b([^>]*)>([\s\S]*?)<\/math>/g, (m, attrs: string, inner: string) => {
    const tex = texOf(inner);
    return tex === null || /aria-label=/.test(attrs) ? m : `<math${attrs} aria-label="${attr(texSpeech(tex))}">${inner}</math>`;
  });
}

/** The HTML without the spans hidden from assistive technology (KaTeX's visual copy). */
function dropHidden(html: string): string {
  let out = '';
  let at = 0;
  const open = /<span\b[^>]*aria-hidden="true"[^>]*>/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(html))) {
    out += html.slice(at, m.index);
    let depth = 1;
    const tag = /<(\/?)span\b[^>]*>/g;
    let t: RegExpExecArray | null = null;
    tag.lastIndex = open.lastIndex;
    while (depth && (t = tag.exec(html))) depth += t[1] ? -1 : 1;
    at = t ? tag.lastIndex : html.length;
    open.lastIndex = at;
  }
  return out + html.slice(at);
}

/** The fragment as plain text a screen reader would say (for aria-label attributes). */
export function plainText(html: string): string {
  const s = dropHidden(html).replace(/<math\b[^>]*>([\s\S]*?)<\/math>/g, (m, inner: string) => {
    const tex = texOf(inner);
    return tex === null ? m : ` ${attr(texSpeech(tex))} `;
  });
  return decodeHtml(s.replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}
