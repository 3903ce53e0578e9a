import type { TFunction } from 'i18next';
import { z } from 'zod';
import type { RiskReason } from '../engine/risk/index.js';
import { HELP_DETAILS, type ClassView, type RosterJoin } from './dashboard.service.js';
import { CELL_STATUSES, type CellStatus, type ClassLine } from './summary.js';

const DAY = 86_400_000;
/** Students listed under "May need help" (most likely first); the rest are found by sorting or filtering the table. */
export const HELP_SHOWN = HELP_DETAILS;
/** Flags shown per student (most likely first). */
const FLAGS_SHOWN = 3;

/** The class view's filter and sort (a POST form without JavaScript; the same fields as query parameters for live updates). */
export const classQuerySchema = z.object({
  sort: z.enum(['name', 'risk', 'last_active', 'time', 'answers', 'mastered', 'mastery']).catch('name').default('name'),
  dir: z.enum(['asc', 'desc']).catch('asc').default('asc'),
  /** Show one skill's column only ('' = every skill). */
  skill: z.string().max(100).catch('').default(''),
  /** Students with this state (on the chosen skill, else on any skill). */
  status: z.enum(['', ...CELL_STATUSES] as [string, ...string[]]).catch('').default(''),
  /** Last activity: today, in the last 7 days, not for 7 days or more, never. */
  active: z.enum(['', 'today', 'week', 'inactive', 'never']).catch('').default(''),
  /** Show mastery numbers in the cells. */
  numbers: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()).catch(false),
});
export type ClassQuery = z.infer<typeof classQuerySchema>;
export const DEFAULT_QUERY: ClassQuery = { sort: 'name', dir: 'asc', skill: '', status: '', active: '', numbers: false };

/** The text symbol beside each state's colour (colour is never the only cue; WCAG 1.4.1). */
const SYMBOL: Record<CellStatus, string> = { not_started: '·', practising: '…', struggling: '!', mastered: '✓', review_due: '↻' };

