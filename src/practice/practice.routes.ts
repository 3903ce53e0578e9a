import express, { type Request, type Response, type Router } from 'express';
import { LANGUAGES, languageName, languageOf, translator } from '../i18n/index.js';
import { actorOf, requireSession, tokenFrom } from '../lti/session.middleware.js';
import type { SessionTokens } from '../lti/session.js';
import { parseShownBefore, presentPractice, presentSessionPage, type ShownBefore } from './practice.presenter.js';
import type { AnswerSubmission, PracticeService, PracticeView, SessionPage } from './practice.service.js';
import { answerSchema, chooseSchema, goalSchema, stepSchema } from './practice.schema.js';
import type { Item } from '../content/content.schema.js';
import { badRequest } from '../http/errors.js';
import type { RateLimits } from '../http/rate-limits.js';

/** The student face: HTTP only — parse, call the service, render. Works without JavaScript. */
export function practiceRoutes(deps: { sessions: SessionTokens; practice: PracticeService; limits?: RateLimits }): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });
  const session = requireSession(deps.sessions);
  const answerLimit = deps.limits ? [deps.limits.answersPerStudent()] : [];
  /** The language switch's choices, each named in its own language. */
  const languages = LANGUAGES.map((code) => ({ code, name: languageName(code) }));

  /** `before` and `typed` come with an answer: the bars it had shown and what the student entered (kept in the form). */
  const render = (res: Response, view: PracticeView, status = 200, extra: { before?: ShownBefore; typed?: Typed } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const lang = languageOf(actor.locale);
    res.status(status);
    if (view.kind === 'not_configured') {
      res.render('practice/not-configured', { title: t('practice.not_configured_title'), t, lang, ltik: res.locals.ltik, actor, languages });
      return;
    }
    const upcoming = (view.kind === 'question' || view.kind === 'worked_example') && view.upcoming ? presentPractice(view.upcoming, t, actor.locale) : null;
    res.render('practice/page', {
      title: t('practice.title'), t, lang, ltik: res.locals.ltik, v: presentPractice(view, t, actor.locale, extra.before), upcoming, renderedAt: Date.now(), actor,
      typed: extra.typed ?? null, languages,
      extraCss: ['/static/katex/katex.min.css'],
    });
  };

  /** The pages around practice: plan (goal and skill choice), session summary, review my mistakes. */
  const pageTitles: Record<SessionPage['kind'], string> = { plan: 'practice.plan_title', summary: 'practice.summary_title', mistakes: 'practice.mistakes_title' };
  const sessionPage = (kind: SessionPage['kind']) => async (_req: Request, res: Response) => {
    const actor = actorOf(res);
    const page = await deps.practice.page(actor, kind);
    if (page.kind === 'not_configured') return render(res, page);
    const t = translator(actor.locale);
    res.render(`practice/${kind}`, {
      title: t(pageTitles[kind]), t, lang: languageOf(actor.locale), ltik: res.locals.ltik, actor, languages, v: presentSessionPage(page, t, actor.locale),
      extraCss: ['/static/katex/katex.min.css'],
    });
  };
  for (const kind of ['plan', 'summary', 'mistakes'] as const) {
    r.get(`/practice/${kind}`, session, sessionPage(kind));
    r.post(`/practice/${kind}`, form, session, sessionPage(kind));
  }
  r.post('/practice/goal', form, session, async (req, res) => {
    const g = goalSchema.safeParse(req.body);
    if (!g.success) throw badRequest('Choose a goal.');
    render(res, await deps.practice.setGoal(actorOf(res), g.data.goal));
  });
  // "I don't know": the answer form's second button. Recorded as a wrong answer without a response.
  r.post('/practice/skip', form, session, ...answerLimit, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { response: _ignored, ...rest } = body;
    void _ignored;
    const submission = { ...answerFrom(rest), skipped: true };
    const view = await deps.practice.answer(actorOf(res), submission);
    const r = view.kind === 'question' && view.result && !view.result.message ? view.result : null;
    const before = r ? { percents: parseShownBefore(body.was), wrong: true, missedTwo: false, skipped: true } : undefined;
    render(res, view, 200, { before });
  });

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
    const view = await deps.practice.answer(actorOf(res), answerFrom((req.body ?? {}) as Record<string, unknown>));
    const malformed = view.kind === 'question' && view.result?.message;
    if (view.kind === 'question' && view.result && !view.result.message) res.locals.answerCorrect = view.result.correct;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const r = view.kind === 'question' && view.result && !view.result.message ? view.result : null;
    const before = r ? { percents: parseShownBefore(body.was), wrong: !r.correct, missedTwo: !r.correct && r.tries >= 2 } : undefined;
    render(res, view, malformed ? 422 : 200, { before, typed: typedOf(body) });
  });
  // The language switch: the session goes on in the chosen language (a new token with that locale).
  r.post('/practice/language', form, session, async (req, res) => {
    const lang = (req.body as Record<string, unknown>).lang;
    if (typeof lang !== 'string' || !LANGUAGES.includes(lang)) throw badRequest('Unknown language.');
    const { launchedAt } = await deps.sessions.verifyWithAge(tokenFrom(req) ?? '');
    const actor = { ...actorOf(res), locale: lang };
    res.locals.actor = actor;
    res.locals.ltik = await deps.sessions.issue(actor, launchedAt);
    render(res, await deps.practice.view(actor));
  });
  // Where a practice page's history entry points (practice.js): a reload comes here and the page posts the
  // session kept in that entry's history.state to /practice, so F5 shows the current step, never a re-sent answer.
  r.get('/practice/resume', (req, res) => {
    const lang = languageOf(req.acceptsLanguages(...LANGUAGES) || 'en');
    const t = translator(lang);
    res.setHeader('Cache-Control', 'no-store');
    res.render('practice/resume', { title: t('practice.resume_title'), t, lang });
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

/** What the student entered in the answer form, to put back after a wrong try and show beside the right answer. */
export interface Typed {
  /** The question it answered (a stale answer's text is not put into another question). */
  itemId: string;
  /** The text, or the chosen choice ids. */
  response: string[];
  /** Ordering questions: entry id -> the position typed. */
  order: Record<string, string>;
}

function typedOf(body: Record<string, unknown>): Typed {
  const raw = body.response;
  const response = (Array.isArray(raw) ? raw : [raw]).filter((x): x is string => typeof x === 'string').map((x) => x.slice(0, 500)).slice(0, 50);
  const order: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (k.startsWith('order_') && typeof v === 'string') order[k.slice(6)] = v.slice(0, 10);
  return { itemId: typeof body.item_id === 'string' ? body.item_id : '', response, order };
}

/** Decodes the answer form: a malformed one is refused (400) before the service sees it. */
export function answerFrom(body: Record<string, unknown>): AnswerSubmission {
  const parsed = answerSchema.safeParse(body);
  if (!parsed.success) throw badRequest(parsed.error.issues[0]?.message ?? 'The answer form is incomplete.');
  const input = parsed.data;
  return { input, response: (item) => responseFrom(item, input.response, body) };
}

/** Turns the answer form into the response grading expects (ordering items post `order_<id>` positions). */
export function responseFrom(item: Item, response: string | string[] | undefined, body: Record<string, unknown>): unknown {
  if (item.type === 'ordering') {
    const positions = item.entries.map((e) => ({ id: e.id, pos: Number(body[`order_${e.id}`]) }));
    if (positions.some((p) => !Number.isInteger(p.pos))) return positions.every((p) => body[`order_${p.id}`] === undefined || body[`order_${p.id}`] === '') ? [] : ['__invalid__'];
    return positions.sort((x, y) => x.pos - y.pos).map((p) => p.id);
  }
  if (item.type === 'multiple_choice') return response === undefined ? [] : Array.isArray(response) ? response : [response];
  if (response === undefined) return '';
  return response;
}
