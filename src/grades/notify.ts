import type pg from 'pg';
import { NOTIFY_CHANNEL } from './outbox.js';

/**
 * Wakes grade delivery workers after an answer committed new scores.
 *
 * The answer statement does not NOTIFY: PostgreSQL serialises committing transactions that notify on one
 * lock held across the WAL flush, so one NOTIFY per answer capped the whole answer rate. Instead, after
 * the commit, the process wakes its own worker directly (a function call) and sends at most one NOTIFY
 * per window to workers in other processes (`npm run worker`); a woken worker drains every due row, so
 * one wake-up serves all the answers of the window. A wake-up lost to a crash right after the commit
 * costs at most the worker's poll interval (GRADE_POLL_MS); the score itself is already stored.
 */
export class ScoreNotifier {
  private readonly local = new Set<() => void>();
  private lastSent = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pool: pg.Pool, private readonly windowMs = 20, private readonly now: () => number = Date.now) {}

  /** Registers a worker of this process to be woken directly; returns the unregister function. */
  onCommitted(wake: () => void): () => void {
    this.local.add(wake);
    return () => this.local.delete(wake);
  }

  /** Call after a transaction that queued scores has committed. */
  committed(): void {
    for (const wake of this.local) wake();
    if (this.timer) return;
    const wait = this.lastSent + this.windowMs - this.now();
    if (wait <= 0) this.send();
    else {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.send();
      }, wait);
      this.timer.unref();
    }
  }

  /** Cancels a NOTIFY still waiting for its window (shutdown). */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private send(): void {
    this.lastSent = this.now();
    this.pool.query('SELECT pg_notify($1, $2)', [NOTIFY_CHANNEL, '']).catch(() => undefined);
  }
}
