/**
 * The instructor's student drill-down, its printable page, the overrides and the skill view (issue 16,
 * items 2, 3, 7 and the printable page of 8). Staff only (instructor, TA, admin); every read is scoped to
 * the session's tenant and resource link, so a student or skill of another activity is "not found".
 * Pages move on by POST forms whose hidden field carries the session token; GET takes it in the
 * Authorization header (never the URL).
 */
import express, { type Router } from 'express';
import { z } from 'zod';
import { languageOf, translator } from '../i18n/index.js';
import { AppError } from '../http/errors.js';
import { validate } from '../http/validate.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import type { Services } from '../services.js';
import { OVERRIDE_ACTIONS } from './overrides.js';
import { OverrideService } from './overrides.service.js';
import { SkillViewService } from './skill-view.service.js';
import { escapeHtml, presentSkill, presentStudent } from './student.presenter.js';
import { StudentService } from './student.service.js';

const KATEX_CSS = '/static/katex/katex.min.css';
const userParams = z.object({ userId: z.string().min(1).max(255) });
const listQuery = z.object({ all: z.enum(['1']).optional() });
const skillParams = z.object({ skillId: z.string().min(1).max(100) });
const overrideBody = z.object({
  ltik: z.string().optional(),
  action: z.enum(OVERRIDE_ACTIONS, { message: 'Choose what to change.' }),
  skill: z.string().max(100).optional(),
  reason: z.string().trim().min(1, { message: 'Give a reason: it is kept with the change.' }).max(500, { message: 'The reason is too long (500 characters at most).' }),
});

export function studentRoutes(services: Pick<Services, 'pool' | 'sessions' | 'catalog' | 'assignments' | 'practice' | 'scores'>): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const staff = requireSession(services.sessions, 'instructor', 'admin');
  const students = new StudentService({ pool: services.pool, catalog: services.catalog, assignments: services.assignments });
  const skills = new SkillViewService({ pool: services.pool, catalog: services.catalog, assignments: services.assignments });
  const overrides = new OverrideService({
    pool: services.pool, catalog: services.catalog, assignments: services.assignments,
    forgetLearner: (t, u) => services.practice.forgetUser(t, u), scoresQueued: () => services.scores.committed(),
  });

  const studentPage = async (res: express.Response, userId: string, view: 'dashboard/student' | 'dashboard/print-student', extra: { saved?: string; error?: string; status?: number; all?: boolean } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const v = await students.student(actor, userId);
    res.setHeader('Cache-Control', 'no-store');
    res.status(extra.status ?? 200).render(view, {
      ...presentStudent(v, services.catalog, t, actor.locale, { allAttempts: extra.all }),
      title: t(view === 'dashboard/student' ? 'dashboard.student.title' : 'dashboard.student.print_title', { name: v.name ?? v.userId }),
      t,
      lang: languageOf(actor.locale),
      ltik: res.locals.ltik,
      actor,
      assignmentTitle: v.assignment.title ?? actor.resourceLinkTitle ?? '',
      skillOptions: v.assignment.skills.map((id) => ({ id, name: v.cache.skillNames.get(id) ?? id })),
      saved: extra.saved ?? null,
      error: extra.error ?? null,
      extraCss: [KATEX_CSS],
      escapeHtml,
    });
  };

  const drill = validate({ params: userParams, query: listQuery });
  // The newest answers are listed; `?all=1` (the page's "show all" button) lists every one.
  const show = async (_req: express.Request, res: express.Response) => {
    const input = drill.input(res);
    await studentPage(res, input.params.userId, 'dashboard/student', { all: input.query.all === '1' });
  };
  r.get('/dashboard/students/:userId', staff, drill, show);
  r.post('/dashboard/students/:userId', form, staff, drill, show);

  const printable = async (_req: express.Request, res: express.Response) => studentPage(res, drill.input(res).params.userId, 'dashboard/print-student');
  r.get('/dashboard/students/:userId/print', staff, drill, printable);
  r.post('/dashboard/students/:userId/print', form, staff, drill, printable);

  // An invalid override form shows the drill-down again with its problem (400); the student must exist.
  const change = validate(
    { params: userParams, body: overrideBody },
    { invalid: (message, req, res) => studentPage(res, String(req.params.userId ?? ''), 'dashboard/student', { error: message, status: 400 }) },
  );
  r.post('/dashboard/students/:userId/overrides', form, staff, change, async (_req, res) => {
    const { params, body } = change.input(res);
    const actor = actorOf(res);
    try {
      const done = await overrides.apply(actor, params.userId, { action: body.action, skill: body.skill ?? null, reason: body.reason });
      await studentPage(res, params.userId, 'dashboard/student', { saved: done.action });
    } catch (err) {
      if (err instanceof AppError && (err.status === 400 || err.status === 409)) await studentPage(res, params.userId, 'dashboard/student', { error: err.message, status: err.status });
      else throw err;
    }
  });

  const skillCheck = validate({ params: skillParams });
  const skillPage = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const v = await skills.skill(actor, skillCheck.input(res).params.skillId);
    res.setHeader('Cache-Control', 'no-store');
    res.render('dashboard/skill', {
      ...presentSkill(v, services.catalog, t, actor.locale),
      title: t('dashboard.skill.title', { skill: v.skill.name }),
      t,
      lang: languageOf(actor.locale),
      ltik: res.locals.ltik,
      actor,
      extraCss: [KATEX_CSS],
      escapeHtml,
    });
  };
  r.get('/dashboard/skills/:skillId', staff, skillCheck, skillPage);
  r.post('/dashboard/skills/:skillId', form, staff, skillCheck, skillPage);
  return r;
}
