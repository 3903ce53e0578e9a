import express, { type Router } from 'express';
import type pg from 'pg';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import { languageOf, translator } from '../i18n/index.js';
import type { SessionTokens } from '../lti/session.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import { barChartSvg, reportCsv } from './reports.js';
import { ReportsService } from './reports.service.js';

/**
 * The reports page (issue 16, item 8): `/dashboard/reports`, the class's progress week by week as SVG
 * charts and a table, and `/dashboard/reports/export.csv`. Staff of the session's course only; POST forms
 * carry the session token in `ltik`, GET takes it in the Authorization header.
 */
export function reportsRoutes(deps: { sessions: SessionTokens; pool: pg.Pool; catalog: Catalog; assignments: AssignmentService }): Router {
  const r = express.Router();
  const reports = new ReportsService(deps);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');

  const page = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    const view = await reports.weekly(actor);
    const short = new Intl.DateTimeFormat(lang, { month: 'short', day: 'numeric', timeZone: 'UTC' });
    const long = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeZone: 'UTC' });
    const day = (week: string) => new Date(`${week}T00:00:00Z`);
    const labels = view.rows.map((w) => short.format(day(w.week)));
    const span = view.rows.length ? { from: long.format(day(view.rows[0].week)), to: long.format(day(view.rows[view.rows.length - 1].week)) } : null;
    const chart = (id: string, key: 'mastered' | 'answers' | 'active') =>
      barChartSvg({
        id,
        title: t(`reports.chart_${key}`),
        desc: span ? t('reports.chart_desc', { weeks: view.rows.length, from: span.from, to: span.to }) : '',
        values: view.rows.map((w) => w[key]),
        labels,
        barTitles: view.rows.map((w, i) => t(`reports.bar_${key}`, { week: labels[i], count: w[key] })),
      });
    res.setHeader('Cache-Control', 'no-store');
    res.render('dashboard/reports', {
      title: t('reports.title'),
      t,
      lang,
      actor,
      ltik: res.locals.ltik,
      assignment: view.assignment,
      students: view.students,
      rows: view.rows.map((w) => ({ ...w, label: long.format(day(w.week)) })),
      charts: view.rows.length ? [chart('chart-mastered', 'mastered'), chart('chart-answers', 'answers'), chart('chart-active', 'active')] : [],
    });
  };
  r.get('/dashboard/reports', staff, page);
  r.post('/dashboard/reports', form, staff, page);

  const exportCsv = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const view = await reports.weekly(actor);
    const header = ['week', 'mastered', 'mastered_total', 'answers', 'active', 'first_try_right'].map((k) => t(`reports.csv.${k}`));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="class-progress-weekly.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(reportCsv(view.rows, header));
  };
  r.get('/dashboard/reports/export.csv', staff, exportCsv);
  r.post('/dashboard/reports/export.csv', form, staff, exportCsv);
  return r;
}
