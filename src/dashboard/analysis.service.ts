import type pg from 'pg';
import { boundDifficulty } from '../engine/index.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import type { Item } from '../content/content.schema.js';
import { systemClock, type Clock } from '../clock.js';
import type { Actor } from '../lti/actor.js';
import { itemStats, type Assignment } from '../practice/practice.repository.js';
import { choiceCounts, itemAggregates } from './analysis.repository.js';
import { analyseItems, sortAnalyses, type ItemAggregate, type ItemAnalysis, type ItemMeta, type SortDir, type SortKey } from './item-stats.js';

/** How long a course's sums are reused: statistics of hundreds of answers move slowly (the page says when). */
export const ANALYSIS_CACHE_MS = 30_000;
const CACHE_SIZE = 500;

interface Sums {
  aggregates: Map<string, ItemAggregate>;
  stats: Map<string, { difficulty: number; answers: number }>;
  /** When they were read (clock ms). */
  at: number;
}

/** The item analysis of one resource link: every item of its skills, with the course's statistics. */
export interface ItemAnalysisView {
  assignment: Assignment | null;
  packId: string | null;
  /** Skill id -> name in the pack (for the item's skill column). */
  skillNames: Map<string, string>;
  /** When the course's answers were summed (clock ms; reused up to ANALYSIS_CACHE_MS). */
  readAt: number;
  rows: ItemAnalysis[];
}

const isChoice = (item: Item): item is Item & { choices: { id: string; correct: boolean }[] } =>
  (item.type === 'single_choice' || item.type === 'multiple_choice') && Array.isArray((item as { choices?: unknown }).choices);

/**
 * Question quality for the instructor (issue 16, item 4). Reads the course's sums from the database
 * (analysis.repository.ts), the tenant's calibrated difficulties (item_stats, written by the answer path)
 * and the pack; the statistics and flags are the pure item-stats.ts. The sums are reused for
 * ANALYSIS_CACHE_MS (one read at a time per course), so a teacher sorting the table does not re-sum.
 * Scoped to the session's tenant and resource link: there is no parameter naming another course.
 */
export class AnalysisService {
  private readonly clock: Clock;
  /** The course's sums per (tenant, link, pack), read at most every ANALYSIS_CACHE_MS by one request. */
  private readonly cache = new Map<string, Promise<Sums>>();

  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  private sums(tenantId: string, a: Assignment, choiceIds: readonly string[]): Promise<Sums> {
    const key = `${tenantId}\u0000${a.resourceLinkId}\u0000${a.packId}`;
    const now = this.clock.now();
    const hit = this.cache.get(key);
    if (hit) {
      const fresh = hit.then((s) => now - s.at < ANALYSIS_CACHE_MS, () => false);
      // Stale: the first request reads again; any other meanwhile waits for that read instead of its own.
      return fresh.then((ok) => {
        if (ok) return hit;
        const current = this.cache.get(key);
        return current && current !== hit ? current : this.read(key, tenantId, a, choiceIds);
      });
    }
    return this.read(key, tenantId, a, choiceIds);
  }

  private read(key: string, tenantId: string, a: Assignment, choiceIds: readonly string[]): Promise<Sums> {
    const at = this.clock.now();
    const p = (async (): Promise<Sums> => {
      const [aggregates, choices, stats] = await Promise.all([
        itemAggregates(this.deps.pool, tenantId, a.resourceLinkId, a.packId),
        choiceCounts(this.deps.pool, tenantId, a.resourceLinkId, a.packId, choiceIds),
        itemStats(this.deps.pool, tenantId, a.packId),
      ]);
      for (const [id, counts] of choices) {
        const agg = aggregates.get(id);
        if (agg) agg.choiceCounts = counts;
      }
      return { aggregates, stats, at };
    })();
    // A failed read is not kept; the oldest entry goes when the cache is full.
    p.catch(() => this.cache.get(key) === p && this.cache.delete(key));
    this.cache.delete(key);
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(key, p);
    return p;
  }

  async items(actor: Actor, sort: { key: SortKey; dir: SortDir } = { key: 'flags', dir: 'desc' }): Promise<ItemAnalysisView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { assignment: null, packId: null, skillNames: new Map(), readAt: this.clock.now(), rows: [] };
    const entry = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const assigned = new Set(a.skills);
    const choiceIds = entry.pack.items.filter(isChoice).map((i) => i.id);
    const { aggregates, stats, at } = await this.sums(actor.tenantId, a, choiceIds);
    // The assignment's items, and any other item of the pack the course has answered (an older setup).
    const items: ItemMeta[] = entry.pack.items
      .filter((i) => i.skills.some((s) => assigned.has(s)) || aggregates.has(i.id))
      .map((i) => {
        const authored = i.difficulty ?? 0;
        const st = stats.get(i.id);
        return {
          id: i.id,
          type: i.type,
          skills: i.skills,
          authoredDifficulty: authored,
          // As the practice loop uses it (calibration.ts): bounded around the authored difficulty.
          calibrated: st ? { difficulty: boundDifficulty(st.difficulty, authored), answers: st.answers } : null,
          ...(isChoice(i) ? { choices: i.choices.map((c) => ({ id: c.id, correct: c.correct })) } : {}),
        };
      });
    return { assignment: a, packId: a.packId, skillNames: entry.skillNames, readAt: at, rows: sortAnalyses(analyseItems(items, aggregates), sort.key, sort.dir) };
  }
}
