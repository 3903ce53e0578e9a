import type pg from 'pg';
import { boundDifficulty } from '../engine/index.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog } from '../content/catalog.js';
import type { Item } from '../content/content.schema.js';
import type { Actor } from '../lti/actor.js';
import { itemStats, type Assignment } from '../practice/practice.repository.js';
import { choiceCounts, itemAggregates } from './analysis.repository.js';
import { analyseItems, sortAnalyses, type ItemAnalysis, type ItemMeta, type SortDir, type SortKey } from './item-stats.js';

/** The item analysis of one resource link: every item of its skills, with the course's statistics. */
export interface ItemAnalysisView {
  assignment: Assignment | null;
  packId: string | null;
  /** Skill id -> name in the pack (for the item's skill column). */
  skillNames: Map<string, string>;
  rows: ItemAnalysis[];
}

const isChoice = (item: Item): item is Item & { choices: { id: string; correct: boolean }[] } =>
  (item.type === 'single_choice' || item.type === 'multiple_choice') && Array.isArray((item as { choices?: unknown }).choices);

/**
 * Question quality for the instructor (issue 16, item 4). Reads the course's sums from the database
 * (analysis.repository.ts), the tenant's calibrated difficulties (item_stats, written by the answer path)
 * and the pack; the statistics and flags are the pure item-stats.ts. Scoped to the session's tenant and
 * resource link: there is no parameter naming another course.
 */
export class AnalysisService {
  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService }) {}

  async items(actor: Actor, sort: { key: SortKey; dir: SortDir } = { key: 'flags', dir: 'desc' }): Promise<ItemAnalysisView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { assignment: null, packId: null, skillNames: new Map(), rows: [] };
    const entry = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const assigned = new Set(a.skills);
    const choiceIds = entry.pack.items.filter(isChoice).map((i) => i.id);
    const [aggregates, choices, stats] = await Promise.all([
      itemAggregates(this.deps.pool, actor.tenantId, a.resourceLinkId, a.packId),
      choiceCounts(this.deps.pool, actor.tenantId, a.resourceLinkId, a.packId, choiceIds),
      itemStats(this.deps.pool, actor.tenantId, a.packId),
    ]);
    for (const [id, counts] of choices) {
      const agg = aggregates.get(id);
      if (agg) agg.choiceCounts = counts;
    }
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
    return { assignment: a, packId: a.packId, skillNames: entry.skillNames, rows: sortAnalyses(analyseItems(items, aggregates), sort.key, sort.dir) };
  }
}
