/**
 * Moodle XML (the question bank export): multichoice, truefalse, shortanswer, numerical, matching,
 * ordering (plugin), cloze/multianswer (as parts), description and essay (reported, not imported),
 * categories, tags, hints, general feedback (as the worked solution) and base64 `@@PLUGINFILE@@`
 * images (stored as assets). Every other question type is refused per question by name.
 */
import { Assets, QuestionMedia } from './assets.js';
import { buildResult, cleanCategory, draft, report, type Draft } from './build.js';
import { clozeParts } from './cloze.js';
import { choiceItem, matchingParts, numericItem, orderingScoring, percent, shortAnswerItem, type Answer } from './common.js';
import { formattedToMarkdown, type HtmlOptions } from './html.js';
import type { ImportOptions, ImportResult } from './types.js';
import { ImportRefused } from './types.js';
import { attr, child, Lines, list, parseXml, startOf, textOf } from './xml.js';

const ARRAYS = new Set(['question', 'answer', 'hint', 'tag', 'file', 'subquestion', 'unit']);

/** True when the text looks like a Moodle XML export. */
export function looksLikeMoodleXml(text: string): boolean {
  return /<quiz[\s>]/.test(text.slice(0, 4096));
}

const UNSUPPORTED: Record<string, string> = {
  calculated: 'calculated questions (wildcards {x} drawn from datasets)',
  calculatedsimple: 'simple calculated questions',
  calculatedmulti: 'calculated multichoice questions',
  ddwtos: 'drag and drop into text',
  gapselect: 'select missing words',
  ddimageortext: 'drag and drop onto image',
  ddmarker: 'drag and drop markers',
  randomsamatch: 'random short-answer matching (drawn from other questions at run time)',
  random: 'random questions (drawn from a category at run time)',
};

