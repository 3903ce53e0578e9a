import express, { type Request, type Response, type Router } from 'express';
import { languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import { presentPractice } from './practice.presenter.js';
import type { PracticeService, PracticeView } from './practice.service.js';
import { chooseSchema, stepSchema } from './practice.schema.js';
import { badRequest } from '../http/errors.js';
import type { RateLimits } from '../http/rate-limits.js';

/** The student face: HTTP only — parse, call the service, render. Works without JavaScript. */
export function practiceRoutes(deps: { sessions: SessionTokens; practice: PracticeService; limits?: RateLimits }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });
  const session = requireSession(deps.sessions);
  const answerLimit = deps.limits ? [deps.limits.answersPerStudent()] : [];

  const render = (res: Response, view: PracticeView, status = 200) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    res.status(status);
    if (view.kind === 'not_configured') {
      res.render('practice/not-configured', { title: t('practice.not_configured_title'), t, lang, ltik: res.locals.ltik, actor });
      return;
    }
    const upcoming = (view.kind === 'question' || view.kind === 'worked_example') && view.upcoming ? presentPractice(view.upcoming, t, actor.locale) : null;
    res.render('practice/page', {
      title: t('practice.title'), t, lang, ltik: res.locals.ltik, v: presentPractice(view, t, actor.locale), upcoming, renderedAt: Date.now(), actor,
      extraCss: ['/static/katex/katex.min.css'],
    });
  };

  const step = (req: Request) => {
    const p = stepSchema.safeParse(req.body);
    if (!p.success) throw badRequest('The form is incomplete; reload the page.');
    return p.data;
  };

  r.get('/practice', session, async (_req, res) => {
    render(res, await deps.practice.view(actorOf(res)));
  });
  r.post('/practice', form, session, async (_req, res) => {
    render(res, await deps.practice.view(actorOf(res)));
  });
  r.post('/practice/next', form, session, async (req, res) => {
    const c = chooseSchema.safeParse(req.body);
    render(res, await deps.practice.view(actorOf(res), { skill: c.success ? c.data.skill : undefined }));
  });
  r.post('/practice/answer', form, session, ...answerLimit, async (req, res) => {
    const view = await deps.practice.answer(actorOf(res), (req.body ?? {}) as Record<string, unknown>);
    const malformed = view.kind === 'question' && view.result?.message;
    if (view.kind === 'question' && view.result && !view.result.message) res.locals.answerCorrect = view.result.correct;
    render(res, view, malformed ? 422 : 200);
  });
  r.post('/practice/hint', form, session, async (req, res) => {
    const s = step(req);
    render(res, await deps.practice.hint(actorOf(res), s.item_id, s.seed));
  });
  r.post('/practice/studied', form, session, async (req, res) => {
    const s = step(req);
    render(res, await deps.practice.studied(actorOf(res), s.item_id, s.seed));
  });
  return r;
}