/** The students of the view that pass the filter, in the chosen order (pure, so it is unit-tested). */
export function filterAndSort(view: ClassView, q: ClassQuery, now: number): ClassLine[] {
  const col = q.skill ? view.skills.findIndex((s) => s.id === q.skill) : -1;
  const riskOf = new Map(view.help.map((h) => [h.userId, h.flags.length ? h.probability : 0.5]));
  let rows = view.rows.filter((r) => {
    if (q.status) {
      const cells = col >= 0 ? [r.cells[col]!] : r.cells;
      if (!cells.some((c) => c.status === q.status)) return false;
    }
    if (q.active) {
      const age = r.lastAt === null ? Infinity : now - r.lastAt;
      if (q.active === 'never' && r.lastAt !== null) return false;
      if (q.active === 'today' && !(age < DAY)) return false;
      if (q.active === 'week' && !(age < 7 * DAY)) return false;
      if (q.active === 'inactive' && !(age >= 7 * DAY && r.lastAt !== null)) return false;
    }
    return true;
  });
  const name = (r: ClassLine) => (r.name ?? r.userId).toLocaleLowerCase();
  const mastery = (r: ClassLine) => (col >= 0 ? r.cells[col]!.mastery : r.cells.reduce((s, c) => s + c.mastery, 0) / Math.max(1, r.cells.length));
  const key: Record<ClassQuery['sort'], (r: ClassLine) => number | string> = {
    name,
    risk: (r) => riskOf.get(r.userId) ?? 0,
    last_active: (r) => r.lastAt ?? 0,
    time: (r) => r.timeMs,
    answers: (r) => r.answers,
    mastered: (r) => r.mastered,
    mastery,
  };
  const k = key[q.sort];
  const sign = q.dir === 'desc' ? -1 : 1;
  rows = [...rows].sort((a, b) => {
    const x = k(a);
    const y = k(b);
    const c = typeof x === 'string' ? x.localeCompare(y as string) : x - (y as number);
    return c !== 0 ? sign * c : name(a).localeCompare(name(b));
  });
  return rows;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** A duration in words: "under a minute", "12 min", "1 h 05 min". */
export function duration(ms: number, t: TFunction): string {
  const min = Math.floor(ms / 60_000);
  if (min < 1) return t('dashboard.time.under_minute');
  if (min < 60) return t('dashboard.time.minutes', { n: min });
  return t('dashboard.time.hours', { h: Math.floor(min / 60), m: String(min % 60).padStart(2, '0') });
}

/** One relative-time format per language (making one costs more than formatting 300 rows with it). */
const formats = new Map<string, Intl.RelativeTimeFormat>();

/** How long ago, in the reader's language ("3 minutes ago", "yesterday"), or "never". */
export function ago(at: number | null, now: number, lang: string, t: TFunction): string {
  if (at === null) return t('dashboard.never');
  let rtf = formats.get(lang);
  if (!rtf) formats.set(lang, (rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' })));
  const s = Math.round((at - now) / 1000);
  if (s > -60) return rtf.format(0, 'second');
  if (s > -3600) return rtf.format(Math.round(s / 60), 'minute');
  if (s > -86_400) return rtf.format(Math.round(s / 3600), 'hour');
  return rtf.format(Math.round(s / 86_400), 'day');
}

/** One reason in words, with the skill's name ("4 of the last 6 wrong on Equivalent fractions"). */
export function reasonText(r: RiskReason, skillName: (id: string) => string, t: TFunction): string {
  const params: Record<string, unknown> = { ...r };
  if ('skill' in r) params.skill = skillName(r.skill);
  return t(`dashboard.reason.${r.code}`, params);
}

/** Domain -> view model for views/dashboard/index.ejs: the heat map, the help list, the filter. */
export function presentDashboard(view: ClassView, join: RosterJoin, t: TFunction, opts: { lang: string; query?: ClassQuery; now?: number } = { lang: 'en' }) {
  const q = opts.query ?? DEFAULT_QUERY;
  const now = opts.now ?? view.at;
  const names = new Map(view.skills.map((s) => [s.id, s.name]));
  const skillName = (id: string) => names.get(id) ?? id;
  const col = q.skill ? view.skills.findIndex((s) => s.id === q.skill) : -1;
  const shownSkills = col >= 0 ? [view.skills[col]!] : view.skills;
  // The 6,000 cells of a big class are built here as markup (trusted parts only: a state class from a closed set,
  // its label escaped once, a number), not by the template, which would escape each piece of each cell.
  const cellOf = new Map(CELL_STATUSES.map((s) => [s, `<td class="m-${s}"><i>${escapeHtml(t(`dashboard.status.${s}`))}</i>`]));
  const cellHtml = (status: CellStatus, percent: number) =>
    `${cellOf.get(status)!}${q.numbers && status !== 'not_started' ? ` ${percent}%` : ''}</td>`;
  const rows = filterAndSort(view, q, now).map((r) => ({
    userId: r.userId,
    name: r.name ?? r.userId,
    answers: r.answers,
    mastered: r.mastered,
    time: duration(r.timeMs, t),
    lastActive: ago(r.lastAt, now, opts.lang, t),
    lastAt: r.lastAt,
    cells: (col >= 0 ? [r.cells[col]!] : r.cells).map((c) => ({ skill: c.skill, status: c.status, percent: Math.round(c.mastery * 100) })),
    cellsHtml: (col >= 0 ? [r.cells[col]!] : r.cells).map((c) => cellHtml(c.status, Math.round(c.mastery * 100))).join(''),
  }));
  const help = view.help.slice(0, HELP_SHOWN).map((h) => ({
    userId: h.userId,
    name: h.name ?? h.userId,
    more: Math.max(0, h.flags.length - FLAGS_SHOWN),
    flags: h.flags.slice(0, FLAGS_SHOWN).map((f) => ({
      skill: skillName(f.skill),
      percent: Math.round(f.probability * 100),
      reasons: f.reasons.map((r) => reasonText(r, skillName, t)),
      action: t(`dashboard.action.${f.action}`, { skill: skillName(f.skill) }),
    })),
    rule: h.rule ? t(`dashboard.at_risk.${h.rule.code}`, h.rule.params) : null,
  }));
  return {
    title: view.assignment ? t('dashboard.title') : t('setup.title'),
    assignment: view.assignment,
    skills: view.skills,
    shownSkills,
    rows,
    total: view.rows.length,
    help,
    helpTotal: view.help.length,
    riskSource: view.riskSource,
    statuses: CELL_STATUSES.map((s) => ({ id: s, label: t(`dashboard.status.${s}`), symbol: SYMBOL[s] })),
    query: q,
    notStarted: join.notStarted,
    rosterNote: join.rosterNote,
    updatedAt: new Date(view.at).toISOString(),
  };
}

/** One CSV cell: quoted; formula injection in spreadsheet apps neutralised (OWASP CSV injection). */
function cell(v: string | number): string {
  const text = String(v);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The class view as CSV: one row per student, mastery per skill in percent, state, time and the at-risk reasons in words. */
export function classCsv(view: ClassView, t: TFunction): string {
  const names = new Map(view.skills.map((s) => [s.id, s.name]));
  const skillName = (id: string) => names.get(id) ?? id;
  const header = ['student', 'user_id', 'answers', 'skills_mastered', 'minutes', 'last_active', ...view.skills.map((s) => s.name), 'at_risk'];
  const lines = [header.map(cell).join(',')];
  const help = new Map(view.help.map((h) => [h.userId, h]));
  for (const r of view.rows) {
    const h = help.get(r.userId);
    const risk = !h ? '' : h.flags.length
      ? h.flags.map((f) => `${skillName(f.skill)}: ${f.reasons.map((x) => reasonText(x, skillName, t)).join('; ')} (${t(`dashboard.action.${f.action}`, { skill: skillName(f.skill) })})`).join(' | ')
      : h.rule ? t(`dashboard.at_risk.${h.rule.code}`, h.rule.params) : '';
    lines.push([
      r.name ?? '', r.userId, r.answers, r.mastered, Math.round(r.timeMs / 60_000), r.lastAt === null ? '' : new Date(r.lastAt).toISOString(),
      ...r.cells.map((m) => Math.round(m.mastery * 100)), risk,
    ].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
