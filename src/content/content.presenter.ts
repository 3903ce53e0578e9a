/**
 * Items -> view models with sanitised HTML, field by field, for the student page and the instructor
 * preview. Pure. Never leaks the answer into the student view: correctness and solutions are only in
 * `renderAnswer`. Text is shown in the reader's language (`options.locale`) where the item carries a
 * translation for it, field by field, and as written otherwise (translate.ts).
 */
import { translateGradeMessage } from './grading-messages.js';
import type { Item } from './content.schema.js';
import { correctResponse, mathItemVariables, type GradeResult, type Response } from './grading.js';
import { renderMarkdown } from './markdown.js';
import { hashString, mulberry32 } from './math.js';
import { instantiate, type ItemInstance } from './templates.js';
import { itemLanguage, localizeItem, translateFeedback } from './translate.js';

/** Which input the page shows. */
export type InputKind = 'single_choice' | 'multiple_choice' | 'number' | 'text' | 'expression' | 'ordering';

/** An option of a choice or ordering item, as shown. */
export interface OptionView {
  id: string;
  html: string;
}

/** What a student sees of an item: no answers, no solution. */
export interface StudentItemView {
  itemId: string;
  /** The instance seed (templates) to send back with the answer; 0 for plain items. */
  seed: number;
  /** Language of the text (`lang` attribute). */
  lang: string;
  inputKind: InputKind;
  stemHtml: string;
  /** Options to choose from (choice items) or to put in order (ordering items, shuffled); else empty. */
  choices: OptionView[];
  /** How many hints can be asked for (fetch each with `renderHint`). */
  hintCount: number;
  /** Units the answer may carry (numeric items). */
  units: string[];
  /** Variables an expression answer may use (math items). */
  variables: string[];
  /** A short example of the expected form, for the input's placeholder. */
  placeholder: string;
  /** Audio and video attached to the item (images are inline in the text). */
  media: { kind: 'audio' | 'video'; url: string; alt: string }[];
}

/** Options of the presenters. */
export interface PresentOptions {
  /** Seed for template instances and shuffling when an item (not an instance) is given; default 0. */
  seed?: number;
  /**
   * The reader's locale (the LTI launch locale, e.g. `es-MX`): text is shown from the item's translation
   * for it when there is one (exact tag, then base language), else as written. Default: as written.
   */
  locale?: string;
  /** BCP 47 language the pack is written in (`pack.locale`), default `en`. */
  packLocale?: string;
}

/** An item or instance made concrete. */
function concrete(source: Item | ItemInstance, seed: number): { item: Item; seed: number } {
  if ('templateId' in source) return { item: source.item, seed: source.seed };
  if (source.template) {
    const inst = instantiate(source, seed);
    return { item: inst.item, seed: inst.seed };
  }
  return { item: source, seed: seed >>> 0 };
}

/** An item or instance made concrete, with its text in the reader's language. */
function shown(source: Item | ItemInstance, options: PresentOptions): { item: Item; seed: number; lang: string } {
  const { item, seed } = concrete(source, options.seed ?? 0);
  const packLocale = options.packLocale ?? 'en';
  return { item: localizeItem(item, options.locale, packLocale), seed, lang: itemLanguage(item, options.locale, packLocale) };
}

/** A seeded permutation that is never the identity (when there are two or more entries). */
function shuffled<T>(list: readonly T[], seed: number, salt: string): T[] {
  const rng = mulberry32(seed ^ hashString(salt));
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  if (out.length > 1 && out.every((x, i) => x === list[i])) out.push(out.shift()!);
  return out;
}

const PLACEHOLDERS: Record<InputKind, string> = {
  single_choice: '',
  multiple_choice: '',
  number: '3/4, 1 1/2 or 0.75',
  text: '',
  expression: '',
  ordering: '',
};

/** The student's view of an item, template (instantiated with `options.seed`) or instance. */
export function renderItemForStudent(source: Item | ItemInstance, options: PresentOptions = {}): StudentItemView {
  const { item, seed, lang } = shown(source, options);
  const inline = (text: string) => renderMarkdown(text, { media: item.media, inline: true });
  const base = {
    itemId: item.id,
    seed,
    lang,
    stemHtml: renderMarkdown(item.stem, { media: item.media }),
    hintCount: item.hints.length,
    choices: [] as OptionView[],
    units: [] as string[],
    variables: [] as string[],
    media: item.media.filter((m) => m.kind !== 'image').map((m) => ({ kind: m.kind as 'audio' | 'video', url: m.url, alt: m.alt })),
  };
  switch (item.type) {
    case 'single_choice':
    case 'multiple_choice': {
      const choices = item.shuffle ? shuffled(item.choices, seed, item.id) : item.choices;
      return { ...base, inputKind: item.type, placeholder: '', choices: choices.map((c) => ({ id: c.id, html: inline(c.text) })) };
    }
    case 'ordering':
      return { ...base, inputKind: 'ordering', placeholder: '', choices: shuffled(item.entries, seed, item.id).map((e) => ({ id: e.id, html: inline(e.text) })) };
    case 'numeric':
      return { ...base, inputKind: 'number', units: item.units, placeholder: PLACEHOLDERS.number + (item.units[0] ? ` ${item.units[0]}` : '') };
    case 'short_text':
      return { ...base, inputKind: 'text', placeholder: '' };
    case 'math_expression': {
      const variables = mathItemVariables(item);
      return { ...base, inputKind: 'expression', variables, placeholder: variables.length ? `2(${variables[0]} + 1)` : '' };
    }
  }
}

