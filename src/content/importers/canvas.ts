/**
 * Canvas classic quiz export (QTI 1.2, `questestinterop`): multiple choice, true/false, multiple
 * answers (Canvas's partial credit), short answer (fill in the blank), numerical (exact, margin or
 * range), matching (as parts), multiple dropdowns and fill in multiple blanks (as parts); essay,
 * file upload and text-only questions are reported, not imported. The quiz title is the category.
 */
import { Assets, QuestionMedia } from './assets.js';
import { cleanCategory, draft, report, type Draft } from './build.js';
import { choiceItem, matchingParts, numericItem, shortAnswerItem, type Answer } from './common.js';
import { htmlToMarkdown, plainToMarkdown, type HtmlOptions } from './html.js';
import { elements, find, findAll, text, type XNode } from './qtitree.js';

/** Reads the items of a Canvas QTI 1.2 document. */
export function readCanvasQti(root: XNode, file: string, files: (path: string) => Uint8Array | undefined, assets: Assets): Draft[] {
  const drafts: Draft[] = [];
  for (const assessment of findAll(root, 'assessment')) {
    const category = cleanCategory(assessment.attrs.title ?? '');
    for (const item of findAll(assessment, 'item')) {
      const d = draft(file, item.line, item.attrs.title || item.attrs.ident, category);
      d.ident = item.attrs.ident;
      drafts.push(d);
      try {
        readItem(d, item, files, assets);
      } catch (err) {
        report(d, 'error', `could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  return drafts;
}

function metadata(item: XNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of findAll(item, 'qtimetadatafield')) out.set(text(find(f, 'fieldlabel')).trim(), text(find(f, 'fieldentry')).trim());
  return out;
}

const UNSUPPORTED: Record<string, string> = {
  calculated_question: 'formula (calculated) questions',
  numerical_question_with_formula: 'formula questions',
  hot_spot_question: 'hot spot questions',
  ordering_question: 'ordering questions of New Quizzes',
  categorization_question: 'categorization questions',
};

function readItem(d: Draft, item: XNode, files: (path: string) => Uint8Array | undefined, assets: Assets): void {
  const media = new QuestionMedia(assets, (p) => files(p.replace(/^\$IMS-CC-FILEBASE\$\/?/, '')), (m) => report(d, 'warning', m));
  const html: HtmlOptions = { image: media.image, warn: (m) => report(d, 'warning', m) };
  const mat = (n: XNode | undefined) => {
    const t = find(n, 'mattext');
    if (!t) return '';
    return /html/i.test(t.attrs.texttype ?? 'text/plain') ? htmlToMarkdown(text(t), html) : plainToMarkdown(text(t));
  };
  const type = metadata(item).get('question_type') ?? '';
  const presentation = find(item, 'presentation');
  if (type === 'essay_question' || type === 'file_upload_question') {
    report(d, 'skipped', `${type === 'essay_question' ? 'essay' : 'file upload'}: not auto-graded, and Mastery practises only auto-graded questions: not imported`);
    return;
  }
  if (type === 'text_only_question') {
    report(d, 'skipped', 'text only (nothing to answer): not imported');
    return;
  }
  if (UNSUPPORTED[type]) {
    report(d, 'error', `Canvas ${UNSUPPORTED[type]} are not supported`);
    return;
  }
  // Feedback: general, correct, incorrect and per answer (`<answer id>_fb`).
  const feedback = new Map<string, string>();
  for (const fb of findAll(item, 'itemfeedback')) {
    const t = mat(fb);
    if (t) feedback.set(fb.attrs.ident ?? '', t);
  }
  const base: Record<string, unknown> = {
    stem: mat(find(presentation, 'material')),
    hints: [],
    feedback: { ...(feedback.get('correct_fb') ? { correct: feedback.get('correct_fb') } : {}), ...(feedback.get('general_incorrect_fb') ? { incorrect: feedback.get('general_incorrect_fb') } : {}) },
    ...(feedback.get('general_fb') ? { solution: feedback.get('general_fb') } : {}),
  };
  const conditions = findAll(item, 'respcondition');
  /** Response values that set a positive score (not inside `<not>`). */
  const scoring = (respident?: string): string[] => {
    const out: string[] = [];
    for (const c of conditions) {
      const score = elements(c, 'setvar').map((s) => Number(text(s))).find((v) => v > 0);
      if (!score) continue;
      const walk = (n: XNode, negated: boolean) => {
        for (const e of elements(n)) {
          if (e.name === 'not') walk(e, true);
          else if (e.name === 'varequal' && !negated && (!respident || e.attrs.respident === respident)) out.push(text(e).trim());
          else walk(e, negated);
        }
      };
      const cv = find(c, 'conditionvar');
      if (cv) walk(cv, false);
    }
    return out;
  };
  const labels = (lid: XNode | undefined) => findAll(lid, 'response_label').map((l) => ({ id: l.attrs.ident ?? '', text: mat(l) || plainToMarkdown(text(l)).trim() }));
  const items: (Record<string, unknown> | null)[] = [];
  switch (type) {
    case 'multiple_choice_question':
    case 'true_false_question':
    case 'multiple_answers_question': {
      const options = labels(find(presentation, 'response_lid'));
      const right = new Set(scoring());
      const multi = type === 'multiple_answers_question';
      const answers: Answer[] = options.map((o) => ({
        text: o.text || '(empty)',
        fraction: right.has(o.id) ? (multi ? 100 / right.size : 100) : multi ? -100 / Math.max(1, right.size) : 0,
        ...(feedback.get(`${o.id}_fb`) ? { feedback: feedback.get(`${o.id}_fb`) } : {}),
      }));
      const made = choiceItem(d, base, answers, { single: !multi });
      if (made && multi) {
        made.scoring = 'partial';
        for (const c of made.choices as Record<string, unknown>[]) delete c.credit;
      }
      items.push(made);
      break;
    }
    case 'short_answer_question': {
      const answers = scoring().map((a) => ({ text: a.replace(/\*/g, '\\*'), fraction: 100 }));
      items.push(shortAnswerItem(d, base, answers, false));
      break;
    }
    case 'numerical_question': {
      const answers: Answer[] = [];
      for (const c of conditions) {
        if (!elements(c, 'setvar').some((s) => Number(text(s)) > 0)) continue;
        const eq = find(c, 'varequal');
        const gte = find(c, 'vargte') ?? find(c, 'vargt');
        const lte = find(c, 'varlte') ?? find(c, 'varlt');
        if (gte && lte) {
          const lo = Number(text(gte));
          const hi = Number(text(lte));
          const exact = eq ? Number(text(eq)) : (lo + hi) / 2;
          answers.push({ text: String(exact), fraction: 100, tolerance: Math.round(Math.max(Math.abs(exact - lo), Math.abs(hi - exact)) * 1e9) / 1e9 });
        } else if (eq) answers.push({ text: text(eq).trim(), fraction: 100 });
      }
      items.push(numericItem(d, base, answers.slice(0, 1)));
      if (answers.length > 1) report(d, 'warning', `only the first of ${answers.length} accepted numbers/ranges is kept`);
      break;
    }
    case 'matching_question': {
      const pairs: { question: string; answer: string }[] = [];
      const all = new Map<string, string>();
      for (const lid of findAll(presentation, 'response_lid')) {
        const opts = labels(lid);
        for (const o of opts) all.set(o.id, text(findAll(lid, 'response_label').find((l) => l.attrs.ident === o.id)).trim());
        const right = scoring(lid.attrs.ident)[0];
        pairs.push({ question: mat(lid), answer: right ? (all.get(right) ?? '') : '' });
      }
      for (const t of all.values()) if (!pairs.some((p) => p.answer === t)) pairs.push({ question: '', answer: t });
      items.push(...matchingParts(d, base, pairs));
      break;
    }
    case 'multiple_dropdowns_question':
    case 'fill_in_multiple_blanks_question': {
      const lids = findAll(presentation, 'response_lid');
      if (!lids.length) {
        report(d, 'error', 'no blanks found');
        break;
      }
      lids.forEach((lid, k) => {
        const blank = text(find(lid, 'mattext')).trim();
        const partBase = { ...base, idSuffix: blank || `part${k + 1}`, stem: `${base.stem}\n\n*Answer for [${blank}].*` };
        const right = new Set(scoring(lid.attrs.ident));
        const opts = labels(lid);
        if (type === 'multiple_dropdowns_question') items.push(choiceItem(d, partBase, opts.map((o) => ({ text: o.text || '(empty)', fraction: right.has(o.id) ? 100 : 0 })), { single: true }));
        else items.push(shortAnswerItem(d, partBase, opts.filter((o) => right.has(o.id)).map((o) => ({ text: text(findAll(lid, 'response_label').find((l) => l.attrs.ident === o.id)).trim().replace(/\*/g, '\\*'), fraction: 100 })), false));
      });
      report(d, 'warning', `question with ${lids.length} blanks imported as ${lids.length} parts, one per blank`);
      break;
    }
    default:
      report(d, 'error', type ? `Canvas question type "${type}" is not supported` : 'no question_type in the item metadata');
  }
  if (d.issues.some((i) => i.severity === 'error')) return;
  d.items = items.filter((i): i is Record<string, unknown> => i !== null);
  if (media.media.length) for (const i of d.items) i.media = media.media;
}
