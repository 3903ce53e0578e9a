import type pg from 'pg';
import type { Logger } from 'pino';
import { boundDifficulty, prepareBank, type PreparedBank } from '../engine/index.js';
import type { PackEntry } from '../content/catalog.js';
import { systemClock, type Clock } from '../clock.js';
import { itemStats } from './practice.repository.js';

/** Seconds a calibrated bank is reused before item difficulties are read again. */
const CALIBRATION_REFRESH_MS = 10_000;

export type ItemStatMap = Map<string, { difficulty: number; answers: number }>;

interface Calibrated {
  /** The bank with calibrated difficulties, refreshed every few seconds (difficulty drifts slowly). */
  calibrated?: { bank: PreparedBank; stats: ItemStatMap; at: number };
  /** The one calibration read in progress, if any. */
  calibrating?: Promise<void>;
}

/**
 * The pack's bank with the tenant's calibrated item difficulties (item_stats), per cached pack entry (a
 * re-imported pack starts afresh). Read once, then refreshed every few seconds in the background by one
 * query: requests use the bank they have meanwhile, so a refresh never stalls the answers that need it.
 */
export class Calibration {
  private entries = new WeakMap<PackEntry, Calibrated>();
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; log: Logger; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  /** The calibrated bank (see the class). */
  async bank(tenantId: string, packId: string, entry: PackEntry): Promise<PreparedBank> {
    let c = this.entries.get(entry);
    if (!c) this.entries.set(entry, (c = {}));
    const have = c.calibrated;
    if (have && this.clock.now() - have.at < CALIBRATION_REFRESH_MS) return have.bank;
    if (!c.calibrating) {
      const cal = c;
      cal.calibrating = this.calibrate(tenantId, packId, entry, cal).finally(() => {
        cal.calibrating = undefined;
      });
    }
    if (have) {
      c.calibrating!.catch((err: Error) => this.deps.log.warn({ tenant: tenantId, pack: packId, err: err.message }, 'item calibration refresh failed; keeping the last one'));
      return have.bank;
    }
    await c.calibrating;
    return c.calibrated!.bank;
  }

  /** The item's calibration as last read (seconds old), if any. */
  stat(entry: PackEntry, itemId: string): { difficulty: number; answers: number } | undefined {
    return this.entries.get(entry)?.calibrated?.stats.get(itemId);
  }

  private async calibrate(tenantId: string, packId: string, entry: PackEntry, c: Calibrated): Promise<void> {
    const at = this.clock.now();
    const stats = await itemStats(this.deps.pool, tenantId, packId);
    const bank = stats.size
      ? prepareBank({
          // Calibrated difficulties, bounded around the authored ones (difficulty.ts).
          items: entry.pack.items.map((i) => {
            const st = stats.get(i.id);
            return { id: i.id, skills: i.skills, difficulty: st ? boundDifficulty(st.difficulty, i.difficulty ?? 0) : i.difficulty ?? 0 };
          }),
          skills: entry.pack.skills.map((s) => ({ id: s.id, prerequisites: s.prerequisites })),
        })
      : entry.bank;
    c.calibrated = { bank, stats, at };
  }
}
