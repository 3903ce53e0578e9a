/**
 * The instructor's Content pages (issue 15), inside the LMS iframe: upload a question bank (Moodle XML,
 * GIFT, QTI, a Canvas export, our YAML), preview every question with its answer and the problems found,
 * confirm; rename, replace, delete the course's packs; merge, rename, order and link their skills; edit one
 * question. Pages move by POST forms carrying the session token in `ltik`. Also serves the images of
 * imported questions (/content/assets/:sha.:ext) and, for the preview only, of a kept upload.
 */
import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { languageOf, translator } from '../i18n/index.js';
import { AppError, notFound } from '../http/errors.js';
import { validate } from '../http/validate.js';
import type { Actor } from '../lti/actor.js';
import type { SessionTokens } from '../lti/session.js';
import { actorOf, requireSession } from '../lti/session.middleware.js';
import { renderAnswer, renderHint, renderItemForStudent } from './content.presenter.js';
import { ASSET_TYPES, findAsset, uploadById } from './content-admin.repository.js';
import type { Item } from './content.schema.js';
import { ContentService, messageOf, tooLarge, type SkillChange } from './content.service.js';
import { importContent, LIMITS, formatImportIssue, type ImportAsset } from './importers/index.js';
import { ASSET_URL_PREFIX } from './importers/assets.js';
import { instantiate, TemplateError } from './templates.js';
import { multipartUpload, uploadedForm } from './upload.middleware.js';
import type pg from 'pg';

const KATEX_CSS = '/static/katex/katex.min.css';
/** Questions per preview page. */
export const PREVIEW_PAGE = 20;

const idParam = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/);
const uploadId = z.string().regex(/^[A-Za-z0-9_-]{20,64}$/, 'This upload is not known.');

/** One question of an upload or pack, rendered as the student sees it and with its answer. */
export function questionView(item: Item, locale: string, mapUrl: (url: string) => string = (u) => u) {
  const shown: Item = item.media.length ? { ...item, media: item.media.map((m) => ({ ...m, url: mapUrl(m.url) })) } : item;
  try {
    const source = shown.template !== undefined ? instantiate(shown, 1) : shown;
    const student = renderItemForStudent(source, { seed: 1, locale });
    return {
      id: item.id, type: item.type, skills: item.skills, template: item.template !== undefined, error: '',
      student, hints: Array.from({ length: student.hintCount }, (_, i) => renderHint(source, i, { seed: 1, locale }) ?? ''), answer: renderAnswer(source, { seed: 1, locale }),
    };
  } catch (err) {
    if (!(err instanceof TemplateError)) throw err;
    return { id: item.id, type: item.type, skills: item.skills, template: true, error: err.message, student: null, hints: [], answer: null };
  }
}

/** Assets of recently previewed uploads (a miss re-parses the kept upload). */
const previewAssets = new Map<string, Map<string, ImportAsset>>();
function rememberAssets(id: string, assets: readonly ImportAsset[]): void {
  if (previewAssets.size >= 16) previewAssets.delete(previewAssets.keys().next().value!);
  previewAssets.set(id, new Map(assets.map((a) => [`${a.sha256}.${a.ext}`, a])));
}

/** Sends an image with the headers every served file of ours gets. */
function sendImage(res: Response, mime: string, bytes: Uint8Array, cache: string): void {
  res.setHeader('Content-Type', mime);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Content-Security-Policy', "default-src 'none'; sandbox");
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', cache);
  res.setHeader('Content-Disposition', 'inline');
  res.send(Buffer.from(bytes));
}

