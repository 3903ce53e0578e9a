import type pg from 'pg';
import { createState, upgradeState } from '../engine/index.js';
import type { PackEntry } from '../content/catalog.js';
import type { Clock } from '../clock.js';
import { AppError } from '../http/errors.js';
import { createLearner, readLearner, updateLearner, type Assignment, type LearnerKey, type VersionedLearner } from './practice.repository.js';
import { rebuildState } from './progress.js';

/**
 * Learner rows this process read or wrote are reused this long. Every write still checks the row's
 * version, so with several processes a reused row can at worst show a page that is one step behind
 * (the next submit then re-reads); no answer is ever lost or counted twice.
 */
const LEARNER_CACHE_MS = 60_000;
/** Learner rows kept (oldest used dropped first). */
const LEARNER_CACHE_SIZE = 20_000;
/** Times a step is tried when other requests of the same student keep writing first. */
const MAX_WRITE_ATTEMPTS = 5;

/** What a step's write did: wrote this row, found the submission already recorded, or lost a race. */
export type WriteOutcome = { written: VersionedLearner } | 'unchanged' | 'conflict';

/** A submission writer's outcome as a step's write outcome. */
export const settled = (outcome: 'recorded' | 'conflict' | 'duplicate', row: VersionedLearner): WriteOutcome =>
  outcome === 'recorded' ? { written: row } : outcome === 'duplicate' ? 'unchanged' : 'conflict';

/** What one step does with the row: shows a view, or writes first (a changed row, or its own write) and then shows. */
export type StepResult<V> = { view: V } | { write: (() => Promise<WriteOutcome>) | VersionedLearner; show: () => V };

/**
 * The learner rows of the practice loop: versioned read-modify-write with optimistic retries, and the
 * rows this process used recently (see LEARNER_CACHE_MS).
 */
export class LearnerStore {
  /** Recently used learner rows by tenant, assignment and user. */
  private learners = new Map<string, { row: VersionedLearner; at: number }>();

  constructor(private readonly deps: { pool: pg.Pool; clock: Clock }) {}

  private now(): number {
    return this.deps.clock.now();
  }

  /**
   * Runs one step of the loop against the learner row: `fn` gets the row (recently used, read or created)
   * and either returns the view to show, or a changed row to write first. Writes are conditional on the
   * version read (optimistic concurrency: no transaction is held across round trips); when another
   * request of the same student wrote in between, the step runs again on a freshly read row.
   */
  async update<V>(
    key: LearnerKey,
    a: Assignment,
    cache: PackEntry,
    fn: (row: VersionedLearner) => Promise<StepResult<V>>,
    /** A step's own read; gets the row remembered in memory (first try only), or undefined. */
    read?: (known: VersionedLearner | undefined) => Promise<VersionedLearner | null>,
  ): Promise<V> {
    for (let attempt = 1; ; attempt++) {
      const known = attempt === 1 ? this.recall(key) : undefined;
      let row = (read ? await read(known) : known)
        ?? (await readLearner(this.deps.pool, key))
        ?? (await createLearner(this.deps.pool, key, createState()));
      // A state stored by an older engine is rebuilt from the attempt log (written back with the next step).
      if (!upgradeState(row.state)) row = { ...row, state: await rebuildState(this.deps.pool, key, a, cache) };
      // A row served from memory keeps its age: the cache never outlives LEARNER_CACHE_MS since the last read or write.
      if (row !== known) this.remember(key, row);
      const out = await fn(row);
      if ('view' in out) return out.view;
      let outcome: WriteOutcome;
      if (typeof out.write === 'function') outcome = await out.write();
      else outcome = (await updateLearner(this.deps.pool, key, out.write)) ? { written: out.write } : 'conflict';
      if (outcome !== 'conflict') {
        if (outcome === 'unchanged') this.forget(key);
        else this.remember(key, { ...outcome.written, version: outcome.written.version + 1 });
        return out.show();
      }
      this.forget(key);
      if (attempt >= MAX_WRITE_ATTEMPTS) throw new AppError('busy', 409, 'Your answer could not be saved because this activity is open in another tab. Please reload the page.');
    }
  }

  private cacheKey(k: LearnerKey): string {
    return `${k.tenantId}\u0000${k.resourceLinkId}\u0000${k.userId}`;
  }

  /** A learner row this process used recently, if still fresh. Never mutated: steps copy before changing. */
  private recall(k: LearnerKey): VersionedLearner | undefined {
    const hit = this.learners.get(this.cacheKey(k));
    return hit && this.now() - hit.at < LEARNER_CACHE_MS ? hit.row : undefined;
  }

  private remember(k: LearnerKey, row: VersionedLearner): void {
    const id = this.cacheKey(k);
    const prev = this.learners.get(id);
    // Keep a newer version read or written by a concurrent request of the same student.
    if (prev && prev.row.version > row.version && this.now() - prev.at < LEARNER_CACHE_MS) return;
    this.learners.delete(id);
    if (this.learners.size >= LEARNER_CACHE_SIZE) this.learners.delete(this.learners.keys().next().value!);
    this.learners.set(id, { row, at: this.now() });
  }

  private forget(k: LearnerKey): void {
    this.learners.delete(this.cacheKey(k));
  }

  /** Drops every remembered row of one user of a tenant (after their data is deleted). */
  forgetUser(tenantId: string, userId: string): void {
    for (const id of [...this.learners.keys()]) {
      const [t, , u] = id.split('\u0000');
      if (t === tenantId && u === userId) this.learners.delete(id);
    }
  }
}
