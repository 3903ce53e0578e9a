/**
 * The settings of each resource link: what it practises (a pack of the tenant and some of its skills) and
 * how (mastery threshold, target success, points, student choice, per-skill columns). Set by the
 * instructor's setup form, by deep linking (through the launch's custom parameters), cached per process.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Catalog, PackEntry } from '../content/catalog.js';
import type { CoursePack } from '../content/content-admin.repository.js';
import { badRequest, forbidden } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { resourceLinkCustom } from '../lti/links.repository.js';
import { systemClock, type Clock } from '../clock.js';
import { findAssignment, saveAssignment, type Assignment } from './assignment.repository.js';
import { setupSchema, type SetupInput } from './assignment.schema.js';

/** How long an assignment's settings are reused in process before being read again. */
const ASSIGNMENT_CACHE_MS = 5_000;

/** The packs an instructor may assign, and the one the form shows (chosen, current or the default). */
export interface PackChoice {
  packs: CoursePack[];
  chosen: PackEntry;
}

/** The packs a setup form lists (one: its skills only; several: a choice of pack, each with its skills). */
export interface SetupOptions {
  chosen: PackEntry;
  packs: { id: string; title: string; selected: boolean; skills: { id: string; name: string; standards: string[] }[] }[];
}

export class AssignmentService {
  /** Assignments read recently (settings change rarely; a change reaches other processes within seconds). */
  private cache = new Map<string, { assignment: Assignment; at: number }>();
  /** Background refreshes and first loads of assignments in flight, one per assignment. */
  private refreshes = new Map<string, Promise<void>>();
  private loads = new Map<string, Promise<Assignment | null>>();
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; log: Logger; catalog: Catalog; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * The assignment of the actor's resource link. An unconfigured link is bound from the launch's custom
   * parameters `skills=a,b` and `threshold=0.9` when present.
   */
  async get(actor: Actor): Promise<Assignment | null> {
    if (!actor.resourceLinkId) return null;
    const key = `${actor.tenantId}\u0000${actor.resourceLinkId}`;
    const hit = this.cache.get(key);
    if (hit) {
      // Settings change rarely: a stale entry is served while one background read refreshes it, so the
      // students of a class never all wait on the same read when it expires.
      if (this.clock.now() - hit.at >= ASSIGNMENT_CACHE_MS && !this.refreshes.has(key)) {
        const { tenantId, resourceLinkId } = actor;
        const read = findAssignment(this.deps.pool, tenantId, resourceLinkId)
          .then((found) => {
            if (found) this.cache.set(key, { assignment: found, at: this.clock.now() });
            else this.cache.delete(key);
          })
          .catch((err: Error) => this.deps.log.warn({ tenant: tenantId, err: err.message }, 'assignment refresh failed; keeping the last one'))
          .finally(() => this.refreshes.delete(key));
        this.refreshes.set(key, read);
      }
      return hit.assignment;
    }
    let load = this.loads.get(key);
    if (!load) {
      load = this.load({ ...actor, resourceLinkId: actor.resourceLinkId }, key).finally(() => this.loads.delete(key));
      this.loads.set(key, load);
    }
    return load;
  }

