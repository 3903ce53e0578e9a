/**
 * Moodle's embedded answers (cloze / multianswer): `{1:SHORTANSWER:=Berlin#Right~%50%Bonn#Close}`
 * blanks inside the question text. Imported as parts: one item per blank, each showing the whole
 * text with its own blank marked, graded as its own short-answer, number or choice question.
 */
import { report, type Draft } from './build.js';
import { choiceItem, numericItem, shortAnswerItem, type Answer } from './common.js';
import { htmlToMarkdown, type HtmlOptions } from './html.js';

const BLANK = /\{(\d*):([A-Za-z_]+):((?:\\.|[^}\\])*)\}/g;
const OPEN = '\uE020';
const CLOSE = '\uE021';

type Kind = 'short' | 'short_case' | 'numeric' | 'single' | 'multi';

const KINDS: Record<string, Kind> = {
  SHORTANSWER: 'short', SA: 'short', MW: 'short',
  SHORTANSWER_C: 'short_case', SAC: 'short_case', MWC: 'short_case',
  NUMERICAL: 'numeric', NM: 'numeric',
  MULTICHOICE: 'single', MC: 'single', MULTICHOICE_V: 'single', MCV: 'single', MULTICHOICE_H: 'single', MCH: 'single',
  MULTICHOICE_S: 'single', MCS: 'single', MULTICHOICE_VS: 'single', MCVS: 'single', MULTICHOICE_HS: 'single', MCHS: 'single',
  MULTIRESPONSE: 'multi', MR: 'multi', MULTIRESPONSE_H: 'multi', MRH: 'multi', MULTIRESPONSE_S: 'multi', MRS: 'multi', MULTIRESPONSE_HS: 'multi', MRHS: 'multi',
};

/** Splits on a separator not escaped with a backslash. */
function splitUnescaped(text: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      cur += c + text[i + 1];
      i++;
    } else if (c === sep) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

const unescape = (t: string) => t.replace(/\\(.)/g, '$1');

/** The answers of one blank. */
function answers(body: string, numeric: boolean): Answer[] {
  return splitUnescaped(body, '~')
    .filter((a) => a.trim() !== '')
    .map((raw) => {
      let rest = raw.trim();
      let fraction = 0;
      const m = /^%(-?\d+(?:\.\d+)?)%/.exec(rest);
      if (m) {
        fraction = Number(m[1]);
        rest = rest.slice(m[0].length);
      } else if (rest.startsWith('=')) {
        fraction = 100;
        rest = rest.slice(1);
      }
      const [text = '', ...fb] = splitUnescaped(rest, '#');
      const feedback = unescape(fb.join('#')).trim();
      let answer = unescape(text).trim();
      let tolerance: number | undefined;
      if (numeric && answer !== '*') {
        const [v, t] = answer.split(':');
        answer = (v ?? '').trim();
        tolerance = t !== undefined ? Number(t) : 0;
      }
      return { text: answer, fraction, ...(feedback ? { feedback } : {}), ...(tolerance !== undefined ? { tolerance } : {}) };
    });
}

/** True when the HTML text has embedded-answer blanks. */
export function hasBlanks(text: string): boolean {
  BLANK.lastIndex = 0;
  return BLANK.test(text);
}

/** The parts of a cloze question; problems are reported on the draft. */
export function clozeParts(d: Draft, html: string, base: Record<string, unknown>, htmlOptions: HtmlOptions): Record<string, unknown>[] {
  const blanks: { kind: string; body: string }[] = [];
  const marked = html.replace(BLANK, (_, _weight: string, kind: string, body: string) => {
    blanks.push({ kind: kind.toUpperCase(), body });
    return `${OPEN}${blanks.length}${CLOSE}`;
  });
  if (!blanks.length) {
    report(d, 'error', 'embedded-answers question without any {…} blank');
    return [];
  }
  const stemWithMarks = htmlToMarkdown(marked, htmlOptions);
  const inline = (t: string) => htmlToMarkdown(t, htmlOptions);
  const parts: Record<string, unknown>[] = [];
  blanks.forEach((b, k) => {
    const n = k + 1;
    const kind = KINDS[b.kind];
    const stem = stemWithMarks.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_, j: string) => (Number(j) === n ? `**(${j}) \\_\\_\\_\\_\\_**` : `(${j}) \\_\\_\\_\\_\\_`));
    const partBase = { ...base, stem: `${stem}\n\n*Answer blank (${n}).*`, idSuffix: `part${n}` };
    if (!kind) {
      report(d, 'error', `blank ${n}: embedded answer type "${b.kind}" is not supported (SHORTANSWER, NUMERICAL, MULTICHOICE and MULTIRESPONSE are)`);
      return;
    }
    const sub: Draft = { ...d, issues: [] };
    let item: Record<string, unknown> | null = null;
    if (kind === 'short' || kind === 'short_case') item = shortAnswerItem(sub, partBase, answers(b.body, false), kind === 'short_case');
    else if (kind === 'numeric') item = numericItem(sub, partBase, answers(b.body, true));
    else {
      const list = answers(b.body, false).map((a) => ({ ...a, text: inline(a.text), ...(a.feedback ? { feedback: inline(a.feedback) } : {}) }));
      item = choiceItem(sub, partBase, list, { single: kind === 'single' });
    }
    for (const i of sub.issues) report(d, i.severity, `blank ${n}: ${i.message}`);
    if (item) parts.push(item);
  });
  if (parts.length === blanks.length) report(d, 'warning', `embedded-answers question imported as ${parts.length} part(s), one item per blank`);
  return parts.length === blanks.length ? parts : [];
}
