import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type pg from 'pg';
import { RateLimiterPostgres, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitSettings } from '../settings.js';
import { AppError } from './errors.js';

/** A request refused by a rate limit: 429 with Retry-After; the error handler words it in the user's language. */
export class RateLimited extends AppError {
  readonly retryAfterSeconds: number;
  constructor(msBeforeNext: number, readonly limit: string) {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    super('rate_limited', 429, `Too many requests. Try again in ${seconds} seconds.`, { retryAfterSeconds: seconds, limit });
    this.retryAfterSeconds = seconds;
  }
}

/** Window of the failed-admin-token count, and the longest wait it imposes. */
const ADMIN_FAILURE_WINDOW_S = 3600;
const ADMIN_MAX_BACKOFF_S = 900;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/**
 * The key of a client address: IPv4 as is, IPv6 by its /64 (one customer's network; a single host can
 * use any of its 2^64 addresses).
 */
export function clientKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  if (!ip.includes(':')) return ip;
  const [head, tail = ''] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...h, ...Array(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t] : h;
  return `${groups.slice(0, 4).map((g) => g.toLowerCase().replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** A student's key: fixed length (a user id may be 255 characters) and no NUL (PostgreSQL text refuses it). */
const studentKey = (tenantId: string, userId: string) => crypto.createHash('sha256').update(`${tenantId}\u0000${userId}`).digest('base64url');

/**
 * A PostgreSQL-backed limit consumed in chunks: each process counts locally and adds its count to the
 * shared row every `chunk` requests of a key, so a busy path (answers) costs one statement per `chunk`
 * requests instead of one each. Across P processes a key may exceed its limit by at most P x chunk - 1
 * before every process refuses it; chunk is 1/20 of the limit (1 for small limits: exact).
 */
class ChunkedLimit {
  private readonly local = new Map<string, { pending: number; windowEnd: number; blockedUntil: number }>();
  private readonly chunk: number;
  constructor(private readonly store: RateLimiterPostgres, points: number, private readonly durationMs: number, private readonly name: string) {
    this.chunk = Math.max(1, Math.floor(points / 20));
  }

  async consume(key: string): Promise<void> {
    const now = Date.now();
    let e = this.local.get(key);
    if (e && e.blockedUntil > now) throw new RateLimited(e.blockedUntil - now, this.name);
    if (!e || e.windowEnd <= now) {
      if (this.local.size >= 100_000) for (const [k, v] of this.local) if (v.windowEnd <= now && v.blockedUntil <= now) this.local.delete(k);
      e = { pending: 0, windowEnd: now + this.durationMs, blockedUntil: 0 };
      this.local.set(key, e);
    }
    e.pending++;
    if (e.pending < this.chunk) return;
    const n = e.pending;
    e.pending = 0;
    try {
      await this.store.consume(key, n);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      e.blockedUntil = Date.now() + err.msBeforeNext;
      throw new RateLimited(err.msBeforeNext, this.name);
    }
  }
}

/**
 * The tool's rate limits, kept in PostgreSQL (rate-limiter-flexible's store, table `rate_limits`) so they
 * hold across every web process and the CLI: OIDC logins per client IP and per platform (an unauthenticated
 * login writes a row), answers per student, and failed admin tokens per client IP with a doubling wait.
 * A limit of 0 is off. Requests from the server's own host are not limited unless `exemptLoopback` is off
 * (the admin-token backoff applies to everyone).
 */
export class RateLimits {
  private readonly loginIp?: RateLimiterPostgres;
  private readonly loginPlatform?: RateLimiterPostgres;
  private readonly answers?: ChunkedLimit;
  private readonly adminFailures: RateLimiterPostgres;
  private readonly adminLock: RateLimiterPostgres;

  constructor(pool: pg.Pool, private readonly settings: RateLimitSettings) {
    const store = (keyPrefix: string, points: number, duration: number) =>
      new RateLimiterPostgres({ storeClient: pool, storeType: 'pool', tableName: 'rate_limits', tableCreated: true, clearExpiredByTimeout: true, keyPrefix, points, duration });
    if (settings.loginsPerIp > 0) this.loginIp = store('login-ip', settings.loginsPerIp, 60);
    if (settings.loginsPerPlatform > 0) this.loginPlatform = store('login-platform', settings.loginsPerPlatform, 60);
    if (settings.answersPerStudent > 0) this.answers = new ChunkedLimit(store('answers', settings.answersPerStudent, 60), settings.answersPerStudent, 60_000, 'answers');
    this.adminFailures = store('admin-fail', settings.adminFailures, ADMIN_FAILURE_WINDOW_S);
    this.adminLock = store('admin-lock', 1, 1);
  }

  /** Whether this request comes from the server's own host (and the exemption is on). */
  exempt(req: Request): boolean {
    return this.settings.exemptLoopback && LOOPBACK.has(req.ip ?? '');
  }

  private static async take(limiter: RateLimiterPostgres | undefined, key: string, name: string): Promise<void> {
    if (!limiter) return;
    try {
      await limiter.consume(key, 1);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new RateLimited(err.msBeforeNext, name);
      throw err;
    }
  }

  /** Middleware: counts an OIDC login against the client's address. */
  loginsPerIp() {
    return async (req: Request, _res: Response, next: NextFunction) => {
      try {
        if (!this.exempt(req)) await RateLimits.take(this.loginIp, clientKey(req.ip), 'logins_per_ip');
        next();
      } catch (err) {
        next(err);
      }
    };
  }

  /** Counts an OIDC login against its platform, before the login's row is written. */
  async loginForPlatform(req: Request, platformId: string): Promise<void> {
    if (!this.exempt(req)) await RateLimits.take(this.loginPlatform, platformId, 'logins_per_platform');
  }

  /** Middleware after requireSession: counts an answer against the student. */
  answersPerStudent() {
    return async (req: Request, res: Response, next: NextFunction) => {
      try {
        const actor = res.locals.actor as { tenantId: string; userId: string } | undefined;
        if (this.answers && actor && !this.exempt(req)) await this.answers.consume(studentKey(actor.tenantId, actor.userId));
        next();
      } catch (err) {
        next(err);
      }
    };
  }

  /** Refuses a client whose admin-token failures are being waited out (before the token is even compared). */
  async adminLocked(req: Request): Promise<void> {
    const lock = await this.adminLock.get(clientKey(req.ip));
    if (lock && lock.consumedPoints > 1 && lock.msBeforeNext > 0) throw new RateLimited(lock.msBeforeNext, 'admin_failures');
  }

  /**
   * Records a wrong admin token. Past `adminFailures` failures within the hour, each further one locks the
   * client out for 1, 2, 4 … seconds (at most 15 minutes) and is answered 429.
   */
  async adminFailed(req: Request): Promise<void> {
    const key = clientKey(req.ip);
    const res = await this.adminFailures.penalty(key, 1);
    const over = res.consumedPoints - this.settings.adminFailures;
    if (over <= 0) return;
    const seconds = Math.min(ADMIN_MAX_BACKOFF_S, 2 ** Math.min(over - 1, 20));
    await this.adminLock.block(key, seconds);
    throw new RateLimited(seconds * 1000, 'admin_failures');
  }
}
