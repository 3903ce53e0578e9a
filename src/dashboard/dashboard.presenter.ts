import type { TFunction } from 'i18next';
import type { ClassView, RosterJoin } from './dashboard.service.js';

/** Domain -> view model for views/dashboard/index.ejs (the at-risk codes are translated in the view). */
export function presentDashboard(view: ClassView, join: RosterJoin, t: TFunction) {
  return {
    title: view.assignment ? t('dashboard.title') : t('setup.title'),
    assignment: view.assignment,
    skills: view.skills,
    rows: view.rows,
    notStarted: join.notStarted,
    rosterNote: join.rosterNote,
  };
}

/** One CSV cell: quoted; formula injection in spreadsheet apps neutralised (OWASP CSV injection). */
function cell(v: string | number): string {
  const text = String(v);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/** The class view as CSV: one row per student, mastery per skill in percent, the at-risk reason in words. */
export function classCsv(view: ClassView, t: TFunction): string {
  const header = ['student', 'user_id', 'answers', 'skills_mastered', ...view.skills.map((s) => s.name), 'at_risk'];
  const lines = [header.map(cell).join(',')];
  for (const r of view.rows) {
    const risk = r.atRisk ? t(`dashboard.at_risk.${r.atRisk.code}`, r.atRisk.params) : '';
    lines.push([r.name ?? '', r.userId, r.answered, r.mastered, ...r.mastery.map((m) => Math.round(m.value * 100)), risk].map(cell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