/** The HTML of hint `index` (0-based) of an item, or null when there is no such hint. */
export function renderHint(source: Item | ItemInstance, index: number, options: PresentOptions = {}): string | null {
  const { item } = shown(source, options);
  const hint = item.hints[index];
  return hint === undefined ? null : renderMarkdown(hint, { media: item.media });
}

/** The answer side of an item, for after an attempt and for the instructor preview. */
export interface AnswerView {
  itemId: string;
  seed: number;
  /** The correct answer as HTML (the right choice texts, the number, the expression, the order). */
  answerHtml: string;
  /** The correct answer as a response (what `grade` accepts). */
  response: Response;
  /** Every option with whether it is right and its feedback (choice and ordering items). */
  choices: { id: string; html: string; correct: boolean; feedbackHtml: string }[];
  /** Common wrong answers and their feedback (free-response items). */
  wrongAnswers: { answer: string; feedbackHtml: string }[];
  hintsHtml: string[];
  solutionHtml: string;
  /** Drawn template values (empty for plain items), shown to instructors. */
  values: Record<string, number | string>;
}

/** The correct answer, solution, hints and per-option feedback of an item, template or instance. */
export function renderAnswer(source: Item | ItemInstance, options: PresentOptions = {}): AnswerView {
  const { item, seed } = shown(source, options);
  const values = 'templateId' in source ? source.values : source.template ? instantiate(source, options.seed ?? 0).values : {};
  const md = (text: string | undefined) => (text ? renderMarkdown(text, { media: item.media }) : '');
  const inline = (text: string) => renderMarkdown(text, { media: item.media, inline: true });
  const escape = (text: string) => renderMarkdown(text.replace(/([\\`*_{}[\]()#+\-.!$<>|~])/g, '\\$1'), { inline: true });
  let answerHtml: string;
  let choices: AnswerView['choices'] = [];
  let wrongAnswers: AnswerView['wrongAnswers'] = [];
  switch (item.type) {
    case 'single_choice':
    case 'multiple_choice':
      choices = item.choices.map((c) => ({ id: c.id, html: inline(c.text), correct: c.correct, feedbackHtml: md(c.feedback) }));
      answerHtml = choices.filter((c) => c.correct).map((c) => c.html).join('; ');
      break;
    case 'ordering':
      choices = item.entries.map((e) => ({ id: e.id, html: inline(e.text), correct: true, feedbackHtml: '' }));
      answerHtml = choices.map((c) => c.html).join(' → ');
      break;
    case 'numeric':
      answerHtml = escape(String(item.answer) + (item.unitRequired && item.units[0] ? ` ${item.units[0]}` : ''));
      wrongAnswers = item.wrongAnswers.map((w) => ({ answer: String(w.answer), feedbackHtml: md(w.feedback) }));
      break;
    case 'short_text':
      answerHtml = escape(item.answers[0] ?? item.regex ?? '');
      wrongAnswers = item.wrongAnswers.map((w) => ({ answer: String(w.answer), feedbackHtml: md(w.feedback) }));
      break;
    case 'math_expression':
      answerHtml = escape(item.answer);
      wrongAnswers = item.wrongAnswers.map((w) => ({ answer: String(w.answer), feedbackHtml: md(w.feedback) }));
      break;
  }
  return {
    itemId: item.id,
    seed,
    answerHtml,
    response: correctResponse(item),
    choices,
    wrongAnswers,
    hintsHtml: item.hints.map((h) => md(h)),
    solutionHtml: md(item.solution),
    values,
  };
}

/** A grade result for the page: feedback as HTML, the unreadable-answer message as plain text. */
export interface GradeView {
  correct: boolean;
  score: number;
  feedbackHtml: string;
  message?: string;
}

/**
 * Renders a grade's Markdown feedback. With the concrete item graded (`from.item`, an instance's item
 * for templates) and the reader's locale, feedback stored in the pack's language is shown translated.
 */
export function renderGrade(result: GradeResult, from?: { item: Item; locale?: string; packLocale?: string }): GradeView {
  const feedback = from && result.feedback ? translateGradeMessage(translateFeedback(from.item, result.feedback, from.locale, from.packLocale), from.locale) : result.feedback;
  const view: GradeView = { correct: result.correct, score: result.score, feedbackHtml: feedback ? renderMarkdown(feedback, from ? { media: from.item.media } : {}) : '' };
  if (result.message !== undefined) view.message = translateGradeMessage(result.message, from?.locale);
  return view;
}
