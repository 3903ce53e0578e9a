import { validate } from '../http/validate.js';
import { setupSchema } from '../assignments/assignment.schema.js';
import express, { type Router } from 'express';
import { languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { AppError } from '../http/errors.js';
import type { DashboardService } from './dashboard.service.js';
import { classCsv, presentDashboard } from './dashboard.presenter.js';

/**
 * The instructor face of a resource link: the setup form until the activity is configured (deep linking
 * will set it when the activity is placed), then the class-by-skill mastery table and the settings.
 */
export function dashboardRoutes(deps: { sessions: SessionTokens; dashboard: DashboardService; assignments: AssignmentService }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 300 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');

  const page = async (res: express.Response, extra: { saved?: boolean; error?: string; status?: number } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const view = await deps.dashboard.classView(actor);
    const setup = await deps.assignments.setupOptions(actor.tenantId, view.assignment?.packId);
    const join = await deps.dashboard.rosterJoin(actor, view);
    res.status(extra.status ?? 200).render('dashboard/index', {
      ...presentDashboard(view, join, t),
      t,
      lang: languageOf(actor.locale),
      ltik: res.locals.ltik,
      actor,
      packs: setup.packs,
      saved: extra.saved ?? false,
      error: extra.error ?? null,
      extraCss: ['/static/katex/katex.min.css'],
    });
  };

  r.get('/dashboard', staff, async (_req, res) => {
    await page(res);
  });
  r.post('/dashboard', form, staff, async (_req, res) => {
    await page(res);
  });
  /**
   * The class view as CSV: one row per student, mastery per skill in percent. The page's button POSTs the
   * session token in a form field; GET takes it in the Authorization header (never the URL).
   */
  const exportCsv = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const csv = classCsv(await deps.dashboard.classView(actor), translator(actor.locale));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="class-mastery.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  };
  r.get('/dashboard/export.csv', staff, exportCsv);
  r.post('/dashboard/export.csv', form, staff, exportCsv);

  // An invalid setup form shows the page again with its problems (400).
  const setup = validate({ body: setupSchema }, { invalid: (message, _req, res) => page(res, { error: message, status: 400 }) });
  r.post('/dashboard/setup', form, staff, setup, async (_req, res) => {
    try {
      await deps.assignments.configure(actorOf(res), setup.input(res).body);
      await page(res, { saved: true });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) await page(res, { error: err.message, status: 400 });
      else throw err;
    }
  });
  return r;
}
