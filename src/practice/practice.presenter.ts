import type { TFunction } from 'i18next';
import { renderAnswer, renderGrade, renderHint, renderItemForStudent } from '../content/content.presenter.js';
import { renderMarkdown } from '../content/markdown.js';
import { labelMath, plainText } from './math-labels.js';
import type { PracticeView, Progress } from './practice.service.js';
import { MAX_TRIES } from './practice.service.js';

/** The reason line the student reads, translated from the engine's reason code. */
export function reasonLine(t: TFunction, reason: { code: string; skill: string | null; related: string[] }, names: (id: string) => string): string {
  return t(`practice.reason.${reason.code}`, { skill: reason.skill ? names(reason.skill) : '', related: reason.related.map(names).join(', ') });
}

/** Domain -> view model for views/practice/page.ejs, field by field. */
export function presentPractice(view: PracticeView, t: TFunction, locale: string) {
  if (view.kind === 'not_configured') return { kind: view.kind };
  const names = (id: string) => view.progress.skills.find((s) => s.id === id)?.name ?? id;
  const progress = presentProgress(view.progress, t);
  if (view.kind === 'done') return { kind: view.kind, progress, allowChoice: view.assignment.allowChoice };
  const cur = view.current;
  const student = view.memo(`student:${locale}`, () => {
    const v = renderItemForStudent(view.item, { seed: cur.seed, locale });
    // Choice labels with named math and their plain reading, made once per item instance.
    return { ...v, choices: v.choices.map((c) => ({ ...c, labelHtml: labelMath(c.html), plain: plainText(c.html) })) };
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

export function presentProgress(p: Progress, t: TFunction) {
  return {
    overall: t('practice.overall', { mastered: p.mastered, total: p.total }),
    percent: p.total ? Math.round((p.mastered / p.total) * 100) : 0,
    done: p.done,
    skills: p.skills.map((s) => ({
      id: s.id,
      name: s.name,
      nameHtml: renderMarkdown(s.name, { inline: true }),
      // A skill not started shows an empty bar: the model's prior is not something the student earned.
      percent: s.status === 'not_started' ? 0 : Math.round(s.mastery * 100),
      status: s.status,
      statusText: t(`practice.status_${s.status}`),
      needs: s.prerequisites.length ? t('practice.needs', { list: s.prerequisites.map((x) => x.name).join(', ') }) : '',
      open: s.open,
    })),
  };
}
