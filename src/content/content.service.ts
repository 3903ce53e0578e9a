/**
 * The instructor's content use cases (issue 15): upload -> preview -> confirm, a course's packs (rename,
 * delete, replace with a new version), skills (merge, rename, order, prerequisites) and one question's
 * edit. Every use case is scoped to the actor's tenant and course: a course's staff see the tenant-wide and
 * shared packs and their course's own, and manage only their course's own.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Logger } from 'pino';
import { withTransaction } from '../db/index.js';
import { AppError, badRequest, conflict, forbidden, notFound } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { assignmentsOfPack, renameAssignmentSkills } from '../assignments/assignment.repository.js';
import type { Catalog } from './catalog.js';
import { deletePack, loadPack, savePack } from './content.repository.js';
import {
  coursePacks, dropUpload, findUpload, packExists, packOwner, renamePack, saveAssets, setPackCourse, stageUpload, type CoursePack, type StagedUpload,
} from './content-admin.repository.js';
import type { Item, Pack } from './content.schema.js';
import { importContent, ImportRefused, LIMITS, type ImportResult } from './importers/index.js';
import { slug } from './importers/build.js';
import { addPrerequisite, diffPacks, editItem, mergeSkills, moveSkill, removePrerequisite, renameSkill, type ItemEdit, type PackDiff } from './pack-edit.js';

/** How long an upload waits for its confirmation. */
export const UPLOAD_TTL_MINUTES = 60;

/** A course pack with what this actor may do with it. */
export interface PackView extends CoursePack {
  /** The actor's course owns it: rename, replace, delete, edit skills and questions. */
  manageable: boolean;
  /** Resource links practising it. */
  usedBy: { resourceLinkId: string; title: string | null }[];
}

/** A parsed upload as the preview shows it. */
export interface UploadPreview {
  upload: { id: string; fileName: string; replaces: string | null };
  /** Parsed with "import the valid ones" so every valid question can be shown. */
  result: ImportResult;
  /** Against the stored version, when the upload replaces a pack. */
  diff: PackDiff | null;
  /** Resource links that practise a skill the new version lacks (the replacement is refused). */
  blockedBy: string[];
}

export class ContentService {
  /** The last few uploads' parses (by upload id), for paging through a big preview without parsing again. */
  private readonly parsed = new Map<string, ImportResult>();

  constructor(private readonly deps: { pool: pg.Pool; log: Logger; catalog: Catalog }) {}

  /** The course of the actor (content pages are per course). */
  course(actor: Actor): string {
    if (!actor.contextId) throw said(forbidden('Open this page from a course of your LMS: content belongs to a course.'), 'no_course');
    return actor.contextId;
  }

  /** The packs this course may use, each with what the actor may do with it. */
  async packs(actor: Actor): Promise<PackView[]> {
    const course = this.course(actor);
    await this.deps.catalog.list(actor.tenantId, course);
    const packs = await coursePacks(this.deps.pool, actor.tenantId, course);
    return Promise.all(
      packs.map(async (p) => ({
        ...p,
        manageable: p.courseId === course,
        usedBy: (await assignmentsOfPack(this.deps.pool, actor.tenantId, p.id)).map(({ resourceLinkId, title }) => ({ resourceLinkId, title })),
      })),
    );
  }

  /** A pack the course may see (404 for another course's: it is not there for them). */
  async visible(actor: Actor, packId: string): Promise<{ courseId: string | null; shared: boolean }> {
    const course = this.course(actor);
    const owner = await packOwner(this.deps.pool, actor.tenantId, packId);
    if (!owner || (owner.courseId !== null && owner.courseId !== course && !owner.shared)) throw notFound('This content pack');
    return owner;
  }

  /** Whether the actor's course owns the pack. */
  async canManage(actor: Actor, packId: string): Promise<boolean> {
    const owner = await this.visible(actor, packId);
    return owner.courseId === this.course(actor);
  }

  /** A pack the actor's course owns (404 when invisible, 403 for a tenant-wide or another course's shared pack). */
  async manageable(actor: Actor, packId: string): Promise<Pack> {
    if (!(await this.canManage(actor, packId))) throw said(forbidden('This pack is shared with your course: only the course that uploaded it can change it.'), 'not_yours');
    const pack = await loadPack(this.deps.pool, actor.tenantId, packId);
    if (!pack) throw notFound('This content pack');
    return pack;
  }

  /**
   * Keeps an upload for its preview. A file refused as a whole (too large, unknown format, a zip bomb, unsafe
   * XML) is refused here with the importer's message and never kept.
   */
  async stage(actor: Actor, fileName: string, bytes: Uint8Array, replaces: string | null): Promise<string> {
    const course = this.course(actor);
    if (replaces) await this.manageable(actor, replaces);
    const name = fileName.replace(/^.*[\\/]/, '').slice(0, 200) || 'upload';
    if (bytes.length === 0) throw badRequest('Choose a file to upload.');
    parse(name, bytes, { partial: true });
    const id = randomBytes(24).toString('base64url');
    await stageUpload(this.deps.pool, { tenantId: actor.tenantId, id, userId: actor.userId, courseId: course, fileName: name, bytes, replaces, ttlMinutes: UPLOAD_TTL_MINUTES });
    return id;
  }

