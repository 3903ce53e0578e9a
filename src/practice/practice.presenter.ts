import type { TFunction } from 'i18next';
import { renderAnswer, renderGrade, renderHint, renderItemForStudent } from '../content/content.presenter.js';
import { renderMarkdown } from '../content/markdown.js';
import { skillName } from '../content/translate.js';
import { translateGradeMessage } from '../content/grading-messages.js';
import { labelMath, plainText } from './math-labels.js';
import type { DoneReason, PracticeView, Progress, SessionPage } from './practice.service.js';
import type { GoalStatus, PracticeSession } from './session.js';
import type { MistakeRow } from './practice.repository.js';
import type { Item } from '../content/content.schema.js';

const DAY_MS = 86_400_000;
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
  /** The student said "I don't know". */
  skipped?: boolean;
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
  const progress = presentProgress({ ...view.progress, skills: view.progress.skills.map((s) => ({ ...s, name: names(s.id), prerequisites: s.prerequisites.map((p) => ({ ...p, name: names(p.id) })) })) }, t, before, view.kind === 'done' ? view.session.lastAt : view.shownAt);
  const session = presentSession(view.session, view.goal, t, names);
  if (view.kind === 'done') {
    // Why practice stopped, in words: "you mastered every skill" only when that is true.
    const r = view.reason;
    const related = r.related.map(names).join(', ');
    const done = r.code === 'all_mastered'
      ? { title: t('practice.done_title'), body: t('practice.done_body'), more: false }
      : r.code === 'more'
        ? { title: t('practice.done_more_title'), body: t('practice.done_more_body'), more: true }
        : r.code === 'practice_paused' || r.code === 'come_back_later' || r.code === 'no_items'
          ? { title: t(`practice.done_${r.code}_title`), body: t(`practice.reason.${r.code}`, { related, skill: '' }), more: false }
          : { title: t('practice.done_more_title'), body: t('practice.done_more_body'), more: true };
    return { kind: view.kind, progress, allowChoice: view.assignment.allowChoice, session, done, doneCode: r.code };
  }
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
    reason: reviewWhy(reasonLine(t, cur.reason, names), cur.reason, progress.skills),
    item: student,
    itemId: cur.itemId,
    seed: cur.seed,
    submissionId: cur.submissionId,
    shownAt: view.shownAt,
    hints,
    moreHints: cur.hints < student.hintCount,
    finished,
    triesLeft: Math.max(0, MAX_TRIES - cur.tries),
    message: result?.message ? translateGradeMessage(result.message, locale) : null,
    feedback: gradeView ? { correct: result!.correct, partly: !result!.correct && result!.score > 0, skipped: !!result!.skipped, html: result!.skipped ? '' : gradeView.feedbackHtml } : null,
    session,
    answer: answer ? { html: answer.answerHtml, solutionHtml: answer.solutionHtml } : null,
    notice: view.notice ? t(`practice.${view.notice}`) : null,
  };
}

export function presentProgress(p: Progress, t: TFunction, before?: ShownBefore, now = Date.now()) {
  const percentOf = (s: Progress['skills'][number]) => (s.status === 'not_started' ? 0 : Math.round(s.mastery * 100));
  /** The reason a bar moved since the page that sent the answer (a drop is always explained). */
  const change = (s: Progress['skills'][number]) => {
    const from = before?.percents.get(s.id);
    const to = percentOf(s);
    if (from === undefined || from === to) return null;
    const args = { skill: s.name, from, to };
    if (to > from) return { down: false, text: t('practice.went_up', args) };
    return { down: true, text: t(before!.skipped ? 'practice.drop_skipped' : before!.missedTwo ? 'practice.drop_missed_two' : before!.wrong ? 'practice.drop_missed' : 'practice.drop_time', args) };
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
      toGo: s.toGo ?? null,
      estimate: estimateLine(s, t, now),
    })),
  };
}

/** The line under a skill's bar: how many more questions, or why a review is due (issue 17). */
function estimateLine(s: Progress['skills'][number], t: TFunction, now: number): string {
  if (s.status === 'review_due') {
    const days = s.masteredAt !== null ? Math.max(0, Math.floor((now - s.masteredAt) / DAY_MS)) : 0;
    return t('practice.review_explained', { count: days });
  }
  if (s.status === 'mastered') return '';
  if (s.toGo === undefined) return '';
  if (s.toGo === null) return typeof s.atLeast === 'number' ? t('practice.to_go_at_least', { count: s.atLeast }) : t('practice.to_go_unknown');
  return t('practice.to_go', { count: s.toGo });
}

/** The session's points and goal as the page shows them. */
export function presentSession(s: PracticeSession, goal: GoalStatus | null, t: TFunction, names: (id: string) => string) {
  return {
    points: s.points,
    totalPoints: s.totalPoints,
    pointsText: t('practice.points', { count: s.points, total: s.totalPoints }),
    answered: s.answered,
    goal: goal ? {
      text: goalText(goal, t, names),
      met: goal.met,
      done: goal.done,
      target: goal.target,
      percent: goal.target ? Math.round((goal.done / goal.target) * 100) : 0,
      value: goalValue(goal),
    } : null,
  };
}