  /** Reads an assignment, or binds one from the launch's custom parameters (`skills=`, `threshold=`...). */
  private async load(actor: Actor & { resourceLinkId: string }, key: string): Promise<Assignment | null> {
    const found = await findAssignment(this.deps.pool, actor.tenantId, actor.resourceLinkId);
    if (found) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(key, { assignment: found, at: this.clock.now() });
      return found;
    }
    const { custom, title } = await resourceLinkCustom(this.deps.pool, actor.tenantId, actor.resourceLinkId);
    return custom.skills ? this.bind(actor, custom, title) : null;
  }

  /** Saves the settings deep linking put in the resource link's custom parameters (null: none usable). */
  private async bind(actor: Actor & { resourceLinkId: string }, custom: Record<string, string>, title: string | null): Promise<Assignment | null> {
    const wanted = (custom.skills ?? '').split(/[,\s]+/).filter(Boolean);
    // The pack must be one this course may use (a custom parameter edited in the LMS cannot reach another
    // course's pack); without one, the pack holding the skills.
    const packs = await this.deps.catalog.list(actor.tenantId, actor.contextId ?? null);
    const packId = custom.pack ?? (await this.packOfSkills(actor.tenantId, packs, wanted));
    if (!packId || !packs.some((p) => p.id === packId)) return null;
    const { pack } = await this.deps.catalog.pack(actor.tenantId, packId).catch(() => ({ pack: null }));
    if (!pack) return null;
    const known = new Set(pack.skills.map((s) => s.id));
    const skills = wanted.filter((s) => known.has(s));
    if (!skills.length) return null;
    const threshold = Number(custom.threshold);
    const target = Number(custom.target);
    const flag = (v: string | undefined, def: boolean) => (v === undefined ? def : ['1', 'true', 'yes', 'on'].includes(v.toLowerCase()));
    return saveAssignment(
      this.deps.pool,
      {
        tenantId: actor.tenantId,
        resourceLinkId: actor.resourceLinkId,
        packId: pack.pack.id,
        skills,
        threshold: Number.isFinite(threshold) && threshold >= 0.5 && threshold <= 0.99 ? threshold : 0.95,
        targetSuccess: Number.isFinite(target) && target >= 0.5 && target <= 0.95 ? target : 0.75,
        allowChoice: flag(custom.allow_choice, true),
        points: Number(custom.points) > 0 && Number(custom.points) <= 10000 ? Number(custom.points) : 100,
        perSkillColumns: flag(custom.per_skill, false),
        title,
      },
      null,
    );
  }

  /** The first of `packs` (in listing order) that has every one of `skills`, or undefined. */
  private async packOfSkills(tenantId: string, packs: readonly CoursePack[], skills: readonly string[]): Promise<string | undefined> {
    if (!skills.length) return undefined;
    for (const p of packs) {
      const entry = await this.deps.catalog.pack(tenantId, p.id).catch(() => null);
      if (entry && skills.every((s) => entry.skillNames.has(s))) return p.id;
    }
    return undefined;
  }

  /**
   * The packs a course may use and the one to show or assign: the requested one, else the current
   * assignment's, else the pack holding the chosen skills, else the first listed. A requested pack the
   * course may not use is a 400 (another course's pack reads as unknown). No pack is hard-wired.
   */
  async packChoice(tenantId: string, requested?: string, current?: string, opts: { courseId?: string | null; skills?: readonly string[] } = {}): Promise<PackChoice> {
    const packs = await this.deps.catalog.list(tenantId, opts.courseId ?? null);
    if (requested !== undefined && !packs.some((p) => p.id === requested)) throw badRequest(`Unknown pack: ${requested}.`);
    // The current pack stays usable even when this page does not know the course (e.g. a shared link).
    if (current !== undefined && !packs.some((p) => p.id === current)) {
      const all = await this.deps.catalog.list(tenantId, null);
      if (!all.some((p) => p.id === current)) current = undefined;
    }
    if (requested === undefined && current !== undefined && opts.skills?.length) {
      const entry = await this.deps.catalog.pack(tenantId, current).catch(() => null);
      if (!entry || !opts.skills.every((s) => entry.skillNames.has(s))) current = undefined;
    }
    const id = requested ?? current ?? (opts.skills ? await this.packOfSkills(tenantId, packs, opts.skills) : undefined) ?? packs[0]?.id;
    if (id === undefined) throw badRequest('There is no content pack to practise yet: upload one on the Content page.');
    const chosen = await this.deps.catalog.pack(tenantId, id);
    return { packs, chosen };
  }

  /**
   * What a setup form offers: every pack the course may use with its skills, and the one selected. Without
   * `courseId` only the tenant-wide and shared packs (and the current one) are offered, never a course's own.
   */
  async setupOptions(tenantId: string, current?: string, courseId: string | null = null): Promise<SetupOptions> {
    const { packs, chosen } = await this.packChoice(tenantId, undefined, current, { courseId });
    const entries = await Promise.all(packs.map((p) => (p.id === chosen.pack.pack.id ? chosen : this.deps.catalog.pack(tenantId, p.id))));
    if (!entries.includes(chosen)) entries.unshift(chosen);
    return {
      chosen,
      packs: entries.map((e) => ({
        id: e.pack.pack.id, title: e.pack.pack.title, selected: e === chosen,
        skills: e.pack.skills.map((s) => ({ id: s.id, name: s.name, standards: s.standards ?? [] })),
      })),
    };
  }

  /** Checks the skills of a setup against the pack they come from (400 naming the unknown ones). */
  checkSkills(entry: PackEntry, skills: readonly string[]): void {
    const unknown = skills.filter((s) => !entry.skillNames.has(s));
    if (unknown.length) throw badRequest(`Unknown skill(s): ${unknown.join(', ')}.`);
  }

  /** Instructors: creates or changes the assignment of their resource link. */
  async configure(actor: Actor, body: SetupInput | unknown): Promise<Assignment> {
    if (!actor.roles.includes('instructor') && !actor.roles.includes('admin')) throw forbidden('Only instructors can set up this activity.');
    if (!actor.resourceLinkId) throw badRequest('This launch has no resource link to set up.');
    const parsed = setupSchema.safeParse(body ?? {});
    if (!parsed.success) throw badRequest(parsed.error.issues.map((i) => i.message).join(' '));
    const input: SetupInput = parsed.data;
    const current = input.pack === undefined ? (await this.get(actor))?.packId : undefined;
    const { chosen } = await this.packChoice(actor.tenantId, input.pack, current, { courseId: actor.contextId ?? null, skills: input.skills });
    this.checkSkills(chosen, input.skills);
    const { title } = await resourceLinkCustom(this.deps.pool, actor.tenantId, actor.resourceLinkId);
    this.cache.delete(`${actor.tenantId}\u0000${actor.resourceLinkId}`);
    return saveAssignment(
      this.deps.pool,
      {
        tenantId: actor.tenantId,
        resourceLinkId: actor.resourceLinkId,
        packId: chosen.pack.pack.id,
        skills: [...new Set(input.skills)],
        threshold: input.threshold,
        targetSuccess: input.target,
        allowChoice: input.allow_choice,
        points: input.points,
        perSkillColumns: input.per_skill,
        title: title ?? actor.resourceLinkTitle ?? null,
      },
      actor.userId,
    );
  }
}
