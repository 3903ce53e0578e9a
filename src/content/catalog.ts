/**
 * The content packs of each tenant as the practice loop and the instructor faces use them: parsed,
 * indexed and cached per process, with the tenant's learner model. The demo pack is seeded only when a
 * tenant has no packs or asks for the demo it lacks (not on every first load of a process).
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import { defaultLearnerModel, prepareBank, type LearnerModel, type PreparedBank } from '../engine/index.js';
import { loadActiveModel } from '../practice/model.service.js';
import { AppError } from '../http/errors.js';
import { systemClock, type Clock } from '../clock.js';
import { loadPack, packStamp } from './content.repository.js';
import { ensureBuiltIn, packHash } from './builtin-upgrade.js';
import { coursePacks, type CoursePack } from './content-admin.repository.js';
import { BUILT_IN_PACKS, loadBuiltInPacks } from './content.files.js';
import type { Item, Pack, Skill } from './content.schema.js';
import { instantiate, isTemplate } from './templates.js';

/**
 * The id of the first built-in pack every tenant is seeded with. Nothing chooses it by default any more:
 * a setup names its pack, or the pack is found from its skills (assignment.service.ts).
 */
export const DEMO_PACK_ID = BUILT_IN_PACKS[0];

/** One tenant's pack, parsed and indexed. */
export interface PackEntry {
  pack: Pack;
  /** The learner model of this tenant's pack: its active refit (model.service.ts) or the shipped one. */
  model: LearnerModel;
  modelVersion: number;
  items: Map<string, Item>;
  bank: PreparedBank;
  skillNames: Map<string, string>;
  /** The pack's skills by id (names in every language the pack carries). */
  skills: Map<string, Skill>;
  /** When this entry was last checked against the database, and the import it was built from. */
  at: number;
  stamp: string | null;
  /** A check in progress (requests keep using this entry meanwhile). */
  checking?: Promise<void>;
  /** Rendered views of items (per item, seed and purpose), valid as long as this pack entry. */
  rendered: Map<string, unknown>;
}

/** How often a cached content pack is checked for a re-import and new model parameters. */
const PACK_CHECK_MS = 60_000;

export class Catalog {
  private packs = new Map<string, PackEntry>();
  private seededTenants = new Set<string>();
  private builtIn: Promise<{ pack: Pack; hash: string }[]> | undefined;
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; log: Logger; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  /**
   * Gives a tenant the built-in packs (the demo pack Fractions, and Linear equations): each one it lacks is
   * seeded, and a copy still as shipped is upgraded to the shipped version (builtin-upgrade.ts). Once per
   * process per tenant.
   */
  async seedDemo(tenantId: string): Promise<void> {
    if (this.seededTenants.has(tenantId)) return;
    this.builtIn ??= loadBuiltInPacks().then((packs) => packs.map((pack) => ({ pack, hash: packHash(pack) })));
    for (const { pack, hash } of await this.builtIn) {
      if ((await ensureBuiltIn(this.deps.pool, this.deps.log, tenantId, pack, hash)) === 'upgraded') this.forget(tenantId, pack.pack.id);
    }
    this.seededTenants.add(tenantId);
  }

  /**
   * The packs a course may use (the built-in packs are seeded first when the tenant lacks one): the
   * tenant-wide ones, the ones an admin shared, and the course's own; `courseId` null: no course's own.
   */
  async list(tenantId: string, courseId: string | null = null): Promise<CoursePack[]> {
    if (!this.seededTenants.has(tenantId)) await this.seedDemo(tenantId);
    return coursePacks(this.deps.pool, tenantId, courseId);
  }

  /** Drops this process's copy of a pack after it was changed here (other processes notice within a minute). */
  forget(tenantId: string, packId: string): void {
    this.packs.delete(`${tenantId}\u0000${packId}`);
  }

  /**
   * A pack, parsed and indexed, cached per tenant. Every minute the entry is checked in the background
   * (requests never wait for it): a re-imported pack is loaded anew, otherwise only the fitted model
   * parameters are read again, and the rendered items are kept.
   */
  async pack(tenantId: string, packId: string): Promise<PackEntry> {
    const key = `${tenantId}\u0000${packId}`;
    const hit = this.packs.get(key);
    if (hit) {
      if (this.clock.now() - hit.at >= PACK_CHECK_MS && !hit.checking) {
        hit.checking = this.check(key, tenantId, packId, hit)
          .catch((err: Error) => this.deps.log.warn({ tenant: tenantId, pack: packId, err: err.message }, 'content pack check failed; keeping the loaded one'))
          .finally(() => {
            hit.checking = undefined;
          });
      }
      return hit;
    }
    const entry = await this.load(tenantId, packId);
    this.packs.set(key, entry);
    return entry;
  }

  /** The concrete item on screen (a template is instantiated with its seed). */
  concrete(entry: PackEntry, itemId: string, seed: number): Item {
    const item = entry.items.get(itemId);
    if (!item) throw new AppError('item_missing', 404, 'This question is no longer available.');
    return isTemplate(item) ? instantiate(item, seed).item : item;
  }

  private async check(key: string, tenantId: string, packId: string, hit: PackEntry): Promise<void> {
    const stamp = await packStamp(this.deps.pool, tenantId, packId);
    if (stamp !== null && stamp === hit.stamp) {
      const active = await loadActiveModel(this.deps.pool, tenantId, packId);
      hit.model = active?.model ?? defaultLearnerModel();
      hit.modelVersion = active?.version ?? 0;
      hit.at = this.clock.now();
      return;
    }
    if (stamp === null) {
      this.packs.delete(key);
      return;
    }
    this.packs.set(key, await this.load(tenantId, packId));
  }

  private async load(tenantId: string, packId: string): Promise<PackEntry> {
    let stamp = await packStamp(this.deps.pool, tenantId, packId);
    if (stamp === null && (BUILT_IN_PACKS as readonly string[]).includes(packId)) {
      await this.seedDemo(tenantId);
      stamp = await packStamp(this.deps.pool, tenantId, packId);
    }
    const pack = await loadPack(this.deps.pool, tenantId, packId);
    if (!pack) throw new AppError('pack_missing', 404, 'The content of this activity is no longer available. Ask your teacher to set it up again.');
    const items = new Map(pack.items.map((i) => [i.id, i]));
    const bank = prepareBank({
      items: pack.items.map((i) => ({ id: i.id, skills: i.skills, difficulty: i.difficulty ?? 0 })),
      skills: pack.skills.map((s) => ({ id: s.id, prerequisites: s.prerequisites })),
    });
    const active = await loadActiveModel(this.deps.pool, tenantId, packId);
    return { pack, model: active?.model ?? defaultLearnerModel(), modelVersion: active?.version ?? 0, items, bank, skillNames: new Map(pack.skills.map((s) => [s.id, s.name])), skills: new Map(pack.skills.map((s) => [s.id, s])), at: this.clock.now(), stamp, rendered: new Map() };
  }
}