  private async upload(actor: Actor, id: string): Promise<StagedUpload> {
    const u = await findUpload(this.deps.pool, actor.tenantId, id, actor.userId, this.course(actor));
    if (!u) throw said(new AppError('upload_gone', 410, 'This upload is no longer waiting (it expired after an hour, or was already imported). Upload the file again.'), 'upload_gone');
    return u;
  }

  /** The preview of a kept upload: every valid question, the problems per question, the change to a replaced pack. */
  async preview(actor: Actor, id: string): Promise<UploadPreview> {
    const u = await this.upload(actor, id);
    // An upload never changes under its id: its parse is kept for the next pages of its preview.
    let result = this.parsed.get(id);
    if (!result) {
      result = parse(u.fileName, u.bytes, { partial: true });
      if (this.parsed.size >= 4) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(id, result);
    }
    let diff: PackDiff | null = null;
    let blockedBy: string[] = [];
    if (u.replaces && result.pack) {
      const before = await this.manageable(actor, u.replaces);
      diff = diffPacks(before, { ...result.pack, pack: before.pack });
      blockedBy = await this.blockers(actor.tenantId, u.replaces, diff.removedSkills);
    }
    return { upload: { id: u.id, fileName: u.fileName, replaces: u.replaces }, result, diff, blockedBy };
  }

  private async blockers(tenantId: string, packId: string, removedSkills: readonly string[]): Promise<string[]> {
    if (!removedSkills.length) return [];
    const gone = new Set(removedSkills);
    return (await assignmentsOfPack(this.deps.pool, tenantId, packId)).filter((a) => a.skills.some((s) => gone.has(s))).map((a) => a.title ?? a.resourceLinkId);
  }

  /**
   * Imports a kept upload: `all` refuses it when any question has an error; `valid` imports the valid ones.
   * A replacement keeps the pack's id, title and course, so students keep their progress on every question
   * and skill whose id stays. Nothing is stored before this call; everything is stored in one transaction.
   */
  async confirm(actor: Actor, id: string, mode: 'all' | 'valid'): Promise<{ packId: string; imported: number; skipped: number; diff: PackDiff | null }> {
    const course = this.course(actor);
    const u = await this.upload(actor, id);
    const result = parse(u.fileName, u.bytes, { partial: mode === 'valid' });
    if (!result.pack) {
      throw mode === 'all' && result.errors > 0
        ? said(new AppError('import_invalid', 422, `Nothing was imported: ${result.errors} problem(s) were found. Fix them in the file, or import only the valid questions.`), 'nothing_imported_errors', { n: result.errors })
        : said(new AppError('import_invalid', 422, 'Nothing was imported: the file has no question that can be imported.'), 'nothing_imported');
    }
    let pack: Pack = result.pack;
    let diff: PackDiff | null = null;
    if (u.replaces) {
      const before = await this.manageable(actor, u.replaces);
      pack = { ...pack, pack: { ...pack.pack, id: before.pack.id, title: before.pack.title, version: nextVersion(before.pack.version) } };
      diff = diffPacks(before, pack);
      const blocked = await this.blockers(actor.tenantId, before.pack.id, diff.removedSkills);
      if (blocked.length) {
        throw said(conflict(`The new version lacks skill(s) ${diff.removedSkills.join(', ')} that ${blocked.join(', ')} practise(s). Keep those skills in the file, or change those activities first.`), 'replace_blocked', { skills: diff.removedSkills.join(', '), list: blocked.join(', ') });
      }
    } else {
      // A title from the file name without its extension (the teacher renames it on the Content page).
      const title = pack.pack.title === u.fileName ? u.fileName.replace(/\.[A-Za-z0-9]{1,5}$/, '') || u.fileName : pack.pack.title;
      pack = { ...pack, pack: { ...pack.pack, title, id: await this.freshPackId(actor.tenantId, pack.pack.id) } };
    }
    await withTransaction(this.deps.pool, async (tx) => {
      await savePack(tx, actor.tenantId, pack);
      if (!u.replaces) await setPackCourse(tx, actor.tenantId, pack.pack.id, course);
      await saveAssets(tx, actor.tenantId, result.assets);
      await dropUpload(tx, actor.tenantId, u.id, actor.userId);
    });
    this.parsed.delete(id);
    this.deps.catalog.forget(actor.tenantId, pack.pack.id);
    this.deps.log.info({ tenant: actor.tenantId, pack: pack.pack.id, items: pack.items.length, replaced: Boolean(u.replaces) }, 'content pack imported from the dashboard');
    return { packId: pack.pack.id, imported: result.imported, skipped: result.skipped, diff };
  }

  /** Cancels a kept upload. */
  async cancel(actor: Actor, id: string): Promise<void> {
    this.parsed.delete(id);
    await dropUpload(this.deps.pool, actor.tenantId, id, actor.userId);
  }