/** Imports a Moodle XML question bank export. */
export function importMoodleXml(file: string, text: string, options: ImportOptions = {}): ImportResult {
  const doc = parseXml(file, text, { isArray: (name) => ARRAYS.has(name) });
  const quiz = child(doc, 'quiz');
  if (!quiz) throw new ImportRefused(file, 'not a Moodle XML question export (no <quiz> element)');
  const lines = new Lines(text);
  const assets = new Assets();
  const drafts: Draft[] = [];
  let category: string[] = [];
  let n = 0;
  for (const q of list(quiz, 'question')) {
    n++;
    const type = attr(q, 'type') ?? '';
    const start = startOf(q);
    const line = start === undefined ? undefined : lines.lineOf(start);
    if (type === 'category') {
      category = cleanCategory(textOf(child(child(q, 'category'), 'text')));
      continue;
    }
    const d = draft(file, line, textOf(child(child(q, 'name'), 'text')) || `#${n}`, category);
    d.ident = textOf(child(q, 'idnumber')).trim() || undefined;
    d.tags = list(child(q, 'tags'), 'tag').map((t) => textOf(child(t, 'text')).trim()).filter(Boolean);
    drafts.push(d);
    try {
      readQuestion(d, q, type, assets);
    } catch (err) {
      report(d, 'error', `could not be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return buildResult('moodle_xml', file, drafts, options, assets.list());
}

/** Every `<file>` of a question (in its text, feedback, answers, hints), by name. */
function questionFiles(q: unknown): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const walk = (node: unknown) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) return node.forEach(walk);
    for (const [k, v] of Object.entries(node)) {
      if (k === 'file') {
        for (const f of Array.isArray(v) ? v : [v]) {
          const name = attr(f, 'name');
          if (name && (attr(f, 'encoding') ?? 'base64') === 'base64') {
            const bytes = Buffer.from(textOf(f).replace(/\s+/g, ''), 'base64');
            files.set(name, bytes);
            files.set(`${(attr(f, 'path') ?? '/').replace(/^\/|\/$/g, '')}/${name}`.replace(/^\//, ''), bytes);
          }
        }
      } else if (typeof v === 'object') walk(v);
    }
  };
  walk(q);
  return files;
}

function readQuestion(d: Draft, q: unknown, type: string, assets: Assets): void {
  const files = questionFiles(q);
  const media = new QuestionMedia(assets, (name) => files.get(name), (m) => report(d, 'warning', m));
  const html: HtmlOptions = { image: media.image, warn: (m) => report(d, 'warning', m) };
  /** A formatted field (`<x format=".."><text>..</text></x>`) as Markdown. */
  const md = (el: unknown) => (el === undefined ? '' : formattedToMarkdown(textOf(child(el, 'text')), attr(el, 'format'), html));
  const rawStem = textOf(child(child(q, 'questiontext'), 'text'));
  const stemFormat = attr(child(q, 'questiontext'), 'format');

  if (type === 'description') {
    report(d, 'skipped', 'description (text only, nothing to answer): not imported');
    return;
  }
  if (type === 'essay') {
    report(d, 'skipped', 'essay: written answers are not auto-graded, and Mastery practises only auto-graded questions: not imported');
    return;
  }
  if (UNSUPPORTED[type]) {
    report(d, 'error', `Moodle question type "${type}" (${UNSUPPORTED[type]}) is not supported`);
    return;
  }

  const base: Record<string, unknown> = {
    stem: type === 'multianswer' || type === 'cloze' ? '' : md(child(q, 'questiontext')),
    hints: list(q, 'hint').map(md).filter(Boolean),
    feedback: {},
  };
  const solution = md(child(q, 'generalfeedback'));
  if (solution) base.solution = solution;
  const correct = md(child(q, 'correctfeedback'));
  const incorrect = md(child(q, 'incorrectfeedback'));
  base.feedback = { ...(correct ? { correct } : {}), ...(incorrect ? { incorrect } : {}) };
  const partly = md(child(q, 'partiallycorrectfeedback'));
  if (partly && !/^your answer is partially correct\.?$/i.test(partly.replace(/\\/g, ''))) {
    report(d, 'warning', 'the "partially correct" feedback is not kept (Mastery shows the incorrect feedback for partial credit)');
  }

  const answers = (choiceText: boolean): Answer[] =>
    list(q, 'answer').map((a) => {
      const raw = textOf(child(a, 'text'));
      const fb = md(child(a, 'feedback'));
      const tol = textOf(child(a, 'tolerance'));
      return {
        text: choiceText ? formattedToMarkdown(raw, attr(a, 'format'), html) : raw,
        fraction: percent(attr(a, 'fraction')),
        ...(fb ? { feedback: fb } : {}),
        ...(tol ? { tolerance: Number(tol) } : {}),
      };
    });
  const yes = (name: string) => /^(1|true)$/i.test(textOf(child(q, name)).trim());
  const items: (Record<string, unknown> | null)[] = [];

  switch (type) {
    case 'multichoice':
      items.push(choiceItem(d, base, answers(true), { single: textOf(child(q, 'single')).trim() !== 'false', shuffle: yes('shuffleanswers') }));
      break;
    case 'truefalse': {
      const list = answers(false);
      const right = list.find((a) => a.fraction >= 99.999);
      if (list.length !== 2 || !right || !/^(true|false)$/i.test(right.text.trim())) {
        report(d, 'error', 'a true/false question needs the answers "true" and "false", one with 100%');
        break;
      }
      const fb = (v: string) => list.find((a) => a.text.trim().toLowerCase() === v)?.feedback;
      items.push({
        ...base,
        type: 'single_choice',
        choices: [
          { id: 'true', text: 'True', correct: right.text.trim().toLowerCase() === 'true', ...(fb('true') ? { feedback: fb('true') } : {}) },
          { id: 'false', text: 'False', correct: right.text.trim().toLowerCase() === 'false', ...(fb('false') ? { feedback: fb('false') } : {}) },
        ],
      });
      break;
    }
    case 'shortanswer':
      items.push(shortAnswerItem(d, base, answers(false), yes('usecase')));
      break;
    case 'numerical': {
      const unitsIn = list(child(q, 'units'), 'unit').map((u) => ({ name: textOf(child(u, 'unit_name')).trim(), multiplier: Number(textOf(child(u, 'multiplier')) || '1') }));
      const gradingType = Number(textOf(child(q, 'unitgradingtype')) || '0');
      const showUnits = Number(textOf(child(q, 'showunits')) || '3');
      const used = !(gradingType === 0 && showUnits === 3) && unitsIn.length > 0;
      const names: string[] = [];
      for (const u of unitsIn) {
        if (!u.name) continue;
        if (Math.abs(u.multiplier - 1) < 1e-12) names.push(u.name);
        else report(d, 'warning', `unit "${u.name}" (multiplier ${u.multiplier}) is not accepted: converting between units is not supported, only units with multiplier 1 are`);
      }
      const penalty = Number(textOf(child(q, 'unitpenalty')) || '0');
      if (used && gradingType > 0 && penalty > 0) report(d, 'warning', `an answer without a unit is refused with a message asking for one, instead of Moodle's ${penalty * 100}% unit penalty`);
      items.push(numericItem(d, base, answers(false), { names: used ? names : [], required: used && gradingType > 0 }));
      break;
    }
    case 'matching': {
      const pairs = list(q, 'subquestion').map((s) => ({
        question: formattedToMarkdown(textOf(child(s, 'text')), attr(s, 'format'), html),
        answer: textOf(child(child(s, 'answer'), 'text')),
      }));
      items.push(...matchingParts(d, base, pairs, true));
      break;
    }
    case 'ordering': {
      const selectType = textOf(child(q, 'selecttype')).trim().toUpperCase();
      const entries = list(q, 'answer').map((a) => formattedToMarkdown(textOf(child(a, 'text')), attr(a, 'format'), html));
      const count = Number(textOf(child(q, 'selectcount')) || '0');
      if (selectType && selectType !== 'ALL' && selectType !== '0' && count > 0 && count < entries.length) {
        report(d, 'error', `ordering of a subset (${selectType}, ${count} of ${entries.length} items) is not supported: only ordering all the items is`);
        break;
      }
      items.push({ ...base, type: 'ordering', scoring: orderingScoring(d, textOf(child(q, 'gradingtype')) || undefined), entries: entries.map((text, k) => ({ id: `e${k + 1}`, text })) });
      break;
    }
    case 'multianswer':
    case 'cloze': {
      const stemHtml = stemFormat === 'moodle_auto_format' ? rawStem.replace(/\r?\n/g, '<br>') : stemFormat === 'plain_text' ? rawStem.replace(/[<&]/g, (c) => (c === '<' ? '&lt;' : '&amp;')) : rawStem;
      items.push(...clozeParts(d, stemHtml, base, html));
      break;
    }
    default:
      report(d, 'error', type ? `Moodle question type "${type}" is not supported` : 'question without a type');
  }
  const made = items.filter((i): i is Record<string, unknown> => i !== null);
  if (made.length && media.media.length) for (const i of made) i.media = media.media;
  if (!d.issues.some((i) => i.severity === 'error')) d.items = made;
}
