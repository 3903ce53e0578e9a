/**
 * Question shapes shared by the Moodle XML, GIFT and cloze readers: Moodle's answer lists (text,
 * fraction of credit, feedback) turned into our item types, with every construct we cannot grade
 * exactly reported on the draft rather than approximated silently.
 */
import { report, type Draft } from './build.js';
import { escapeMarkdown } from './html.js';

/** One Moodle-style answer: its text (Markdown for choices, raw for typed answers), credit in percent, feedback. */
export interface Answer {
  text: string;
  /** Percent of credit, -100..100. */
  fraction: number;
  feedback?: string;
  /** Numerical answers: absolute tolerance. */
  tolerance?: number;
}

/** Choice ids a, b, ..., z, then c27, c28... */
export function choiceId(k: number): string {
  return k < 26 ? String.fromCharCode(97 + k) : `c${k + 1}`;
}

/** Reads a Moodle fraction attribute ("100", "50", "-33.33333", "0.5" in ordering) as a percent. */
export function percent(value: string | number | undefined | null): number {
  const n = typeof value === 'number' ? value : Number(String(value ?? '0').trim());
  return Number.isFinite(n) ? n : NaN;
}

const full = (f: number) => f >= 99.999;

/**
 * Choices with fractions: one fully right answer -> single choice (other positive fractions become
 * partial credit); otherwise -> multiple choice graded by the sum of the picked fractions.
 */
