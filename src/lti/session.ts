import crypto from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';
import type { Actor } from './actor.js';
import type { Queryable } from '../db/index.js';
import { unauthorized } from '../http/errors.js';
import { systemClock, systemRandom, type Clock, type Random } from '../clock.js';

/** Seconds a landing code (the launch redirect's `?code=`) may wait before the page exchanges it, once. */
export const LANDING_CODE_SECONDS = 180;
/**
 * How often a busy process reads revocations written by others. A request waits for a read only when what
 * the process holds is older than twice this (so a removal bites within 1 s); otherwise the read runs
 * beside the requests, off their path.
 */
export const REVOCATION_POLL_MS = 500;

const expired = () => unauthorized('Your session has expired. Open the activity again from your course.');
const invalid = () => unauthorized('Your session is not valid. Open the activity again from your course.');
const revoked = () => unauthorized('Your session has ended: this course or your account was removed from the tool. Open the activity again from your course.');

export interface SessionOptions {
  /** Hours after the launch when a session ends, however often it was refreshed (SESSION_MAX_HOURS). */
  maxHours?: number;
  /** The database for landing codes and revocations; without it (unit tests) neither is available. */
  db?: Queryable;
  /** How often revocations written by other processes are read (a removal bites within twice this). */
  revocationPollMs?: number;
  /** The time source (tests pass their own); token times, the absolute end and the revocation reads follow it. */
  clock?: Clock;
  /** Draws when to prune spent landing codes (landing codes themselves come from the CSPRNG). */
  random?: Random;
}

interface Verified {
  actor: Actor;
  iat: number;
  exp: number;
  /** Launch time, ms since the epoch (database clock). */
  lt: number;
}

/**
 * The session token (`ltik`) handed to the browser after a launch and carried in forms and the
 * Authorization header, never in a URL, so no third-party cookie is needed inside the LMS iframe. HS256
 * with a key kept in the database; short-lived and refreshed on every page, but never past its absolute
 * end (`maxHours` after the launch, carried in the token as `lt`). Sessions of a removed tenant (its
 * deployment or platform) or a deleted learner are refused: the database records each removal
 * (triggers) and every process reads new ones at most 2 x `revocationPollMs` later. Never logged.
 *
 * The launch itself redirects with a one-time landing code (`createLanding`/`exchange`), valid
 * LANDING_CODE_SECONDS: a URL found in a history or a log is useless.
 */
export class SessionTokens {
  /**
   * Tokens that passed full verification, by their exact text, with what they carry. A page view reuses
   * the result instead of re-checking the HMAC (a session token is sent again on every request of the
   * loop); expiry, absolute end and revocations are still checked on every use. Bounded: oldest go first.
   */
  private readonly verified = new Map<string, Verified>();
  static readonly VERIFIED_CACHE_SIZE = 10_000;
  readonly maxHours: number;
  private readonly db?: Queryable;
  private readonly pollMs: number;
  private readonly revokedTenants = new Map<string, number>();
  private readonly revokedUsers = new Map<string, number>();
  /** Database time (ms) of the last revocation read; undefined before the first. */
  private revocationsReadAt: number | undefined;
  private polledAt = 0;
  private polling: Promise<void> | undefined;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(private readonly key: Uint8Array, private readonly minutes: number, private readonly issuer: string, opts: SessionOptions = {}) {
    this.maxHours = opts.maxHours ?? 8;
    this.db = opts.db;
    this.pollMs = opts.revocationPollMs ?? REVOCATION_POLL_MS;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
  }

  /** Seconds since the epoch at which a session launched at `launchedAtMs` ends for good. */
  private absoluteEnd(launchedAtMs: number): number {
    return Math.floor(launchedAtMs / 1000) + this.maxHours * 3600;
  }