  /** A pack id no pack of the tenant has: the file's slug with a random suffix (ids are unique per tenant). */
  private async freshPackId(tenantId: string, base: string): Promise<string> {
    const stem = (slug(base, 60) || 'pack').replace(/^[^a-z0-9]+/, '') || 'pack';
    for (;;) {
      const id = `${stem}-${randomBytes(3).toString('hex')}`;
      if (!(await packExists(this.deps.pool, tenantId, id))) return id;
    }
  }

  async rename(actor: Actor, packId: string, title: string): Promise<void> {
    await this.manageable(actor, packId);
    await renamePack(this.deps.pool, actor.tenantId, packId, title);
    this.deps.catalog.forget(actor.tenantId, packId);
  }

  /** Deletes a pack of the course, refused while an activity practises it. */
  async remove(actor: Actor, packId: string): Promise<void> {
    const pack = await this.manageable(actor, packId);
    const used = await assignmentsOfPack(this.deps.pool, actor.tenantId, packId);
    if (used.length) {
      const list = used.map((a) => a.title ?? a.resourceLinkId).join(', ');
      throw said(conflict(`"${pack.pack.title}" cannot be deleted: ${list} practise(s) it. Choose another pack for those activities first.`), 'in_use', { title: pack.pack.title, list });
    }
    await deletePack(this.deps.pool, actor.tenantId, packId);
    this.deps.catalog.forget(actor.tenantId, packId);
  }

  /** Skills: one change of the pack's skills, saved with the merged skills' assignments updated. */
  async changeSkills(actor: Actor, packId: string, change: SkillChange): Promise<Pack> {
    const pack = await this.manageable(actor, packId);
    let next: Pack;
    const merged = new Map<string, string>();
    switch (change.op) {
      case 'rename':
        next = renameSkill(pack, change.skill, change.name);
        break;
      case 'merge':
        next = mergeSkills(pack, change.into, change.from);
        for (const f of change.from) if (f !== change.into) merged.set(f, change.into);
        break;
      case 'up':
      case 'down':
        next = moveSkill(pack, change.skill, change.op);
        break;
      case 'needs':
        next = addPrerequisite(pack, change.skill, change.needs);
        break;
      case 'unneed':
        next = removePrerequisite(pack, change.skill, change.needs);
        break;
    }
    await withTransaction(this.deps.pool, async (tx) => {
      await savePack(tx, actor.tenantId, next);
      await renameAssignmentSkills(tx, actor.tenantId, packId, merged);
    });
    this.deps.catalog.forget(actor.tenantId, packId);
    return next;
  }

  /** Edits one question of a course pack (validated like an import). */
  async editItem(actor: Actor, packId: string, itemId: string, edit: ItemEdit): Promise<Item> {
    const pack = await this.manageable(actor, packId);
    const { pack: next, item } = editItem(pack, itemId, edit);
    await withTransaction(this.deps.pool, (tx) => savePack(tx, actor.tenantId, next));
    this.deps.catalog.forget(actor.tenantId, packId);
    return item;
  }
}

/** One change of a pack's skills. */
export type SkillChange =
  | { op: 'rename'; skill: string; name: string }
  | { op: 'merge'; into: string; from: string[] }
  | { op: 'up' | 'down'; skill: string }
  | { op: 'needs' | 'unneed'; skill: string; needs: string };

/** `2` after `1`, `1.3` after `1.2`, else `<version>.1`. */
export function nextVersion(v: string): string {
  const m = /^(.*?)(\d+)$/.exec(v);
  return m ? `${m[1]}${Number(m[2]) + 1}` : `${v}.1`;
}

/** Runs the importers, turning a refusal of the whole file into an HTTP error with the importer's words. */
function parse(name: string, bytes: Uint8Array, options: { partial: boolean }): ImportResult {
  if (bytes.length > LIMITS.maxUploadBytes) throw tooLarge(bytes.length);
  try {
    return importContent(name, bytes, options);
  } catch (err) {
    if (err instanceof ImportRefused) throw new AppError('import_refused', 422, err.message);
    throw err;
  }
}

/** The message of an upload over the limit. */
export function tooLarge(size: number): AppError {
  const mb = LIMITS.maxUploadBytes / 1024 / 1024;
  return said(new AppError('upload_too_large', 413, `The file is larger than ${mb} MB${size ? ` (${(size / 1024 / 1024).toFixed(1)} MB)` : ''}. Split the question bank into smaller exports, or zip it.`), 'too_large', { mb });
}

/** An error whose message the pages show in the reader's language: `content.errors.<key>` with `params`. */
export function said(err: AppError, key: string, params: Record<string, string | number> = {}): AppError {
  return new AppError(err.code, err.status, err.message, { i18n: `content.errors.${key}`, params });
}

/** The message of an error in the reader's language when it has a translation key, else as it is. */
export function messageOf(err: AppError, t: (key: string, params?: Record<string, unknown>) => string): string {
  const d = err.details as { i18n?: string; params?: Record<string, unknown> } | undefined;
  return d?.i18n ? t(d.i18n, d.params ?? {}) : err.message;
}
