/**
 * Domain -> view model for the drill-down (views/dashboard/student.ejs), its printable page
 * (views/dashboard/print-student.ejs) and the skill view (views/dashboard/skill.ejs). Every text is
 * translated here or in the view; HTML fields (`*Html`) are our own rendered markdown or escaped here.
 */
import type { TFunction } from 'i18next';
import type { Catalog } from '../content/catalog.js';
import type { OverrideRecord } from './overrides.js';
import { escapeXml, legendSwatch, masteryChartSvg } from './student-chart.js';
import { responseText } from './student-history.js';
import { questionView, type StudentView } from './student.service.js';
import { SKILL_PLACES, type SkillView } from './skill-view.service.js';

export const escapeHtml = escapeXml;

/** Date formats per locale and style (building an Intl.DateTimeFormat costs far more than using one). */
const formats = new Map<string, Intl.DateTimeFormat>();
function format(locale: string, style: 'day' | 'time'): Intl.DateTimeFormat {
  const key = `${locale}\u0000${style}`;
  let f = formats.get(key);
  if (!f) {
    const opts: Intl.DateTimeFormatOptions = style === 'day'
      ? { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }
      : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hour12: false };
    try {
      f = new Intl.DateTimeFormat(locale || 'en', opts);
    } catch {
      f = new Intl.DateTimeFormat('en', opts);
    }
    if (formats.size > 100) formats.clear();
    formats.set(key, f);
  }
  return f;
}

/** A date in the reader's language (UTC, as the class view's times). */
export function day(d: Date | number, locale: string): string {
  return format(locale, 'day').format(d);
}
function dateTime(d: Date | number, locale: string): string {
  return format(locale, 'time').format(d);
}
const pct = (v: number) => `${Math.round(v * 100)}%`;
/** Seconds or minutes, short. */
export function duration(ms: number | null, t: TFunction): string {
  if (ms === null || ms === undefined) return '—';
  const s = Math.round(ms / 1000);
  if (s < 90) return t('dashboard.student.seconds', { n: s });
  return t('dashboard.student.minutes', { n: Math.round(s / 60) });
}

/** "Marked mastered by Ms Lee on 3 May 2026" (and the like) for one audit row. */
export function overrideLine(o: OverrideRecord, t: TFunction, locale: string): string {
  return t(`dashboard.override.line_${o.action}`, { who: o.byName || o.byUser || t('dashboard.override.someone'), date: day(o.at, locale) });
}

/** A student's answer as HTML: the options' own rendered text for choice items, escaped text otherwise. */
function answerHtml(response: unknown, choices: ReadonlyMap<string, string>): string {
  if (response === null || response === undefined || response === '') return '';
  const one = (v: unknown) => (typeof v === 'string' && choices.has(v) ? choices.get(v)! : escapeHtml(responseText(v)));
  return Array.isArray(response) ? response.map(one).join(', ') : one(response);
}

/** Answers listed on the drill-down before "show all" (the newest; the chart and mistakes use every one). */
export const RECENT_ATTEMPTS = 50;