  /**
   * A token for this actor: valid `minutes` from now, but never past `maxHours` after the launch.
   * @param launchedAtMs when the session was launched (a refresh passes the original launch time)
   */
  async issue(actor: Actor, launchedAtMs: number = this.clock.now()): Promise<string> {
    const now = Math.floor(this.clock.now() / 1000);
    const exp = Math.min(now + this.minutes * 60, this.absoluteEnd(launchedAtMs));
    if (exp <= now) throw expired();
    return new SignJWT({ a: actor, lt: Math.floor(launchedAtMs) })
      .setProtectedHeader({ alg: 'HS256', typ: 'ltik' })
      .setIssuer(this.issuer)
      .setAudience('mastery-session')
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.key);
  }

  async verify(token: string): Promise<Actor> {
    return (await this.verifyWithAge(token)).actor;
  }

  /** Verifies a token and tells how many seconds ago it was issued (to refresh only tokens that aged) and when its session was launched. */
  async verifyWithAge(token: string): Promise<{ actor: Actor; ageSeconds: number; launchedAt: number }> {
    if (!token || token.length > 8192) throw unauthorized('Your session is missing. Open the activity again from your course.');
    const now = Math.floor(this.clock.now() / 1000);
    let v = this.verified.get(token);
    if (v) {
      if (v.exp <= now) {
        this.verified.delete(token);
        throw expired();
      }
    } else {
      v = await this.verifySignature(token);
      if (this.verified.size >= SessionTokens.VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, v);
    }
    if (this.absoluteEnd(v.lt) <= now) throw expired();
    await this.checkRevoked(v.actor, v.lt);
    return { actor: v.actor, ageSeconds: Math.max(0, now - v.iat), launchedAt: v.lt };
  }

  private async verifySignature(token: string): Promise<Verified> {
    try {
      const { payload } = await jwtVerify(token, this.key, { algorithms: ['HS256'], issuer: this.issuer, audience: 'mastery-session', typ: 'ltik', currentDate: new Date(this.clock.now()) });
      const actor = payload.a as Actor | undefined;
      if (!actor || typeof actor.tenantId !== 'string' || typeof actor.userId !== 'string') throw new Error('bad session payload');
      if (typeof payload.exp !== 'number') throw new Error('session token without expiry');
      if (typeof payload.lt !== 'number' || !Number.isFinite(payload.lt)) throw new Error('session token without launch time');
      return { actor, iat: payload.iat ?? 0, exp: payload.exp, lt: payload.lt };
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw expired();
      throw invalid();
    }
  }

  // ---- landing codes ----

  /** A one-time code for the launch redirect (only its hash is stored); its row's time is the launch time. */
  async createLanding(actor: Actor): Promise<string> {
    if (!this.db) throw new Error('landing codes need the database');
    const code = crypto.randomBytes(24).toString('base64url');
    await this.db.query('INSERT INTO session_codes(code_hash, tenant_id, actor) VALUES ($1, $2, $3)', [hashCode(code), actor.tenantId, JSON.stringify(actor)]);
    return code;
  }

  /**
   * Exchanges a landing code for a session token: once, within LANDING_CODE_SECONDS, and only while the
   * tenant still exists (a launch accepted from a registry cached just before the removal gets nothing).
   */
  async exchange(code: string): Promise<{ token: string; actor: Actor; launchedAt: number }> {
    if (!this.db) throw new Error('landing codes need the database');
    if (!/^[A-Za-z0-9_-]{20,64}$/.test(code)) throw usedCode();
    const { rows } = await this.db.query<{ actor: Actor; launched_at: number }>(
      `UPDATE session_codes c SET used_at = clock_timestamp()
        WHERE code_hash = $1 AND used_at IS NULL AND created_at > clock_timestamp() - make_interval(secs => $2)
          AND EXISTS (SELECT 1 FROM tenants t WHERE t.id = c.tenant_id)
        RETURNING actor, (extract(epoch FROM created_at) * 1000)::float8 AS launched_at`,
      [hashCode(code), LANDING_CODE_SECONDS],
    );
    if (this.random.int(0, 100) === 0) await this.prune();
    const row = rows[0];
    if (!row) throw usedCode();
    await this.checkRevoked(row.actor, row.launched_at);
    return { token: await this.issue(row.actor, row.launched_at), actor: row.actor, launchedAt: row.launched_at };
  }

  /** Drops landing codes and revocations that can no longer matter (opportunistic, cheap, indexed). */
  async prune(): Promise<void> {
    if (!this.db) return;
    await this.db.query(`DELETE FROM session_codes WHERE created_at < now() - interval '1 day'`);
    await this.db.query(`DELETE FROM session_revocations WHERE revoked_at < now() - make_interval(hours => $1)`, [this.maxHours + 1]);
  }

  // ---- revocations ----

  /**
   * Refuses a session launched before its tenant or learner was removed. Revocations are read again once
   * `pollMs` has passed, beside the request (which is checked against what the process holds, at most
   * 2 x `pollMs` old); the request waits for the read only on the first use or when what is held is older
   * than that (an idle process, a read that failed). A read on every request's path made every request that
   * came while it ran wait for it, behind the pool's queue: the paced benchmark's p99.
   */
  private async checkRevoked(actor: Actor, launchedAt: number): Promise<void> {
    if (!this.db) return;
    const age = this.clock.now() - this.polledAt;
    if (age >= this.pollMs) {
      const reading = this.readRevocations();
      if (this.revocationsReadAt === undefined || age >= 2 * this.pollMs) await reading;
      else reading.catch(() => undefined);
    }
    const t = this.revokedTenants.get(actor.tenantId);
    if (t !== undefined && launchedAt <= t) throw revoked();
    const u = this.revokedUsers.get(`${actor.tenantId}\u0000${actor.userId}`);
    if (u !== undefined && launchedAt <= u) throw revoked();
  }

  /** Reads revocations written since the last read (single-flight: concurrent requests share one query). */
  readRevocations(): Promise<void> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async poll(): Promise<void> {
    // Re-read a minute back: a revocation committed late (after a later one was read) is not missed.
    const since = this.revocationsReadAt === undefined ? null : this.revocationsReadAt - 60_000;
    const { rows } = await this.db!.query<{ now_ms: number; kind: string | null; tenant_id: string | null; user_id: string | null; at: number | null }>(
      `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms, r.kind, r.tenant_id, r.user_id,
              (extract(epoch FROM r.revoked_at) * 1000)::float8 AS at
         FROM (SELECT 1) one
         LEFT JOIN session_revocations r
           ON r.revoked_at > COALESCE(to_timestamp($1::float8 / 1000), now() - make_interval(hours => $2))`,
      [since, this.maxHours + 1],
    );
    for (const r of rows) {
      if (r.kind === null || r.at === null || r.tenant_id === null) continue;
      const map = r.kind === 'user' ? this.revokedUsers : this.revokedTenants;
      const key = r.kind === 'user' ? `${r.tenant_id}\u0000${r.user_id}` : r.tenant_id;
      map.set(key, Math.max(map.get(key) ?? 0, r.at));
    }
    const nowMs = rows[0]?.now_ms ?? this.clock.now();
    this.revocationsReadAt = nowMs;
    this.polledAt = this.clock.now();
    // Revocations older than any live session are of no use.
    const horizon = nowMs - (this.maxHours + 1) * 3_600_000;
    for (const map of [this.revokedTenants, this.revokedUsers]) {
      if (map.size > 1000) for (const [k, at] of map) if (at < horizon) map.delete(k);
    }
  }
}

const hashCode = (code: string) => crypto.createHash('sha256').update(code).digest('base64url');
const usedCode = () => unauthorized('This link has expired or was already used. Open the activity again from your course.');
