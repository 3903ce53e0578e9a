import type { TFunction } from 'i18next';
import { renderAnswer, renderGrade, renderHint, renderItemForStudent } from '../content/content.presenter.js';
import { renderMarkdown } from '../content/markdown.js';
import { skillName } from '../content/translate.js';
import { labelMath, plainText } from './math-labels.js';
import type { PracticeView, Progress } from './practice.service.js';
import { MAX_TRIES } from './practice.service.js';

/** The reason line the student reads, translated from the engine's reason code. */
export function reasonLine(t: TFunction, reason: { code: string; skill: string | null; related: string[] }, names: (id: string) => string): string {
  return t(`practice.reason.${reason.code}`, { skill: reason.skill ? names(reason.skill) : '', related: reason.related.map(names).join(', ') });
}

/**
 * What the page that sent an answer had shown (its form carries it back, see views/practice/_main.ejs):
 * each skill's mastery percent then, so a bar that went down is explained, never a silent drop.
 */
export interface ShownBefore {
  /** Skill id -> the percent the bar showed before the answer. */
  percents: Map<string, number>;
  /** The answer just graded was wrong. */
  wrong: boolean;
  /** It was the second wrong try in a row on the question. */
  missedTwo: boolean;
}

/** Parses the answer form's `was` field ("skill:65,other:0"); ignores anything malformed. */
export function parseShownBefore(was: unknown): Map<string, number> {
  const m = new Map<string, number>();
  if (typeof was !== 'string' || was.length > 4000) return m;
  for (const pair of was.split(',')) {
    const i = pair.lastIndexOf(':');
    const n = Number(pair.slice(i + 1));
    if (i > 0 && Number.isInteger(n) && n >= 0 && n <= 100) m.set(pair.slice(0, i), n);
  }
  return m;
}

/** Domain -> view model for views/practice/page.ejs, field by field. */
export function presentPractice(view: PracticeView, t: TFunction, locale: string, before?: ShownBefore) {
  if (view.kind === 'not_configured') return { kind: view.kind };
  // Skill names in the reader's language (the pack's own text when it carries no translation).
  const names = (id: string) => { const skill = view.skills.get(id); return skill ? skillName(skill, locale) : view.progress.skills.find((s) => s.id === id)?.name ?? id; };
  const progress = presentProgress({ ...view.progress, skills: view.progress.skills.map((s) => ({ ...s, name: names(s.id), prerequisites: s.prerequisites.map((p) => ({ ...p, name: names(p.id) })) })) }, t, before);
  if (view.kind === 'done') return { kind: view.kind, progress, allowChoice: view.assignment.allowChoice };
  const cur = view.current;
  const student = view.memo(`student:${locale}`, () => {
    const v = renderItemForStudent(view.item, { seed: cur.seed, locale });
    // Choice labels with named math and their plain reading, made once per item instance.
    const choices = v.choices.map((c) => ({ ...c, labelHtml: labelMath(c.html), plain: plainText(c.html) }));
    // What the read-aloud button says: the question, then the choices (math read from its TeX).
    return { ...v, choices, speech: [plainText(v.stemHtml), ...choices.map((c) => c.plain)].filter(Boolean).join('. ') };
  });
  const hints = Array.from({ length: cur.hints }, (_, i) => view.memo(`hint:${locale}:${i}`, () => renderHint(view.item, i, { seed: cur.seed, locale }) ?? ''));
  const result = view.result;
  const finished = cur.finished;
  const answer = finished || cur.kind === 'worked_example' ? view.memo(`answer:${locale}`, () => renderAnswer(view.item, { seed: cur.seed, locale })) : null;
  const gradeView = result && !result.message ? renderGrade({ correct: result.correct, score: result.score, feedback: result.feedback }, { item: view.item, locale }) : null;
  return {
    kind: cur.kind,
    progress,
    allowChoice: view.assignment.allowChoice,
    reason: reasonLine(t, cur.reason, names),
    item: student,
    itemId: cur.itemId,
    seed: cur.seed,
    submissionId: cur.submissionId,
    shownAt: view.shownAt,
    hints,
    moreHints: cur.hints < student.hintCount,
    finished,
    triesLeft: Math.max(0, MAX_TRIES - cur.tries),
    message: result?.message ?? null,
    feedback: gradeView ? { correct: result!.correct, partly: !result!.correct && result!.score > 0, html: gradeView.feedbackHtml } : null,
    answer: answer ? { html: answer.answerHtml, solutionHtml: answer.solutionHtml } : null,
    notice: view.notice ? t(`practice.${view.notice}`) : null,
  };
}

export function presentProgress(p: Progress, t: TFunction, before?: ShownBefore) {
  const percentOf = (s: Progress['skills'][number]) => (s.status === 'not_started' ? 0 : Math.round(s.mastery * 100));
  /** The reason a bar moved since the page that sent the answer (a drop is always explained). */
  const change = (s: Progress['skills'][number]) => {
    const from = before?.percents.get(s.id);
    const to = percentOf(s);
    if (from === undefined || from === to) return null;
    const args = { skill: s.name, from, to };
    if (to > from) return { down: false, text: t('practice.went_up', args) };
    return { down: true, text: t(before!.missedTwo ? 'practice.drop_missed_two' : before!.wrong ? 'practice.drop_missed' : 'practice.drop_time', args) };
  };
  return {
    overall: t('practice.overall', { mastered: p.mastered, total: p.total }),
    percent: p.total ? Math.round((p.mastered / p.total) * 100) : 0,
    done: p.done,
    skills: p.skills.map((s) => ({
      id: s.id,
      name: s.name,
      nameHtml: renderMarkdown(s.name, { inline: true }),
      // A skill not started shows an empty bar: the model's prior is not something the student earned.
      percent: percentOf(s),
      status: s.status,
      statusText: t(`practice.status_${s.status}`),
      change: change(s),
      needs: s.prerequisites.length ? t('practice.needs', { list: s.prerequisites.map((x) => x.name).join(', ') }) : '',
      open: s.open,
    })),
  };
}
