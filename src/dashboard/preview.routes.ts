/**
 * Instructor item preview (issue 4, point 6): browse the tenant's packs, skills and items, and see any
 * item or template instance as a student would, with its answer, solution and feedback below.
 * Every query is scoped by the session's tenant. Pages move on by POST forms whose hidden field carries the
 * refreshed session token (never a URL); GET works with the token in the Authorization header.
 */
import express, { type Router } from 'express';
import type pg from 'pg';
import { renderAnswer, renderHint, renderItemForStudent } from '../content/content.presenter.js';
import { languageOf, translator } from '../i18n/index.js';
import { ensurePack, getItem, listItems, listSkills } from '../content/content.repository.js';
import { coursePacks, packOwner } from '../content/content-admin.repository.js';
import type { Actor } from '../lti/actor.js';
import type { Pack } from '../content/content.schema.js';
import { loadDemoPack } from '../content/content.files.js';
import { katexDistPath } from '../content/markdown.js';
import { instantiate, TemplateError } from '../content/templates.js';
import { badRequest, notFound } from '../http/errors.js';
import type { SessionTokens } from '../lti/session.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';

const KATEX_CSS = '/static/katex/katex.min.css';

/** The demo pack, parsed once per process (a failed parse is retried on the next request). */
let demoPack: Promise<Pack> | undefined;
function demo(): Promise<Pack> {
  demoPack ??= loadDemoPack().catch((err: unknown) => {
    demoPack = undefined;
    throw err;
  });
  return demoPack;
}

async function ensureDemo(pool: pg.Pool, tenantId: string): Promise<void> {
  await ensurePack(pool, tenantId, await demo());
}

/** `?seed=` as an unsigned 32-bit integer; default 1. */
function parseSeed(raw: unknown): number {
  if (raw === undefined || raw === '') return 1;
  if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw) || Number(raw) > 0xffffffff) {
    throw badRequest('The seed must be a whole number from 0 to 4294967295.');
  }
  return Number(raw);
}

/** Whether the actor's course may see a pack: tenant-wide, shared, or its own (never another course's). */
async function visibleTo(pool: pg.Pool, actor: Actor, packId: string): Promise<{ editable: boolean } | null> {
  const owner = await packOwner(pool, actor.tenantId, packId);
  if (!owner) return null;
  if (owner.courseId !== null && owner.courseId !== actor.contextId && !owner.shared) return null;
  return { editable: owner.courseId !== null && owner.courseId === actor.contextId };
}

export function previewRoutes(deps: { pool: pg.Pool; sessions: SessionTokens }): Router {
  const r = express.Router();
  const instructor = requireSession(deps.sessions, 'instructor', 'admin');

  // KaTeX's CSS and fonts from our own origin (the CSP allows only 'self' for styles and fonts).
  r.use('/static/katex', express.static(katexDistPath(), { index: false, maxAge: '1d', fallthrough: true }));

  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 20 });
  const itemHref = (packId: string, itemId: string, seed?: number) =>
    `/dashboard/items/${encodeURIComponent(packId)}/${encodeURIComponent(itemId)}` + (seed === undefined ? '' : `?seed=${seed}`);

  const list = async (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    try {
      const actor = actorOf(res);
      const ltik = res.locals.ltik as string;
      await ensureDemo(deps.pool, actor.tenantId);
      // Only the packs this course may see: another course's packs are not listed.
      const [packs, skills, items] = await Promise.all([
        coursePacks(deps.pool, actor.tenantId, actor.contextId ?? null),
        listSkills(deps.pool, actor.tenantId),
        listItems(deps.pool, actor.tenantId),
      ]);
      const bySkill = new Map<string, { id: string; type: string; template: boolean; href: string }[]>();
      for (const { packId, item } of items) {
        for (const skillId of new Set(item.skills)) {
          const key = `${packId}\u0000${skillId}`;
          const list = bySkill.get(key) ?? [];
          list.push({ id: item.id, type: item.type, template: item.template !== undefined, href: itemHref(packId, item.id) });
          bySkill.set(key, list);
        }
      }
      const view = packs.map((p) => {
        const packSkills = skills.filter((s) => s.packId === p.id);
        const names = new Map(packSkills.map((s) => [s.skill.id, s.skill.name]));
        return {
          ...p,
          skills: packSkills.map(({ skill }) => ({
            id: skill.id,
            name: skill.name,
            standards: skill.standards,
            prerequisites: skill.prerequisites.map((id) => names.get(id) ?? id),
            items: bySkill.get(`${p.id}\u0000${skill.id}`) ?? [],
          })),
        };
      });
      const t = translator(actor.locale);
      res.render('dashboard/items', {
        title: t('preview.title'), t, lang: languageOf(actor.locale), actor,
        extraCss: [KATEX_CSS],
        packs: view,
        ltik,
      });
    } catch (err) {
      next(err);
    }
  };
  r.get('/dashboard/items', instructor, list);
  r.post('/dashboard/items', form, instructor, list);

  const preview = async (req: express.Request, res: express.Response, next: express.NextFunction) => {
    try {
      const actor = actorOf(res);
      const ltik = res.locals.ltik as string;
      const { packId, itemId } = req.params as { packId: string; itemId: string };
      const seed = parseSeed(req.query.seed);
      await ensureDemo(deps.pool, actor.tenantId);
      const access = await visibleTo(deps.pool, actor, packId);
      const item = access ? await getItem(deps.pool, actor.tenantId, packId, itemId) : null;
      if (!item || !access) throw notFound('This item');
      const pack = (await coursePacks(deps.pool, actor.tenantId, actor.contextId ?? null)).find((p) => p.id === packId);
      const locale = pack?.locale ?? 'en';
      const isTemplate = item.template !== undefined;
      const t = translator(actor.locale);
      const common = {
        title: `${t('preview.preview_of')} ${item.id}`,
        extraCss: [KATEX_CSS],
        lang: languageOf(actor.locale),
        t,
        actor,
        packId,
        packTitle: pack?.title ?? packId,
        item: { id: item.id, type: item.type, skills: item.skills, difficulty: item.difficulty },
        isTemplate,
        seed,
        ltik,
        editHref: access.editable ? `${itemHref(packId, item.id)}/edit` : '',
        nextHref: isTemplate ? itemHref(packId, item.id, (seed + 1) >>> 0) : '',
      };
      let source;
      try {
        source = isTemplate ? instantiate(item, seed) : item;
      } catch (err) {
        if (!(err instanceof TemplateError)) throw err;
        res.status(422).render('dashboard/item', { ...common, templateError: err.message, student: null, answer: null, hints: [] });
        return;
      }
      const student = renderItemForStudent(source, { seed, locale });
      const hints = Array.from({ length: student.hintCount }, (_, i) => renderHint(source, i, { seed, locale }) ?? '');
      const answer = renderAnswer(source, { seed, locale });
      res.render('dashboard/item', {
        ...common,
        templateError: '',
        student: { ...student, inputLabel: t(`preview.inputs.${student.inputKind}`) },
        hints,
        answer,
      });
    } catch (err) {
      next(err);
    }
  };
  r.get('/dashboard/items/:packId/:itemId', instructor, preview);
  r.post('/dashboard/items/:packId/:itemId', form, instructor, preview);

  return r;
}
