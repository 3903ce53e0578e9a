/**
 * GIFT (Moodle's text format), parsed with gift-pegjs one question at a time: the file is split on
 * blank lines as Moodle does, so a syntax error names its line and spoils only its own question.
 * Every GIFT question type: multiple choice (one answer, weights, multiple answers), true/false,
 * short answer, missing word, numerical (value:tolerance, min..max, several answers with weights),
 * matching (as parts), essay and description (reported, not imported); `$CATEGORY:`, comments,
 * `[id:..]`/`[tag:..]`, escapes, feedback, general feedback, and the [html]/[moodle]/[plain]/[markdown]
 * text formats.
 */
import giftPegjs from 'gift-pegjs';
import type { GIFTQuestion, NumericalChoice, NumericalFormat, TextChoice, TextFormat } from 'gift-pegjs';
import { buildResult, cleanCategory, draft, report, type Draft } from './build.js';
import { choiceItem, matchingParts, numericItem, shortAnswerItem, type Answer } from './common.js';
import { formattedToMarkdown, type HtmlOptions } from './html.js';
import type { ImportOptions, ImportResult } from './types.js';

/** True when the text looks like GIFT (a `{…}` answer block, `::title::` or `$CATEGORY:`). */
export function looksLikeGift(text: string): boolean {
  const head = text.slice(0, 20_000);
  return /\$CATEGORY:/.test(head) || /(^|\n)\s*::[^\n]*::/.test(head) || /\{[\s\S]*?\}/.test(head.replace(/\\[{}]/g, ''));
}

/** The chunks of a GIFT file: text between blank lines, with the line each starts on. */
function chunks(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let cur: string[] = [];
  let start = 1;
  lines.forEach((l, i) => {
    if (l.trim() === '') {
      if (cur.length) out.push({ text: cur.join('\n'), line: start });
      cur = [];
      start = i + 2;
    } else {
      if (!cur.length) start = i + 1;
      cur.push(l);
    }
  });
  if (cur.length) out.push({ text: cur.join('\n'), line: start });
  return out;
}

/** The line of the chunk where its question text starts (after comments). */
function firstContentLine(text: string, line: number): number {
  const lines = text.split('\n');
  const k = lines.findIndex((l) => !/^\s*\/\//.test(l));
  return line + Math.max(0, k);
}

/** Imports a GIFT file. */
export function importGift(file: string, text: string, options: ImportOptions = {}): ImportResult {
  const drafts: Draft[] = [];
  let category: string[] = [];
  for (const chunk of chunks(text)) {
    if (chunk.text.split('\n').every((l) => /^\s*\/\//.test(l))) continue;
    let parsed: GIFTQuestion[];
    try {
      parsed = giftPegjs.parse(chunk.text + '\n');
    } catch (err) {
      const loc = (err as { location?: { start: { line: number; column: number } } }).location;
      const title = /^\s*::((?:\\.|[^:])*)::/m.exec(chunk.text)?.[1];
      const d = draft(file, loc ? chunk.line + loc.start.line - 1 : chunk.line, title ?? chunk.text.replace(/^(\s*\/\/.*\n)+/, '').split('\n')[0]!.slice(0, 40), category);
      report(d, 'error', `GIFT syntax error${loc ? ` at column ${loc.start.column}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
      drafts.push(d);
      continue;
    }
    for (const q of parsed) {
      if (q.type === 'Category') {
        category = cleanCategory(q.title);
        continue;
      }
      const d = draft(file, firstContentLine(chunk.text, chunk.line), q.title ?? q.stem.text.slice(0, 40), category);
      if (q.id) d.ident = q.id;
      if (q.tags) d.tags = q.tags;
      drafts.push(d);
      readQuestion(d, q);
    }
  }
  return buildResult('gift', file, drafts, options);
}

function readQuestion(d: Draft, q: Exclude<GIFTQuestion, { type: 'Category' }>): void {
  const html: HtmlOptions = { warn: (m) => report(d, 'warning', m) };
  const md = (t: TextFormat | null | undefined) => (t && t.text.trim() ? formattedToMarkdown(t.text, t.format, html) : '');
  if (q.type === 'Description') {
    report(d, 'skipped', 'description (text only, nothing to answer): not imported');
    return;
  }
  if (q.type === 'Essay') {
    report(d, 'skipped', 'essay: written answers are not auto-graded, and Mastery practises only auto-graded questions: not imported');
    return;
  }
  const base: Record<string, unknown> = { stem: md(q.stem), hints: [], feedback: {} };
  const general = md(q.globalFeedback);
  if (general) base.solution = general;
  const percentOf = (c: { isCorrect: boolean; weight: number | null }) => (c.weight !== null ? c.weight : c.isCorrect ? 100 : 0);
  const items: (Record<string, unknown> | null)[] = [];
  switch (q.type) {
    case 'TF': {
      // GIFT: {T#feedback for a wrong answer#feedback for a right answer}.
      const wrong = md(q.trueFeedback);
      const right = md(q.falseFeedback);
      items.push({
        ...base,
        type: 'single_choice',
        choices: [
          { id: 'true', text: 'True', correct: q.isTrue, ...((q.isTrue ? right : wrong) ? { feedback: q.isTrue ? right : wrong } : {}) },
          { id: 'false', text: 'False', correct: !q.isTrue, ...((q.isTrue ? wrong : right) ? { feedback: q.isTrue ? wrong : right } : {}) },
        ],
      });
      break;
    }
    case 'MC': {
      const answers: Answer[] = q.choices.map((c: TextChoice) => ({ text: md(c.text), fraction: percentOf(c), ...(md(c.feedback) ? { feedback: md(c.feedback) } : {}) }));
      const equals = q.choices.filter((c) => c.isCorrect && c.weight === null).length;
      items.push(choiceItem(d, base, answers, equals > 0 ? { single: true } : {}));
      break;
    }
    case 'Short': {
      const answers: Answer[] = q.choices.map((c: TextChoice) => ({ text: c.text.text, fraction: percentOf(c), ...(md(c.feedback) ? { feedback: md(c.feedback) } : {}) }));
      items.push(shortAnswerItem(d, base, answers, false));
      break;
    }
    case 'Numerical': {
      const toAnswer = (f: NumericalFormat, fraction: number, feedback?: string): Answer => {
        if (f.type === 'high-low') {
          const lo = f.numberLow ?? NaN;
          const hi = f.numberHigh ?? NaN;
          return { text: String((lo + hi) / 2), tolerance: Math.abs(hi - lo) / 2, fraction, ...(feedback ? { feedback } : {}) };
        }
        return { text: String(f.number), tolerance: f.range ?? 0, fraction, ...(feedback ? { feedback } : {}) };
      };
      const answers = Array.isArray(q.choices)
        ? q.choices.map((c: NumericalChoice) => toAnswer(c.text, percentOf(c), md(c.feedback) || undefined))
        : [toAnswer(q.choices, 100)];
      items.push(numericItem(d, base, answers));
      break;
    }
    case 'Matching':
      items.push(...matchingParts(d, base, q.matchPairs.map((p) => ({ question: md(p.subquestion), answer: p.subanswer }))));
      break;
  }
  if (!d.issues.some((i) => i.severity === 'error')) d.items = items.filter((i): i is Record<string, unknown> => i !== null);
}
