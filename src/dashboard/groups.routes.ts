import express, { type Router } from 'express';
import type { TFunction } from 'i18next';
import type pg from 'pg';
import { z } from 'zod';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import { AppError } from '../http/errors.js';
import { validate } from '../http/validate.js';
import { languageOf, translator } from '../i18n/index.js';
import type { SessionTokens } from '../lti/session.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import { groupsCsv, type Need, type SavedGroup, type SuggestedGroup } from './groups.js';
import { GroupsService, MAX_GROUPS, type GroupsInput, type GroupsView } from './groups.service.js';

const MAX_STUDENTS = 2000;
/** A repeated form field as a list (one value arrives as a string, none as undefined). */
const list = (max: number, len: number) =>
  z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(len)).max(max));

const showSchema = z.object({ show: z.enum(['saved', 'suggestion']).optional() });
const saveSchema = z
  .object({
    name: list(MAX_GROUPS + 1, 200),
    skill: list(MAX_GROUPS + 1, 200),
    remove: list(MAX_GROUPS + 1, 5),
    student: list(MAX_STUDENTS, 300),
    group: list(MAX_STUDENTS, 5),
  })
  .refine((b) => b.name.length === b.skill.length, { message: 'Every group needs its name and skill fields.' })
  .refine((b) => b.student.length === b.group.length, { message: 'Every student needs a group choice.' })
  .refine((b) => b.group.every((g) => /^-?\d{1,3}$/.test(g)) && b.remove.every((g) => /^\d{1,3}$/.test(g)), { message: 'A group choice is not a group number.' });

/** A suggested group's name in the reader's language. */
export function suggestedName(g: SuggestedGroup, skillName: (id: string) => string, t: TFunction): string {
  const base = g.skillId ? t('groups.name_skill', { skill: skillName(g.skillId) }) : t('groups.name_extension');
  return g.parts > 1 ? t('groups.name_part', { name: base, part: g.part, parts: g.parts }) : base;
}

/** A student's reason in words. */
export function needText(need: Need | undefined, t: TFunction): string {
  return need ? t(`groups.need.${need.code}`, need.params) : '';
}

/** The groups the page edits: the saved ones (unless the suggestion is asked for), else the suggestion. */
function editable(view: GroupsView, show: 'saved' | 'suggestion' | undefined, t: TFunction): { groups: SavedGroup[]; fromSaved: boolean } {
  const skillName = (id: string) => view.skills.find((s) => s.id === id)?.name ?? id;
  if (view.saved && show !== 'suggestion') return { groups: view.saved.groups, fromSaved: true };
  return {
    groups: view.suggestion.map((g) => ({ name: suggestedName(g, skillName, t), skillId: g.skillId, members: g.members.map((m) => ({ userId: m.userId, name: m.name })) })),
    fromSaved: false,
  };
}

/**
 * The groups page (issue 16, item 6): `/dashboard/groups` shows the saved groups or the suggestion, which
 * the teacher adjusts (rename, move a student, remove a group) and saves (`/dashboard/groups/save`), or
 * downloads (`/dashboard/groups/export.csv`). Staff of the session's course only; POST forms carry the
 * session token in `ltik`, GET takes it in the Authorization header.
 */
export function groupsRoutes(deps: { sessions: SessionTokens; pool: pg.Pool; catalog: Catalog; assignments: AssignmentService }): Router {
  const r = express.Router();
  const groups = new GroupsService(deps);
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 2 * MAX_STUDENTS + 4 * (MAX_GROUPS + 1) + 10 });
  const staff = requireSession(deps.sessions, 'instructor', 'admin');

  const page = async (res: express.Response, opts: { show?: 'saved' | 'suggestion'; saved?: boolean; error?: string; status?: number } = {}) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const view = await groups.view(actor);
    const { groups: shown, fromSaved } = editable(view, opts.show, t);
    const inGroup = new Set(shown.flatMap((g) => g.members.map((m) => m.userId)));
    const ungrouped = [...view.students].filter(([id]) => !inGroup.has(id)).map(([userId, s]) => ({ userId, name: s.name }));
    res.setHeader('Cache-Control', 'no-store');
    res.status(opts.status ?? 200).render('dashboard/groups', {
      title: t('groups.title'),
      t,
      lang: languageOf(actor.locale),
      actor,
      ltik: res.locals.ltik,
      assignment: view.assignment,
      skills: view.skills,
      groups: shown,
      fromSaved,
      savedInfo: view.saved ? { by: view.saved.savedByName ?? view.saved.savedBy ?? '', at: view.saved.savedAt.toISOString() } : null,
      ungrouped,
      reason: (userId: string) => needText(view.students.get(userId)?.need, t),
      justSaved: opts.saved ?? false,
      error: opts.error ?? null,
      maxGroups: MAX_GROUPS,
    });
  };

  const showBody = validate({ body: showSchema });
  const showQuery = validate({ query: showSchema });
  r.get('/dashboard/groups', staff, showQuery, async (_req, res) => {
    await page(res, { show: showQuery.input(res).query.show });
  });
  r.post('/dashboard/groups', form, staff, showBody, async (_req, res) => {
    await page(res, { show: showBody.input(res).body.show });
  });

  const save = validate({ body: saveSchema }, { invalid: (message, _req, res) => page(res, { error: message, status: 400 }) });
  r.post('/dashboard/groups/save', form, staff, save, async (_req, res) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const b = save.input(res).body;
    const removed = new Set(b.remove.map(Number));
    const input: GroupsInput = {
      groups: b.name.map((name, i) => ({ name: name.trim().slice(0, 80) || t('groups.default_name', { n: i + 1 }), skillId: b.skill[i] || null })),
      members: b.student.map((userId, i) => {
        const g = Number(b.group[i]);
        return { userId, group: removed.has(g) ? -1 : g };
      }),
    };
    try {
      await groups.save(actor, input);
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return page(res, { error: err.message, status: 400 });
      throw err;
    }
    await page(res, { saved: true });
  });

  /** The saved groups as CSV (the suggestion while nothing is saved): one row per student. */
  const exportCsv = async (_req: express.Request, res: express.Response) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    const view = await groups.view(actor);
    const { groups: shown } = editable(view, undefined, t);
    const skillName = (id: string) => view.skills.find((s) => s.id === id)?.name ?? id;
    const header = [t('groups.csv.group'), t('groups.csv.skill'), t('groups.csv.student'), t('groups.csv.user_id'), t('groups.csv.reason')];
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="groups.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(groupsCsv(shown, header, skillName, (id) => needText(view.students.get(id)?.need, t)));
  };
  r.get('/dashboard/groups/export.csv', staff, exportCsv);
  r.post('/dashboard/groups/export.csv', form, staff, exportCsv);
  return r;
}
