import crypto from 'node:crypto';
import pg from 'pg';
import type { Logger } from 'pino';
import { AgsClient, scoreBody } from '../lti/ags.js';
import type { PlatformRegistry } from '../lti/registry.js';
import { ServiceError, type ServiceTokens } from '../lti/service-token.js';
import { DeliveryTargets, isSkipped, scopesFor } from './delivery-targets.js';
import { NOTIFY_CHANNEL, type LineItemSpec, type StoredScore } from './outbox.js';
import type { GradeSettings } from './settings.js';
import { retryPlan } from './retry-policy.js';
import { nextWholeSecondSql, scoreTimestampSql } from './timestamps.js';

/** A claimed outbox row. */
interface Row {
  tenant_id: string;
  resource_link_id: string;
  column_key: string;
  user_id: string;
  line_item_spec: LineItemSpec;
  score: StoredScore;
  score_ts: Date;
  version: string;
  attempts: number;
  sent_count: number;
  lease_id: string;
}

/**
 * How one claimed row ended when no error was thrown: sent; skipped (the platform offers nothing to send
 * to, see ./delivery-targets.ts); or deferred because the platform asked us to wait (429 Retry-After), so
 * the row goes back untouched until then.
 */
type Outcome = { kind: 'sent' } | { kind: 'skipped'; why: string } | { kind: 'deferred'; until: number };

/** The timestamp a claim sends, from the row's answer time and floor (see ./timestamps.ts). */
const CLAIM_TS = scoreTimestampSql('o.score_ts', 'o.ts_floor');
/** Longest wait for a whole second when the LMS holds a timestamp ahead of our clock. */
const MAX_TS_WAIT = "interval '1 minute'";

/**
 * The delivery worker: claims due outbox rows (FOR UPDATE SKIP LOCKED, with a lease so a crashed worker's
 * rows are picked up again), finds or creates the column's line item, posts the newest score (AGS 2.0
 * §3.4), and records the outcome. Network errors, 5xx, 429 and malformed answers are retried with
 * exponential backoff and jitter (Retry-After honoured, and a 429 pauses the whole platform); after
 * GRADE_MAX_ATTEMPTS a row is dead-lettered (state `failed`) for the admin API. A refusal of the
 * timestamp (Moodle 409, Canvas 400) is retried with a later one and never dead-lettered. Timestamps
 * follow the whole-second rule of ./timestamps.ts. It wakes on NOTIFY from committing answers, at the
 * next due time it knows of, and polls as a fallback. Many workers (processes) may run at once.
 *
 * The claim scans every tenant (the worker serves them all); every later statement is keyed by the
 * row's full key, tenant first.
 */
export class GradeWorker {
  private running = false;
  private loopDone: Promise<void> | undefined;
  private inflight = new Set<Promise<void>>();
  private wake: (() => void) | undefined;
  /** Set by a wake-up that came while the loop was busy, so it is not lost. */
  private nudged = false;
  private listener: pg.Client | undefined;
  private readonly targets: DeliveryTargets;
  /** Platforms that answered 429, and until when nothing is sent to them from this process. */
  private pausedUntil = new Map<string, number>();
  /** Scores this worker delivered (tests and the benchmark read it). */
  delivered = 0;

  constructor(
    private readonly deps: { pool: pg.Pool; registry: PlatformRegistry; tokens: ServiceTokens; log: Logger; settings: GradeSettings; random?: () => number },
  ) {
    this.targets = new DeliveryTargets(deps);
  }

