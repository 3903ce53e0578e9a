import crypto from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import { validate } from '../http/validate.js';
import { setupSchema } from '../assignments/assignment.schema.js';
import { languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import { AppError } from '../http/errors.js';
import type { DashboardService } from './dashboard.service.js';
import { classCsv, classQuerySchema, presentDashboard, type ClassQuery } from './dashboard.presenter.js';

/** A rendered class view fragment is reused this long at most (its "3 minutes ago" texts age). */
const LIVE_REUSE_MS = 10_000;

/** Where the setup form came from: the settings page shows itself again after saving. */
const returnSchema = z.object({ return_to: z.enum(['settings', 'class']).catch('class').default('class') });

/**
 * The instructor face of a resource link: the setup form until the activity is configured (deep linking
 * will set it when the activity is placed), then the class view (students x skills, who may need help) with
 * live updates, and the activity's settings on their own page.
 */
export function dashboardRoutes(deps: { sessions: SessionTokens; dashboard: DashboardService; assignments: AssignmentService }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 300 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');

  /**
   * The changing part of the class view (views/dashboard/live.ejs), rendered once per state of the summaries,
   * language and filter and reused for LIVE_REUSE_MS by every staff member of the activity: a class's teachers
   * polling every 10 s cost one render per change, not one per poll. Holds nothing of the viewer.
   */
  const fragments = new Map<string, { html: string; at: number; view: Awaited<ReturnType<DashboardService['classView']>>; model: ReturnType<typeof presentDashboard> }>();
  const live = async (res: express.Response, query: ClassQuery | undefined) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    const stamp = await deps.dashboard.classStamp(actor);
    const key = stamp === null ? null : JSON.stringify([actor.tenantId, actor.resourceLinkId, actor.contextId, lang, stamp, query ?? null]);
    const hit = key ? fragments.get(key) : undefined;
    if (hit && Date.now() - hit.at < LIVE_REUSE_MS) return hit;
    const view = await deps.dashboard.classView(actor);
    const join = await deps.dashboard.rosterJoin(actor, view);
    const model = presentDashboard(view, join, t, { lang, query });
    const html = view.assignment ? await render(res, 'dashboard/live', { ...model, t, lang }) : '';
    const out = { html, at: Date.now(), view, model };
    if (key) {
      if (fragments.size >= 200) fragments.delete(fragments.keys().next().value!);
      fragments.set(key, out);
    }
    return out;
  };
  const render = (res: express.Response, view: string, model: object) =>
    new Promise<string>((resolve, reject) => res.app.render(view, model, (err, out) => (err ? reject(err) : resolve(out))));

  /** The class page (or the setup form of an unconfigured activity). */
  const page = async (res: express.Response, extra: { saved?: boolean; error?: string; status?: number; query?: ClassQuery } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    const { html, model } = await live(res, extra.query);
    const setup = model.assignment ? null : await deps.assignments.setupOptions(actor.tenantId, undefined, actor.contextId ?? null);
    res.status(extra.status ?? 200).render('dashboard/index', {
      ...model,
      liveHtml: html,
      t,
      lang,
      ltik: res.locals.ltik,
      actor,
      packs: setup?.packs ?? [],
      saved: extra.saved ?? false,
      error: extra.error ?? null,
    });
  };

  /** The settings page of a configured activity (the setup form otherwise). */
  const settings = async (res: express.Response, extra: { saved?: boolean; error?: string; status?: number } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const assignment = await deps.assignments.get(actor);
    const setup = await deps.assignments.setupOptions(actor.tenantId, assignment?.packId, actor.contextId ?? null);
    res.status(extra.status ?? 200).render('dashboard/settings', {
      title: t('settings.title'),
      t,
      lang: languageOf(actor.locale),
      ltik: res.locals.ltik,
      actor,
      assignment,
      packs: setup.packs,
      saved: extra.saved ?? false,
      error: extra.error ?? null,
    });
  };

  // Every field of the filter falls back to its default, so a filter is never refused.
  const classBody = validate({ body: classQuerySchema });
  const classParams = validate({ query: classQuerySchema });

  r.get('/dashboard', staff, async (_req, res) => {
    await page(res);
  });
  r.post('/dashboard', form, staff, classBody, async (_req, res) => {
    await page(res, { query: classBody.input(res).body });
  });

  /**
   * Live updates of the class view (static/js/dashboard.js polls it): the part of the page that changes, for
   * the same filter (query parameters, no secret in them), with an ETag so an unchanged class costs a 304.
   * The session token comes in the Authorization header, never in the URL.
   */
  r.get('/dashboard/live', staff, classParams, async (req, res) => {
    const { html } = await live(res, classParams.input(res).query);
    // The ETag covers what the teacher sees, not when it was read ("updated at" is filled in by the page).
    const etag = `"${crypto.createHash('sha256').update(html.replace(/<time[^>]*data-updated[^>]*>[^<]*<\/time>/g, '')).digest('base64url').slice(0, 22)}"`;
    res.setHeader('Cache-Control', 'private, no-cache');
    res.setHeader('ETag', etag);
    if (req.headers['if-none-match'] === etag) {
      res.status(304).end();
      return;
    }
    res.type('html').send(html);
  });

  /**
   * The class view as CSV: one row per student, mastery per skill in percent. The page's button POSTs the
   * session token in a form field; GET takes it in the Authorization header (never the URL).
   */
  const exportCsv = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const csv = classCsv(await deps.dashboard.classView(actor, { details: Infinity }), translator(actor.locale));
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="class-mastery.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  };
  r.get('/dashboard/export.csv', staff, exportCsv);
  r.post('/dashboard/export.csv', form, staff, exportCsv);

  r.get('/dashboard/settings', staff, async (_req, res) => {
    await settings(res);
  });
  r.post('/dashboard/settings', form, staff, async (_req, res) => {
    await settings(res);
  });

  // An invalid setup form shows its page again with its problems (400).
  const again = (res: express.Response, from: 'settings' | 'class', extra: { saved?: boolean; error?: string; status?: number }) =>
    from === 'settings' ? settings(res, extra) : page(res, extra);
  const setup = validate({ body: setupSchema }, {
    invalid: (message, req, res) => again(res, returnSchema.parse(req.body ?? {}).return_to, { error: message, status: 400 }),
  });
  r.post('/dashboard/setup', form, staff, setup, async (req, res) => {
    const from = returnSchema.parse(req.body ?? {}).return_to;
    try {
      await deps.assignments.configure(actorOf(res), setup.input(res).body);
      await again(res, from, { saved: true });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) await again(res, from, { error: err.message, status: 400 });
      else throw err;
    }
  });
  return r;
}