export function contentRoutes(deps: { pool: pg.Pool; sessions: SessionTokens; content: ContentService }): Router {
  const r = express.Router();
  const staff = requireSession(deps.sessions, 'instructor', 'admin');
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 400 });
  const content = deps.content;

  const common = (res: Response, title: string) => {
    const actor = actorOf(res);
    const t = translator(actor.locale);
    return { t, lang: languageOf(actor.locale), ltik: res.locals.ltik as string, actor, title: t(title), extraCss: [KATEX_CSS] };
  };

  /** The Content page: the course's packs and the upload form, with a notice or an error. */
  const index = async (res: Response, msg: { notice?: string; error?: string } = {}, status = 200) => {
    const actor = actorOf(res);
    const packs = await content.packs(actor);
    res.status(status).render('content/index', {
      ...common(res, 'content.title'),
      packs, notice: msg.notice ?? '', error: msg.error ?? '', maxMb: LIMITS.maxUploadBytes / 1024 / 1024,
    });
  };
  /** Shows an AppError of a use case on the page it came from, anything else goes to the error handler. */
  const shown = (fn: (req: Request, res: Response) => Promise<void>, onError: (res: Response, err: AppError) => Promise<void>) =>
    async (req: Request, res: Response) => {
      try {
        await fn(req, res);
      } catch (err) {
        if (err instanceof AppError && err.status < 500 && err.status !== 401 && res.locals.actor) await onError(res, err);
        else throw err;
      }
    };
  const onIndex = (res: Response, err: AppError) => index(res, { error: messageOf(err, translator(actorOf(res).locale)) }, err.status);

  r.get('/dashboard/content', staff, async (_req, res) => index(res));
  r.post('/dashboard/content', form, staff, async (_req, res) => index(res));

  // Upload: multipart, streamed with the size limit; the session field comes first in the form.
  r.post('/dashboard/content/upload', multipartUpload({ maxFileBytes: LIMITS.maxUploadBytes, verify: (token) => deps.sessions.verify(token) }), staff, shown(async (_req, res) => {
    const actor = actorOf(res);
    const up = uploadedForm(res);
    if (up.tooLarge !== null) throw tooLarge(up.tooLarge);
    const replaces = up.fields.replaces ? idParam.parse(up.fields.replaces) : null;
    const id = await content.stage(actor, up.file?.name ?? '', up.file?.bytes ?? Buffer.alloc(0), replaces);
    await previewPage(res, id, 1);
  }, onIndex));

  const previewPage = async (res: Response, id: string, page: number, error = '', status = 200) => {
    const actor = actorOf(res);
    const p = await content.preview(actor, id);
    rememberAssets(id, p.result.assets);
    const items = p.result.pack?.items ?? [];
    const pages = Math.max(1, Math.ceil(items.length / PREVIEW_PAGE));
    const at = Math.min(Math.max(1, page), pages);
    const mapUrl = (url: string) => (url.startsWith(ASSET_URL_PREFIX) ? `/content/uploads/${id}/assets/${url.slice(ASSET_URL_PREFIX.length)}` : url);
    const skillNames = new Map((p.result.pack?.skills ?? []).map((s) => [s.id, s.name]));
    res.status(status).render('content/preview', {
      ...common(res, 'content.preview_title'),
      upload: p.upload, error,
      summary: { format: p.result.format, questions: p.result.questions, valid: p.result.imported, skipped: p.result.skipped, errors: p.result.errors, items: items.length, skills: p.result.pack?.skills.length ?? 0 },
      issues: p.result.issues.map((i) => ({ severity: i.severity, line: formatImportIssue(i) })),
      diff: p.diff, blockedBy: p.blockedBy,
      questions: items.slice((at - 1) * PREVIEW_PAGE, at * PREVIEW_PAGE).map((item) => ({ ...questionView(item, p.result.pack!.pack.locale, mapUrl), skillNames: item.skills.map((s) => skillNames.get(s) ?? s) })),
      page: at, pages, first: (at - 1) * PREVIEW_PAGE + 1,
    });
  };

  const previewForm = validate({ body: z.object({ upload: uploadId, page: z.coerce.number().int().min(1).max(100_000).default(1) }) });
  r.post('/dashboard/content/preview', form, staff, previewForm, shown(async (_req, res) => {
    const { upload, page } = previewForm.input(res).body;
    await previewPage(res, upload, page);
  }, onIndex));

  const confirmForm = validate({ body: z.object({ upload: uploadId, mode: z.enum(['all', 'valid']).default('all') }) });
  r.post('/dashboard/content/confirm', form, staff, confirmForm, async (_req, res) => {
    const { upload, mode } = confirmForm.input(res).body;
    const actor = actorOf(res);
    const t = translator(actor.locale);
    try {
      const done = await content.confirm(actor, upload, mode);
      previewAssets.delete(upload);
      await index(res, { notice: t('content.imported', { imported: done.imported, skipped: done.skipped }) + (done.diff ? ' ' + t('content.replaced', { unchanged: done.diff.unchanged.length, changed: done.diff.changed.length, added: done.diff.added.length, removed: done.diff.removed.length }) : '') });
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      if (err.code === 'upload_gone') await index(res, { error: messageOf(err, t) }, err.status);
      else await previewPage(res, upload, 1, messageOf(err, t), err.status);
    }
  });

  const cancelForm = validate({ body: z.object({ upload: uploadId }) });
  r.post('/dashboard/content/cancel', form, staff, cancelForm, async (_req, res) => {
    await content.cancel(actorOf(res), cancelForm.input(res).body.upload);
    await index(res, { notice: translator(actorOf(res).locale)('content.cancelled') });
  });

  const packParams = z.object({ packId: idParam });
  const renameForm = validate({ params: packParams, body: z.object({ title: z.string().trim().min(1, 'Give the pack a title.').max(200, 'The title is too long (200 characters at most).') }) }, { invalid: (m, _q, res) => index(res, { error: m }, 400) });
  r.post('/dashboard/content/packs/:packId/rename', form, staff, renameForm, shown(async (_req, res) => {
    const { params, body } = renameForm.input(res);
    await content.rename(actorOf(res), params.packId, body.title);
    await index(res, { notice: translator(actorOf(res).locale)('content.renamed', { title: body.title }) });
  }, onIndex));

  const deleteForm = validate({ params: packParams });
  r.post('/dashboard/content/packs/:packId/delete', form, staff, deleteForm, shown(async (_req, res) => {
    await content.remove(actorOf(res), deleteForm.input(res).params.packId);
    await index(res, { notice: translator(actorOf(res).locale)('content.deleted') });
  }, onIndex));

  // Skills of a pack.
  const skillsPage = async (res: Response, packId: string, msg: { notice?: string; error?: string } = {}, status = 200) => {
    const actor = actorOf(res);
    const pack = await content.manageable(actor, packId);
    const names = new Map(pack.skills.map((s) => [s.id, s.name]));
    const counts = new Map<string, number>();
    for (const i of pack.items) for (const s of new Set(i.skills)) counts.set(s, (counts.get(s) ?? 0) + 1);
    res.status(status).render('content/skills', {
      ...common(res, 'content.skills_title'),
      pack: { id: pack.pack.id, title: pack.pack.title },
      skills: pack.skills.map((s) => ({ id: s.id, name: s.name, standards: s.standards, items: counts.get(s.id) ?? 0, prerequisites: s.prerequisites.map((p) => ({ id: p, name: names.get(p) ?? p })) })),
      notice: msg.notice ?? '', error: msg.error ?? '',
    });
  };
  const skillsView = validate({ params: packParams });
  r.post('/dashboard/content/packs/:packId/skills', form, staff, skillsView, shown(async (_req, res) => skillsPage(res, skillsView.input(res).params.packId), onIndex));

  const many = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(idParam).max(500));
  const changeSchema = z.discriminatedUnion('op', [
    z.object({ op: z.literal('rename'), skill: idParam, name: z.string().trim().min(1, 'A skill name needs 1 to 200 characters.').max(200, 'A skill name needs 1 to 200 characters.') }),
    z.object({ op: z.literal('merge'), into: idParam, from: many }),
    z.object({ op: z.enum(['up', 'down']), skill: idParam }),
    z.object({ op: z.enum(['needs', 'unneed']), skill: idParam, needs: idParam }),
  ]);
  const changeForm = validate({ params: packParams, body: changeSchema }, { invalid: (m, req, res) => skillsPage(res, String(req.params.packId), { error: m }, 400) });
  r.post('/dashboard/content/packs/:packId/skills/change', form, staff, changeForm, async (_req, res) => {
    const { params, body } = changeForm.input(res);
    const t = translator(actorOf(res).locale);
    try {
      await content.changeSkills(actorOf(res), params.packId, body as SkillChange);
      await skillsPage(res, params.packId, { notice: t('content.skills_saved') });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'edit_refused') throw err;
      await skillsPage(res, params.packId, { error: err.message }, 422);
    }
  });

  // One question's edit form (opened from its preview page).
  const itemParams = z.object({ packId: idParam, itemId: idParam });
  const editPage = async (res: Response, packId: string, itemId: string, error = '', status = 200, draft?: Record<string, unknown>) => {
    const actor = actorOf(res);
    const pack = await content.manageable(actor, packId);
    const item = pack.items.find((i) => i.id === itemId);
    if (!item) throw notFound('This question');
    res.status(status).render('content/edit-item', { ...common(res, 'content.edit_title'), pack: { id: pack.pack.id, title: pack.pack.title }, item, error, draft: draft ?? null });
  };
  const editView = validate({ params: itemParams });
  r.post('/dashboard/items/:packId/:itemId/edit', form, staff, editView, async (_req, res) => {
    const { packId, itemId } = editView.input(res).params;
    await editPage(res, packId, itemId);
  });

  const lines = (v: unknown) => (typeof v === 'string' ? v.split(/\r?\n\s*---\s*\r?\n/).map((s) => s.trim()).filter(Boolean) : undefined);
  const text = z.string().max(20_000).optional();
  const editSchema = z.object({
    stem: text, hints: text, solution: text, feedback_correct: text, feedback_incorrect: text, answer: z.string().max(2000).optional(), answers: text,
    choice_id: many, choice_text: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(20_000)).max(500)),
    choice_feedback: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(20_000)).max(500)),
    correct: many, entry_id: many, entry_text: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().max(20_000)).max(500)),
  });
  const saveForm = validate({ params: itemParams, body: editSchema }, { invalid: (m, req, res) => editPage(res, String(req.params.packId), String(req.params.itemId), m, 400) });
  r.post('/dashboard/items/:packId/:itemId/save', form, staff, saveForm, async (_req, res) => {
    const { params, body } = saveForm.input(res);
    const actor = actorOf(res);
    try {
      await content.editItem(actor, params.packId, params.itemId, {
        stem: body.stem,
        hints: body.hints === undefined ? undefined : (lines(body.hints) ?? []),
        solution: body.solution,
        feedbackCorrect: body.feedback_correct,
        feedbackIncorrect: body.feedback_incorrect,
        answer: body.answer,
        answers: body.answers === undefined ? undefined : body.answers.split(/\r?\n/),
        choices: body.choice_id.length ? body.choice_id.map((id, k) => ({ id, text: body.choice_text[k] ?? '', feedback: body.choice_feedback[k] ?? '', correct: body.correct.includes(id) })) : undefined,
        entries: body.entry_id.length ? body.entry_id.map((id, k) => ({ id, text: body.entry_text[k] ?? '' })) : undefined,
      });
      await editPage(res, params.packId, params.itemId, '', 200, { saved: true });
    } catch (err) {
      if (!(err instanceof AppError) || err.code !== 'edit_refused') throw err;
      await editPage(res, params.packId, params.itemId, err.message, 422, { values: body });
    }
  });

  // Images of imported questions: content-addressed, immutable, allow-listed types only.
  r.get('/content/assets/:name', async (req, res) => {
    const m = /^([0-9a-f]{64})\.([a-z0-9]{1,5})$/.exec(String(req.params.name));
    const mime = m ? ASSET_TYPES[m[2]!] : undefined;
    if (!m || !mime) throw new AppError('asset_type', 415, 'Only PNG, JPEG, GIF and WebP images are served.');
    const asset = await findAsset(deps.pool, m[1]!);
    if (!asset || asset.mime !== mime) throw notFound('This image');
    sendImage(res, asset.mime, asset.bytes, 'public, max-age=31536000, immutable');
  });

  // The images of a kept upload, for its preview only (the upload id is an unguessable capability).
  r.get('/content/uploads/:upload/assets/:name', async (req, res) => {
    const id = uploadId.safeParse(req.params.upload);
    const m = /^([0-9a-f]{64})\.([a-z0-9]{1,5})$/.exec(String(req.params.name));
    if (!id.success || !m || !ASSET_TYPES[m[2]!]) throw notFound('This image');
    let assets = previewAssets.get(id.data);
    if (!assets) {
      const u = await uploadById(deps.pool, id.data);
      if (!u) throw notFound('This image');
      rememberAssets(id.data, importContent(u.fileName, u.bytes, { partial: true }).assets);
      assets = previewAssets.get(id.data)!;
    }
    const a = assets.get(String(req.params.name));
    if (!a) throw notFound('This image');
    sendImage(res, a.mime, a.bytes, 'private, max-age=3600');
  });

  return r;
}

export type { Actor };