export function choiceItem(d: Draft, base: Record<string, unknown>, answers: Answer[], options: { single?: boolean; shuffle?: boolean }): Record<string, unknown> | null {
  if (answers.length < 2) {
    report(d, 'error', `needs at least two answers (found ${answers.length})`);
    return null;
  }
  const bad = answers.find((a) => Number.isNaN(a.fraction) || a.fraction > 100 || a.fraction < -100);
  if (bad) {
    report(d, 'error', `answer "${bad.text.slice(0, 40)}" has an invalid fraction of credit`);
    return null;
  }
  const empty = answers.findIndex((a) => !a.text.trim());
  if (empty >= 0) {
    report(d, 'error', `answer ${empty + 1} has no text`);
    return null;
  }
  const fulls = answers.filter((a) => full(a.fraction)).length;
  const positive = answers.filter((a) => a.fraction > 0);
  const single = options.single ?? (fulls === 1 || positive.length <= 1);
  if (single) {
    if (fulls !== 1) {
      report(d, 'error', fulls === 0 ? 'no answer gives full credit (100%)' : `${fulls} answers give full credit in a one-answer question; Mastery's one-answer questions have exactly one right choice (make it a multiple-answer question)`);
      return null;
    }
    return {
      ...base,
      type: 'single_choice',
      shuffle: options.shuffle ?? false,
      choices: answers.map((a, k) => ({
        id: choiceId(k),
        text: a.text,
        correct: full(a.fraction),
        ...(a.fraction > 0 && !full(a.fraction) ? { credit: round(a.fraction / 100) } : {}),
        ...(a.feedback ? { feedback: a.feedback } : {}),
      })),
    };
  }
  if (positive.length === 0) {
    report(d, 'error', 'no answer gives credit');
    return null;
  }
  const total = positive.reduce((s, a) => s + a.fraction, 0);
  if (total < 99.9) report(d, 'warning', `the right answers add up to ${round(total)}% of the credit, so even the best response is not fully right`);
  return {
    ...base,
    type: 'multiple_choice',
    scoring: 'weighted',
    shuffle: options.shuffle ?? false,
    choices: answers.map((a, k) => ({
      id: choiceId(k),
      text: a.text,
      correct: a.fraction > 0,
      credit: round(a.fraction / 100),
      ...(a.feedback ? { feedback: a.feedback } : {}),
    })),
  };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Escapes a literal for a JavaScript regular expression. */
function regexLiteral(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Moodle short-answer text with `*` wildcards (and `\*` for a literal star) -> regex source, or null without wildcards. */
export function wildcardRegex(text: string): string | null {
  if (!/(^|[^\\])\*/.test(text)) return null;
  const normal = text.trim().replace(/\s+/g, ' ');
  let out = '';
  for (let i = 0; i < normal.length; i++) {
    const c = normal[i]!;
    if (c === '\\' && normal[i + 1] === '*') {
      out += '\\*';
      i++;
    } else if (c === '*') out += '.*';
    else out += regexLiteral(c);
  }
  return out;
}

/** A short-answer question (Moodle shortanswer, GIFT short answer, cloze SHORTANSWER). */
export function shortAnswerItem(d: Draft, base: Record<string, unknown>, answers: Answer[], caseSensitive: boolean): Record<string, unknown> | null {
  const accepted: string[] = [];
  const patterns: string[] = [];
  const wrong: { answer: string; feedback: string; credit?: number }[] = [];
  let incorrect: string | undefined;
  for (const a of answers) {
    if (!a.text.trim()) continue;
    if (Number.isNaN(a.fraction)) {
      report(d, 'error', `answer "${a.text.slice(0, 40)}" has an invalid fraction of credit`);
      return null;
    }
    if (a.text.trim() === '*') {
      if (a.fraction > 0) {
        report(d, 'error', `the answer "*" gives ${a.fraction}% credit for any response; Mastery cannot practise a question every response is right for`);
        return null;
      }
      if (a.feedback) incorrect = a.feedback;
      continue;
    }
    const pattern = wildcardRegex(a.text);
    if (pattern !== null) {
      if (full(a.fraction)) patterns.push(pattern);
      else if (a.fraction > 0) {
        report(d, 'error', `wildcard answer "${a.text}" gives ${a.fraction}% credit; only fully right answers may use * wildcards`);
        return null;
      } else if (a.feedback) report(d, 'warning', `the feedback of the wildcard wrong answer "${a.text}" is not kept (feedback for wrong answers needs an exact answer)`);
      continue;
    }
    const literal = a.text.trim().replace(/\\\*/g, '*');
    if (full(a.fraction)) accepted.push(literal);
    else if (a.fraction > 0) wrong.push({ answer: literal, feedback: a.feedback || `Partly right (${round(a.fraction)}% of the credit).`, credit: round(a.fraction / 100) });
    else if (a.fraction < 0) {
      report(d, 'error', `answer "${a.text}" has negative credit (${a.fraction}%), which typed answers do not support`);
      return null;
    } else if (a.feedback) wrong.push({ answer: literal, feedback: a.feedback });
  }
  if (!accepted.length && !patterns.length) {
    report(d, 'error', 'no answer gives full credit (100%)');
    return null;
  }
  const item: Record<string, unknown> = { ...base, type: 'short_text', answers: accepted, caseSensitive, wrongAnswers: wrong };
  if (patterns.length) item.regex = patterns.length === 1 ? patterns[0] : patterns.map((p) => `(?:${p})`).join('|');
  if (incorrect && !(base.feedback as { incorrect?: string } | undefined)?.incorrect) item.feedback = { ...(base.feedback as object), incorrect };
  return item;
}

/** A numerical question: the first fully right answer and its tolerance; other answers as (partial) wrong answers. */
export function numericItem(d: Draft, base: Record<string, unknown>, answers: Answer[], units: { names: string[]; required: boolean } = { names: [], required: false }): Record<string, unknown> | null {
  let main: { value: number; tolerance: number } | undefined;
  const wrong: Record<string, unknown>[] = [];
  let incorrect: string | undefined;
  for (const a of answers) {
    const t = a.text.trim();
    if (t === '*') {
      if (a.fraction > 0) {
        report(d, 'error', `the answer "*" gives ${a.fraction}% credit for any number; Mastery cannot practise a question every response is right for`);
        return null;
      }
      if (a.feedback) incorrect = a.feedback;
      continue;
    }
    const value = Number(t.replace(',', '.'));
    if (!t || !Number.isFinite(value)) {
      report(d, 'error', `answer "${t}" is not a number`);
      return null;
    }
    const tolerance = Math.abs(a.tolerance ?? 0);
    if (!Number.isFinite(tolerance)) {
      report(d, 'error', `answer "${t}" has an invalid tolerance`);
      return null;
    }
    if (full(a.fraction)) {
      if (!main) main = { value, tolerance };
      else if (Math.abs(main.value - value) > main.tolerance + tolerance) {
        report(d, 'error', `two different fully right answers (${main.value} and ${value}); Mastery's number questions have one right value with a tolerance`);
        return null;
      }
      continue;
    }
    if (a.fraction < 0) {
      report(d, 'error', `answer "${t}" has negative credit (${a.fraction}%), which typed answers do not support`);
      return null;
    }
    if (a.fraction > 0 || a.feedback) {
      wrong.push({
        answer: value,
        feedback: a.feedback || `Partly right (${round(a.fraction)}% of the credit).`,
        ...(a.fraction > 0 ? { credit: round(a.fraction / 100) } : {}),
        tolerance: { absolute: tolerance },
      });
    }
  }
  if (!main) {
    report(d, 'error', 'no answer gives full credit (100%)');
    return null;
  }
  const item: Record<string, unknown> = {
    ...base,
    type: 'numeric',
    answer: main.value,
    ...(main.tolerance > 0 ? { tolerance: { absolute: main.tolerance } } : { tolerance: { absolute: 0 } }),
    units: units.names,
    unitRequired: units.required && units.names.length > 0,
    wrongAnswers: wrong,
  };
  if (incorrect && !(base.feedback as { incorrect?: string } | undefined)?.incorrect) item.feedback = { ...(base.feedback as object), incorrect };
  return item;
}

/**
 * A matching question as one single-choice part per pair (every part offers all the answers, the
 * extra distractors included). The teacher is told the question was split.
 */
export function matchingParts(d: Draft, base: Record<string, unknown>, pairs: { question: string; answer: string }[], shuffle = true): Record<string, unknown>[] {
  const answers: string[] = [];
  for (const p of pairs) if (p.answer.trim() && !answers.includes(p.answer.trim())) answers.push(p.answer.trim());
  const real = pairs.filter((p) => p.question.trim());
  if (real.length === 0 || answers.length < 2) {
    report(d, 'error', `a matching question needs at least one pair and two different answers (found ${real.length} pair(s), ${answers.length} answer(s))`);
    return [];
  }
  const missing = real.find((p) => !p.answer.trim());
  if (missing) {
    report(d, 'error', `the pair "${missing.question.slice(0, 40)}" has no answer`);
    return [];
  }
  report(d, 'warning', `matching question with ${real.length} pair(s) imported as ${real.length} one-answer part(s), one per pair, each offering the ${answers.length} answers`);
  const stem = String(base.stem ?? '');
  return real.map((p, k) => ({
    ...base,
    idSuffix: `pair${k + 1}`,
    type: 'single_choice',
    shuffle,
    stem: `${stem}\n\n**${p.question.trim()}**`,
    choices: answers.map((a, j) => ({ id: choiceId(j), text: escapeMarkdown(a), correct: a === p.answer.trim() })),
  }));
}

/** The Moodle ordering plugin's grading types, and how they are imported. */
export function orderingScoring(d: Draft, gradingType: string | undefined): 'all_or_nothing' | 'partial' {
  const g = (gradingType ?? 'ALL_OR_NOTHING').toUpperCase();
  if (g === 'ALL_OR_NOTHING' || g === '-1') return 'all_or_nothing';
  if (g === 'RELATIVE_ALL_PREVIOUS_AND_NEXT' || g === '4') return 'partial';
  report(d, 'warning', `ordering grading "${g}" is imported as all-or-nothing (partial credit counts pairs in the right order only with RELATIVE_ALL_PREVIOUS_AND_NEXT)`);
  return 'all_or_nothing';
}
