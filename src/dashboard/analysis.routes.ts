import express, { type Router } from 'express';

import type pg from 'pg';
import { z } from 'zod';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import { validate } from '../http/validate.js';
import { languageOf, translator } from '../i18n/index.js';
import type { SessionTokens } from '../lti/session.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import { AnalysisService } from './analysis.service.js';
import { SORT_KEYS } from './item-stats.js';

const sortSchema = z.object({
  sort: z.enum(SORT_KEYS).default('flags'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  /** Which questions: all of the activity, those answered at least once, or those that look broken. */
  show: z.enum(['all', 'answered', 'flagged']).default('all'),
});

/**
 * The question-quality page (issue 16, item 4): `/dashboard/analysis/items`, for staff of the session's
 * course only. GET takes the session token in the Authorization header (and the order in the query), POST
 * in the `ltik` form field (the order in `sort`/`dir` fields: the column headers are buttons).
 */
export function analysisRoutes(deps: { sessions: SessionTokens; pool: pg.Pool; catalog: Catalog; assignments: AssignmentService }): Router {
  const r = express.Router();
  const analysis = new AnalysisService(deps);
  const form = express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 10 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');
  const fromBody = validate({ body: sortSchema });
  const fromQuery = validate({ query: sortSchema });

  /**
   * The table's rows (views/dashboard/analysis-rows.ejs, 500 items: most of the page's work), rendered once per
   * read of the course's sums (reused ANALYSIS_CACHE_MS), pack, order, filter and language, and reused by every
   * staff member of the activity: nothing of the viewer in them. Per pack entry, so a reloaded pack starts afresh.
   */
  const rendered = new WeakMap<object, Map<string, string>>();
  const render = (res: express.Response, view: string, model: object) =>
    new Promise<string>((resolve, reject) => res.app.render(view, model, (err, out) => (err ? reject(err) : resolve(out))));

  const page = async (res: express.Response, sort: z.infer<typeof sortSchema>) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    const view = await analysis.items(actor, { key: sort.sort, dir: sort.dir });
    const rows = sort.show === 'all' ? view.rows : view.rows.filter((x) => (sort.show === 'answered' ? x.attempts > 0 : x.flags.some((f) => f.code !== 'too_few')));
    let rowsHtml = '';
    if (view.assignment) {
      let byKey = rendered.get(view.skillNames);
      if (!byKey) rendered.set(view.skillNames, (byKey = new Map()));
      const a = view.assignment;
      const key = JSON.stringify([actor.tenantId, a.resourceLinkId, a.packId, a.skills, view.readAt, sort.sort, sort.dir, sort.show, lang, actor.locale]);
      const hit = byKey.get(key);
      if (hit !== undefined) rowsHtml = hit;
      else {
        rowsHtml = await render(res, 'dashboard/analysis-rows', { rows, t, packId: view.packId, skillName: (id: string) => view.skillNames.get(id) ?? id });
        if (byKey.size >= 50) byKey.delete(byKey.keys().next().value!);
        byKey.set(key, rowsHtml);
      }
    }
    res.setHeader('Cache-Control', 'no-store');
    res.render('dashboard/analysis-items', {
      title: t('analysis.title'),
      t,
      lang,
      actor,
      ltik: res.locals.ltik,
      assignment: view.assignment,
      packId: view.packId,
      rows,
      rowsHtml,
      total: view.rows.length,
      show: sort.show,
      skillName: (id: string) => view.skillNames.get(id) ?? id,
      sort: sort.sort,
      dir: sort.dir,
      readAt: new Date(view.readAt).toISOString(),
      flagged: view.rows.filter((x) => x.flags.some((f) => f.code !== 'too_few')).length,
    });
  };
  r.get('/dashboard/analysis/items', staff, fromQuery, async (_req, res) => {
    await page(res, fromQuery.input(res).query);
  });
  r.post('/dashboard/analysis/items', form, staff, fromBody, async (_req, res) => {
    await page(res, fromBody.input(res).body);
  });
  return r;
}