export function presentStudent(v: StudentView, catalog: Catalog, t: TFunction, locale: string, opts: { allAttempts?: boolean } = {}) {
  const skillName = (id: string) => v.cache.skillNames.get(id) ?? id;
  const question = (itemId: string, seed: number) => questionView(catalog, v.cache, itemId, seed, v.locale);
  const choicesOf = (q: ReturnType<typeof question>) => new Map((q?.choices ?? []).map((c) => [c.id, c.html]));
  const threshold = v.assignment.threshold;
  const practised = v.assignment.skills.map((id, i) => ({ id, i, name: skillName(id), points: v.history.series.get(id) ?? [] }));
  const chartSeries = practised.filter((s) => s.points.length > 0);
  const eventText = (e: { action: string; skill: string | null }) =>
    t(`dashboard.override.event_${e.action}`, { skill: e.skill ? skillName(e.skill) : '' });
  const chartSvg = chartSeries.length
    ? masteryChartSvg(
        chartSeries.map((s) => ({ skill: s.id, name: s.name, points: s.points })),
        v.history.steps,
        threshold,
        v.history.events,
        {
          title: t('dashboard.student.chart_title', { name: v.name ?? v.userId }),
          description: t('dashboard.student.chart_desc', {
            steps: v.history.steps,
            list: chartSeries.map((s) => `${s.name} ${pct(s.points[s.points.length - 1]!.mastery)}`).join(', '),
          }),
          xLabel: t('dashboard.student.chart_x'),
          yLabel: t('dashboard.student.chart_y'),
          threshold: t('dashboard.student.chart_level', { level: pct(threshold) }),
          event: eventText,
        },
      )
    : '';
  const legend = practised.filter((s) => s.points.length > 0).map((s, i) => ({ name: s.name, swatch: legendSwatch(i) }));
  const timeMs = v.attempts.reduce((n, a) => n + (a.timeMs ?? 0), 0);
  const newest = [...v.attempts].reverse();
  const listed = opts.allAttempts ? newest : newest.slice(0, RECENT_ATTEMPTS);
  const attempts = listed.map((a) => {
    const q = question(a.itemId, a.seed);
    const beforeReset = a.skills.some((k) => (v.resets.get(k) ?? 0) > a.answeredAt.getTime());
    return {
      id: a.id,
      when: dateTime(a.answeredAt, locale),
      iso: a.answeredAt.toISOString(),
      kind: a.kind,
      skills: [...new Set(a.skills)].filter((k) => v.assignment.skills.includes(k)).map(skillName).join(', ') || a.skills.join(', '),
      questionHtml: q ? q.stemHtml : `<p>${escapeHtml(a.itemId)}</p>`,
      lang: q?.lang ?? 'en',
      answerHtml: a.kind === 'worked_example' ? escapeHtml(t('dashboard.student.studied')) : answerHtml(a.response, choicesOf(q)),
      result: a.kind === 'worked_example' ? 'studied' : a.correct ? 'right' : a.score > 0 ? 'partly' : 'wrong',
      tryNumber: a.tryNumber,
      hints: a.hintsUsed,
      time: duration(a.timeMs, t),
      beforeReset,
    };
  });
  const mistakes = v.mistakes.answers.map((m) => {
    const q = question(m.itemId, m.seed);
    return {
      count: m.count,
      skills: m.skills.filter((k) => v.assignment.skills.includes(k)).map(skillName).join(', '),
      questionHtml: q ? q.stemHtml : `<p>${escapeHtml(m.itemId)}</p>`,
      lang: q?.lang ?? 'en',
      answerHtml: answerHtml(m.response, choicesOf(q)),
    };
  });
  const bySkill = v.mistakes.bySkill.map((m) => ({ name: skillName(m.skill), wrong: m.wrong, answers: m.answers, rate: pct(m.answers ? m.wrong / m.answers : 0), hints: m.hints }));
  let plan: { kindLabel: string; skill: string; reason: string; questionHtml: string; lang: string } | null = null;
  if (v.plan) {
    const q = question(v.plan.itemId, v.plan.seed);
    const r = v.plan.reason;
    plan = {
      kindLabel: t(v.plan.kind === 'worked_example' ? 'dashboard.student.plan_worked_example' : 'dashboard.student.plan_question'),
      skill: v.plan.skill ? skillName(v.plan.skill) : '',
      reason: t(`dashboard.student.reason.${r.code}`, { skill: r.skill ? skillName(r.skill) : v.plan.skill ? skillName(v.plan.skill) : '', related: r.related.map(skillName).join(', ') }),
      questionHtml: q ? q.stemHtml : '',
      lang: q?.lang ?? 'en',
    };
  }
  const skills = v.skills.map((s) => ({
    ...s,
    masteryPct: pct(s.mastery),
    statusLabel: t(`dashboard.student.status_${s.status}`),
    struggling: s.status === 'practising' && (s.wrongStreak >= 3 || s.parked),
    rightPct: s.answers ? pct(s.correct / s.answers) : '—',
    time: duration(s.timeMs, t),
    last: s.lastAt ? day(s.lastAt, locale) : '—',
    overrideNote: s.override ? overrideLine(s.override, t, locale) : '',
    overrideHolds: s.override ? (s.override.action === 'mastered' ? s.marked : true) : false,
  }));
  const history = [...v.overrides].reverse().map((o) => ({
    when: dateTime(o.at, locale),
    iso: o.at.toISOString(),
    line: overrideLine(o, t, locale),
    skill: o.skillId ? skillName(o.skillId) : '',
    reason: o.reason,
    role: o.byRole ? t(`common.role_${o.byRole}`) : '',
    graded: o.graded,
  }));
  return {
    name: v.name ?? v.userId,
    userId: v.userId,
    answered: v.answered,
    mastered: v.progress.mastered,
    total: v.progress.total,
    lastActive: v.lastAnswerAt ? dateTime(v.lastAnswerAt, locale) : '—',
    timeSpent: duration(timeMs, t),
    threshold: pct(threshold),
    skills,
    chartSvg,
    legend,
    attempts,
    attemptsTotal: v.attempts.length,
    mistakes,
    bySkill,
    plan,
    done: !v.plan && v.progress.done,
    stopped: !v.plan && v.stopped ? t(`dashboard.student.reason.${v.stopped.code}`, { skill: '', related: v.stopped.related.map(skillName).join(', ') }) : null,
    history,
    excused: v.excusal.excused,
    excusedLine: v.excusal.since ? overrideLine(v.excusal.since, t, locale) : '',
    excusalEnded: v.excusal.endedByAnswer,
    today: day(Date.now(), locale),
  };
}

export function presentSkill(v: SkillView, catalog: Catalog, t: TFunction, locale: string) {
  const groups = SKILL_PLACES.map((place) => ({
    place,
    label: t(`dashboard.skill.place_${place}`),
    students: v.students
      .filter((s) => s.place === place)
      .sort((a, b) => (a.name ?? a.userId).localeCompare(b.name ?? b.userId))
      .map((s) => ({ ...s, label: s.name ?? s.userId, masteryPct: pct(s.mastery) })),
  }));
  const question = (itemId: string, seed: number) => questionView(catalog, v.cache, itemId, seed, locale);
  return {
    skill: v.skill,
    groups,
    counts: groups.map((g) => ({ label: g.label, n: g.students.length, place: g.place })),
    items: v.items.map((i) => {
      const q = question(i.itemId, i.seed);
      return { ...i, ratePct: pct(i.rate), median: duration(i.medianMs, t), questionHtml: q ? q.stemHtml : `<p>${escapeHtml(i.itemId)}</p>`, lang: q?.lang ?? 'en' };
    }),
    wrong: v.wrong.map((w) => {
      const q = question(w.itemId, w.seed);
      return { ...w, questionHtml: q ? q.stemHtml : `<p>${escapeHtml(w.itemId)}</p>`, lang: q?.lang ?? 'en', answerHtml: answerHtml(w.response, new Map((q?.choices ?? []).map((c) => [c.id, c.html]))) };
    }),
  };
}