  /** Starts claiming and sending in the background. */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    await this.listen();
    this.loopDone = this.loop().catch((err) => this.deps.log.error({ err: (err as Error).message }, 'grade worker stopped unexpectedly'));
  }

  /** Wakes the worker now: scores were just committed (NOTIFY from any process, or a call in this one). */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  /** Stops claiming, waits for the sends in flight, closes the LISTEN connection. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    // A nudge, not only a wake: if the loop is busy claiming it must not go on to wait a whole poll.
    this.nudge();
    await this.loopDone;
    await Promise.allSettled([...this.inflight]);
    await this.listener?.end().catch(() => undefined);
    this.listener = undefined;
  }

  /** LISTEN on a connection of its own (not taken from the pool), so a commit wakes the worker at once. */
  private async listen(): Promise<void> {
    const opts = (this.deps.pool as unknown as { options: pg.ClientConfig }).options;
    try {
      const client = new pg.Client(opts);
      client.on('error', () => undefined);
      client.on('notification', () => this.nudge());
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
      this.listener = client;
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'grade worker cannot LISTEN; polling only');
    }
  }

  private async loop(): Promise<void> {
    const { concurrency, pollMs } = this.deps.settings;
    while (this.running) {
      const free = concurrency - this.inflight.size;
      let claimed = 0;
      // Claim in batches (a quarter of the slots at least) rather than one query per finished send.
      if (free > 0 && (free >= Math.ceil(concurrency / 4) || this.inflight.size === 0)) {
        try {
          const rows = await this.claim(free);
          claimed = rows.length;
          for (const row of rows) {
            const p: Promise<void> = this.process(row).finally(() => {
              this.inflight.delete(p);
              this.wake?.();
            });
            this.inflight.add(p);
          }
        } catch (err) {
          this.deps.log.error({ err: (err as Error).message }, 'grade worker could not claim scores');
        }
      }
      if (claimed > 0 && claimed === free) continue;
      if (this.nudged) {
        this.nudged = false;
        continue;
      }
      // A score waiting for its next whole second (or a short backoff) is due before the next poll: wake then.
      let sleepMs = pollMs;
      try {
        const soon = await this.soonestDue(pollMs);
        if (soon !== undefined) sleepMs = Math.max(1, Math.min(pollMs, soon - Date.now() + 5));
      } catch {
        /* polling still finds it */
      }
      if (this.nudged || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, sleepMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
  }

  /** When the earliest pending row that is not due yet becomes due, if within `withinMs` (epoch ms). */
  private async soonestDue(withinMs: number): Promise<number | undefined> {
    const { rows } = await this.deps.pool.query<{ at: Date | null }>({
      name: 'grade_outbox_soonest',
      text: `SELECT min(next_attempt_at) AS at FROM grade_outbox
       WHERE state = 'pending' AND next_attempt_at > now() AND next_attempt_at <= now() + make_interval(secs => $1::double precision / 1000)`,
      values: [withinMs],
    });
    return rows[0]?.at ? new Date(rows[0].at).getTime() : undefined;
  }

  private async claim(limit: number): Promise<Row[]> {
    const leaseId = crypto.randomUUID();
    const { rows } = await this.deps.pool.query<Row>({
      name: 'grade_outbox_claim',
      text: `WITH due AS (
         SELECT tenant_id, resource_link_id, column_key, user_id FROM grade_outbox
         WHERE state = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
         ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
       UPDATE grade_outbox o SET lease_until = now() + make_interval(secs => $2::double precision / 1000), lease_id = $3,
         -- The timestamp sent: the answer's, but at least the whole second after any timestamp ever put in a
         -- request (delivered, failed, or cut off by a crash: the LMS may hold it). Recorded before sending.
         score_ts = ${CLAIM_TS}, ts_floor = ${CLAIM_TS}
       FROM due WHERE o.tenant_id = due.tenant_id AND o.resource_link_id = due.resource_link_id AND o.column_key = due.column_key AND o.user_id = due.user_id
       RETURNING o.tenant_id, o.resource_link_id, o.column_key, o.user_id, o.line_item_spec, o.score, o.score_ts, o.version, o.attempts, o.sent_count, o.lease_id`,
      values: [limit, this.deps.settings.leaseMs, leaseId],
    });
    return rows;
  }

  private async process(row: Row): Promise<void> {
    let outcome: Outcome;
    try {
      outcome = await this.send(row);
    } catch (err) {
      await this.markFailed(row, err).catch((e) => this.deps.log.error({ err: (e as Error).message }, 'grade worker could not record a failure'));
      return;
    }
    if (outcome.kind === 'skipped') await this.markSkipped(row, outcome.why);
    else if (outcome.kind === 'deferred') await this.release(row, outcome.until);
  }

  /** Sends one claimed row's score and records it sent; throws what failed (recorded by markFailed). */
  private async send(row: Row): Promise<Outcome> {
    const target = await this.targets.target(row.tenant_id, row.resource_link_id);
    const paused = this.pausedUntil.get(target.platform.id) ?? 0;
    if (paused > Date.now()) return { kind: 'deferred', until: paused };
    const scopes = scopesFor(target, row.column_key);
    if (isSkipped(scopes)) return { kind: 'skipped', why: scopes.skipped };
    const client = new AgsClient(this.deps.tokens, target.platform, scopes, this.deps.settings.requestTimeoutMs);
    const line = await this.targets.lineItemUrl(row, target, client);
    if (isSkipped(line)) return { kind: 'skipped', why: line.skipped };
    // Canvas only: without new_submission false every update becomes a new attempt (PRODUCT.md).
    const score = scoreBody({ userId: row.user_id, score: row.score, timestamp: new Date(row.score_ts), canvas: target.canvas, firstSubmission: row.sent_count === 0 });
    try {
      const status = await client.postScore(line.url, score);
      await this.markSent(row, status);
      return { kind: 'sent' };
    } catch (err) {
      // A line item we created and the instructor deleted: forget it so the next try recreates it.
      if (err instanceof ServiceError && err.lmsStatus === 404 && !line.fromLaunch) await this.targets.forgetLineItem(row);
      throw err;
    }
  }

  private keyParams(row: Row): unknown[] {
    return [row.tenant_id, row.resource_link_id, row.column_key, row.user_id, row.lease_id];
  }

  private sentBuffer: { row: Row; status: number; done: (err?: unknown) => void }[] = [];
  private flushTimer: NodeJS.Timeout | undefined;

  /**
   * Delivered: `sent` unless a newer score arrived meanwhile (then it is due at once). Only the lease
   * holder may write. Completions of the same few milliseconds are recorded in one statement.
   */
  private markSent(row: Row, status: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sentBuffer.push({ row, status, done: (err) => (err ? reject(err) : resolve()) });
      this.flushTimer ??= setTimeout(() => void this.flushSent(), 2);
    });
  }

  private async flushSent(): Promise<void> {
    this.flushTimer = undefined;
    const batch = this.sentBuffer.splice(0);
    if (!batch.length) return;
    const col = <T>(f: (r: Row, status: number) => T) => batch.map((b) => f(b.row, b.status));
    try {
      await this.deps.pool.query({
        name: 'grade_outbox_sent',
        text: `UPDATE grade_outbox o SET sent_count = o.sent_count + 1, sent_at = now(), sent_ts = d.ts, last_status = d.status, last_error = NULL,
           -- A newer score that came meanwhile goes in the next whole second (its timestamp must be in a later one).
           lease_until = NULL, lease_id = NULL, attempts = 0, next_attempt_at = GREATEST(now(), ${nextWholeSecondSql('d.ts')}),
           state = CASE WHEN o.version = d.version THEN 'sent' ELSE 'pending' END, updated_at = now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::int[], $8::bigint[])
           AS d(tenant_id, resource_link_id, column_key, user_id, lease_id, ts, status, version)
         WHERE o.tenant_id = d.tenant_id AND o.resource_link_id = d.resource_link_id AND o.column_key = d.column_key
           AND o.user_id = d.user_id AND o.lease_id = d.lease_id`,
        values: [
          col((r) => r.tenant_id), col((r) => r.resource_link_id), col((r) => r.column_key), col((r) => r.user_id), col((r) => r.lease_id),
          col((r) => r.score_ts), col((_r, s) => s), col((r) => r.version),
        ],
      });
      this.delivered += batch.length;
      for (const b of batch) b.done();
    } catch (err) {
      for (const b of batch) b.done(err);
    }
  }

  private async markSkipped(row: Row, why: string): Promise<void> {
    this.deps.log.info({ tenant: row.tenant_id, resourceLink: row.resource_link_id, why }, 'score not sent');
    await this.deps.pool.query(
      `UPDATE grade_outbox SET state = CASE WHEN version = $7 THEN 'skipped' ELSE 'pending' END, last_error = $6, lease_until = NULL, lease_id = NULL, updated_at = now()
       WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3 AND user_id = $4 AND lease_id = $5`,
      [...this.keyParams(row), why, row.version],
    );
  }

  /** Puts a claimed row back, due at `until`, without counting an attempt. */
  private async release(row: Row, until: number): Promise<void> {
    await this.deps.pool.query(
      `UPDATE grade_outbox SET lease_until = NULL, lease_id = NULL, next_attempt_at = GREATEST(next_attempt_at, to_timestamp($6::double precision / 1000))
       WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3 AND user_id = $4 AND lease_id = $5`,
      [...this.keyParams(row), until],
    );
  }

  private async markFailed(row: Row, err: unknown): Promise<void> {
    const plan = retryPlan(err, row.attempts, this.deps.settings, this.deps.random ?? Math.random, () => new Date());
    const { attempts, dead, delayMs: delay } = plan;
    this.deps.log[dead ? 'warn' : 'info'](
      { tenant: row.tenant_id, resourceLink: row.resource_link_id, column: row.column_key || 'score', attempts, status: plan.lmsStatus, code: plan.code, err: plan.message, retryInMs: dead ? undefined : delay },
      dead ? 'score dead-lettered' : plan.timestampConflict ? 'the LMS refused the score timestamp; will retry with a later one' : 'score delivery failed; will retry',
    );
    await this.deps.pool.query(
      `UPDATE grade_outbox SET attempts = $6, last_error = $7, last_status = $8, lease_until = NULL, lease_id = NULL,
         state = CASE WHEN $9::boolean AND version = $11 THEN 'failed' ELSE 'pending' END,
         -- The claim already raised ts_floor to the timestamp just tried (the LMS may have stored it despite a
         -- timeout or a 5xx); a timestamp refusal raises it to what the LMS holds.
         ts_floor = GREATEST(ts_floor, $12::timestamptz),
         -- Not before the next whole second: the next timestamp is at least that (bounded, if the LMS is ahead of us).
         next_attempt_at = GREATEST(now() + make_interval(secs => $10::double precision / 1000),
           LEAST(${nextWholeSecondSql('GREATEST(ts_floor, $12::timestamptz)')}, now() + ${MAX_TS_WAIT})),
         updated_at = now()
       WHERE tenant_id = $1 AND resource_link_id = $2 AND column_key = $3 AND user_id = $4 AND lease_id = $5`,
      [...this.keyParams(row), attempts, plan.message, plan.lmsStatus ?? null, dead, delay, row.version, plan.heldTimestamp],
    );
    // 429: the platform throttles this install, so hold every pending score of that platform until Retry-After.
    if (plan.lmsStatus === 429) {
      const t = this.targets.cached(row.tenant_id, row.resource_link_id);
      if (t) {
        this.pausedUntil.set(t.platform.id, Math.max(this.pausedUntil.get(t.platform.id) ?? 0, Date.now() + delay));
        await this.deps.pool.query(
          `UPDATE grade_outbox SET next_attempt_at = GREATEST(next_attempt_at, now() + make_interval(secs => $2::double precision / 1000))
           WHERE state = 'pending' AND tenant_id IN (SELECT id FROM tenants WHERE platform_id = $1)`,
          [t.platform.id, delay],
        );
      }
    }
  }
}
