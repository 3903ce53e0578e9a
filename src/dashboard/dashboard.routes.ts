import { validate } from '../http/validate.js';
import { setupSchema } from '../assignments/assignment.schema.js';
import express, { type Router } from 'express';
import { languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import type { PracticeService } from '../practice/practice.service.js';
import { AppError } from '../http/errors.js';
import type { Roster } from '../grades/index.js';

/**
 * The instructor face of a resource link: the setup form until the activity is configured (deep linking
 * will set it when the activity is placed), then the class-by-skill mastery table and the settings.
 */
export function dashboardRoutes(deps: { sessions: SessionTokens; practice: PracticeService; roster?: (tenantId: string, contextId: string) => Promise<Roster> }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 300 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');

  const page = async (res: express.Response, extra: { saved?: boolean; error?: string; status?: number } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const view = await deps.practice.classView(actor);
    const setup = await deps.practice.assignments.setupOptions(actor.tenantId, view.assignment?.packId);
    // "Not started yet": learners of the course roster (NRPS) with no answer in this activity.
    let notStarted: { name: string }[] | null = null;
    let rosterNote: string | null = null;
    if (view.assignment && actor.contextId && deps.roster) {
      const roster = await deps.roster(actor.tenantId, actor.contextId);
      if (roster.status === 'ok') {
        const started = new Set(view.rows.filter((r) => r.answered > 0).map((r) => r.userId));
        notStarted = roster.members
          .filter((m) => m.isLearner && m.status === 'Active' && !started.has(m.userId))
          .map((m) => ({ name: m.name ?? ([m.givenName, m.familyName].filter(Boolean).join(' ') || m.userId) }));
      } else {
        rosterNote = roster.message;
      }
    }
    res.status(extra.status ?? 200).render('dashboard/index', {
      title: view.assignment ? 'Class mastery' : t('setup.title'),
      t,
      lang: languageOf(actor.locale),
      ltik: res.locals.ltik,
      actor,
      assignment: view.assignment,
      skills: view.skills,
      rows: view.rows,
      notStarted,
      rosterNote,
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
    const view = await deps.practice.classView(actorOf(res));
    const cell = (v: string | number) => {
      const text = String(v);
      // Quote everything; neutralise formula injection in spreadsheet apps (OWASP CSV injection).
      const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
      return `"${safe.replace(/"/g, '""')}"`;
    };
    const header = ['student', 'user_id', 'answers', 'skills_mastered', ...view.skills.map((s) => s.name), 'at_risk'];
    const lines = [header.map(cell).join(',')];
    for (const r of view.rows) {
      lines.push([r.name ?? '', r.userId, r.answered, r.mastered, ...r.mastery.map((m) => Math.round(m.value * 100)), r.atRisk ?? ''].map(cell).join(','));
    }
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="class-mastery.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(lines.join('\r\n') + '\r\n');
  };
  r.get('/dashboard/export.csv', staff, exportCsv);
  r.post('/dashboard/export.csv', form, staff, exportCsv);

  // An invalid setup form shows the page again with its problems (400).
  const setup = validate({ body: setupSchema }, { invalid: (message, _req, res) => page(res, { error: message, status: 400 }) });
  r.post('/dashboard/setup', form, staff, setup, async (_req, res) => {
    try {
      await deps.practice.configure(actorOf(res), setup.input(res).body);
      await page(res, { saved: true });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) await page(res, { error: err.message, status: 400 });
      else throw err;
    }
  });
  return r;
}