function goalText(g: GoalStatus, t: TFunction, names: (id: string) => string): string {
  const what = g.goal.kind === 'questions' ? t('practice.goal_questions', { count: g.goal.count })
    : g.goal.kind === 'minutes' ? t('practice.goal_minutes', { count: g.goal.minutes })
    : t('practice.goal_skill', { skill: names(g.goal.skill) });
  if (g.met) return t('practice.goal_met', { goal: what });
  if (g.goal.kind === 'skill') return t('practice.goal_progress_skill', { goal: what });
  return t('practice.goal_progress', { goal: what, done: g.done, target: g.target });
}

/** The goal form's value of a goal (the radio button to check). */
export function goalValue(g: GoalStatus | null): string {
  if (!g) return 'none';
  return g.goal.kind === 'questions' ? `questions:${g.goal.count}` : g.goal.kind === 'minutes' ? `minutes:${g.goal.minutes}` : `skill:${g.goal.skill}`;
}

/** The plan, summary and mistakes pages: domain -> view model. */
export function presentSessionPage(page: SessionPage, t: TFunction, locale: string) {
  const names = (id: string) => { const skill = page.skills.get(id); return skill ? skillName(skill, locale) : id; };
  const progress = presentProgress({ ...page.progress, skills: page.progress.skills.map((s) => ({ ...s, name: names(s.id), prerequisites: s.prerequisites.map((p) => ({ ...p, name: names(p.id) })) })) }, t, undefined, page.now);
  const session = presentSession(page.session, page.goal, t, names);
  const allowChoice = page.assignment.allowChoice;
  const byId = new Map(progress.skills.map((s) => [s.id, s]));
  const suggestions = page.suggestions.map((x) => ({
    id: x.skill,
    name: byId.get(x.skill)?.name ?? names(x.skill),
    reason: x.code === 'almost_mastered' ? t('practice.suggest_almost', { skill: names(x.skill) }) : reasonLine(t, { code: x.code, skill: x.skill, related: [...x.related] }, names),
  }));
  const practised = Object.entries(page.session.practised).map(([id, n]) => ({
    id, name: names(id), text: t('practice.summary_practised_line', { skill: names(id), count: n.answered, correct: n.correct }),
  }));
  const masteredNow = page.session.mastered.map(names);
  return {
    kind: page.kind,
    progress,
    session,
    allowChoice,
    // Skills the student may pick: the open ones and the mastered ones (practice again); not the locked ones.
    choosable: progress.skills.filter((s) => s.open || s.status === 'mastered' || s.status === 'review_due'),
    suggestions,
    practised,
    masteredNow,
    answeredText: t('practice.summary_answered', { count: page.session.answered, correct: page.session.correct }),
    next: page.next ? reasonLine(t, page.next, names) : doneLine(t, page.done, names),
    dueReviews: progress.skills.filter((s) => s.status === 'review_due').map((s) => ({ name: s.name, text: s.estimate })),
    mistakes: page.mistakes.map((m) => presentMistake(m.row, m.item, locale)),
  };
}

/** What is next when no question is on screen: "every skill mastered" only when that is why. */
function doneLine(t: TFunction, done: DoneReason | null, names: (id: string) => string): string {
  if (!done || done.code === 'all_mastered') return t('practice.summary_all_done');
  if (done.code === 'more') return t('practice.done_more_body');
  return t(`practice.reason.${done.code}`, { skill: '', related: done.related.map(names).join(', ') });
}

/** One question finished wrong: the question, what the student answered, the right answer and the worked solution. */
function presentMistake(row: MistakeRow, item: Item, locale: string) {
  const student = renderItemForStudent(item, { seed: row.seed, locale });
  const answer = renderAnswer(item, { seed: row.seed, locale });
  const plainById = new Map(student.choices.map((c) => [c.id, plainText(c.html)]));
  const r = row.response;
  let yours = '';
  if (!row.skipped) {
    if (Array.isArray(r)) yours = r.map((x) => plainById.get(String(x)) ?? String(x)).join(item.type === 'ordering' ? ' → ' : ', ');
    else if (typeof r === 'string') yours = plainById.get(r) ?? r;
  }
  return {
    itemId: row.itemId,
    lang: student.lang,
    stemHtml: student.stemHtml,
    skipped: row.skipped,
    yours,
    answerHtml: answer.answerHtml,
    solutionHtml: answer.solutionHtml,
    when: row.answeredAt.toISOString(),
  };
}

/** A review's reason line says why it is due: "you mastered this 9 days ago; a quick check keeps it". */
function reviewWhy(line: string, reason: { code: string; skill: string | null }, skills: { id: string; estimate: string; status: string }[]): string {
  if (reason.code !== 'review_due') return line;
  const s = skills.find((x) => x.id === reason.skill);
  return s && s.status === 'review_due' && s.estimate ? `${line} ${s.estimate}` : line;
}
