import crypto from 'node:crypto';
import { SignJWT } from 'jose';
import { hostAndPath, outbound, OutboundError, OUTBOUND_USER_AGENT, type HttpClient, type OutboundKind } from './http-client.js';
import type { ToolKeys } from './keys.js';
import type { Platform } from './registry.js';
import { AppError } from '../http/errors.js';

/** The User-Agent of every call the tool makes to an LMS (Canvas refuses calls without one). */
export const USER_AGENT = OUTBOUND_USER_AGENT;

/** AGS 2.0 §3.1 and NRPS 2.0 §3.6 scope URIs. */
export const SCOPE = {
  lineItem: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  lineItemReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  resultReadonly: 'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  score: 'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  nrps: 'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
} as const;

/**
 * A failed call to an LMS service, classified for the delivery worker: whether retrying can help and
 * how long the LMS asked us to wait (429/503 Retry-After, RFC 9110 §10.2.3). The message never holds a
 * token or a full URL with a query.
 */
export class ServiceError extends AppError {
  /** refused: the outgoing policy does not allow the URL (scheme, private address); see OUTBOUND_ALLOW_HOSTS. */
  declare readonly code: 'network' | 'http' | 'malformed' | 'scope_denied' | 'refused';
  constructor(
    code: ServiceError['code'],
    message: string,
    /** The LMS's HTTP status, when it answered. */
    readonly lmsStatus?: number,
    readonly retryable = true,
    readonly retryAfterMs?: number,
  ) {
    // Were it ever answered to a browser: the LMS behind us failed (502).
    super(code, 502, message);
  }
}

/** Reads Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const s = Number(value);
  if (Number.isFinite(s) && s >= 0) return s * 1000;
  const t = Date.parse(value);
  return Number.isFinite(t) ? Math.max(0, t - now) : undefined;
}

/** Turns a non-2xx response into a ServiceError: 5xx, 408 and 429 are retryable, other 4xx are not. */
export async function errorFromResponse(res: Response, what: string): Promise<ServiceError> {
  const body = (await res.text().catch(() => '')).slice(0, 300).replace(/\s+/g, ' ');
  const retryable = res.status >= 500 || res.status === 429 || res.status === 408 || res.status === 401;
  return new ServiceError('http', `${what} answered ${res.status}${body ? `: ${body}` : ''}`, res.status, retryable, parseRetryAfter(res.headers.get('retry-after')));
}

/** The path of a URL for logs and error messages (no query: it may hold secrets on some LMSs). */
export const urlForLog = (u: string): string => hostAndPath(u);

/** A failed outgoing call as a ServiceError: policy refusals are final, the rest (timeouts, resets, redirects, caps) retryable. */
export function serviceErrorFrom(err: unknown, what: string): ServiceError {
  if (err instanceof OutboundError) {
    if (err.refused) return new ServiceError('refused', `${what} refused: ${err.message}`, undefined, false);
    if (err.code === 'too_large') return new ServiceError('malformed', `${what}: ${err.message}`, err.status);
    if (err.code === 'redirect') return new ServiceError('http', `${what}: ${err.message}`, err.status);
    return new ServiceError('network', `${what} failed: ${err.message}`, err.status);
  }
  const e = err as Error & { code?: string };
  return new ServiceError('network', `${what} failed: ${e.code ?? e.name}`);
}

/**
 * One call to an LMS service through the tool's outgoing HTTP client (byte cap of its kind, connect and
 * total timeouts, no redirects, the production address policy). The answer is read within its cap and
 * returned as a Response; network failures and refusals become ServiceErrors.
 */
export async function serviceFetch(url: string, init: RequestInit, what: string, timeoutMs = 10_000, kind: OutboundKind = 'ags', client: HttpClient = outbound()): Promise<Response> {
  try {
    const body = init.body;
    if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) throw new Error('serviceFetch sends string or byte bodies only');
    const res = await client.request(url, { kind, method: init.method, headers: init.headers, body: body ?? undefined, timeoutMs });
    return res.toResponse();
  } catch (err) {
    throw serviceErrorFrom(err, what);
  }
}

interface CachedToken {
  token: string;
  /** Epoch ms after which the token is not used any more (a margin before its real expiry). */
  usableUntil: number;
  scopes: string[];
}

/**
 * OAuth 2.0 client-credentials tokens for LTI services (1EdTech Security Framework §4.1, RFC 7523 §2.2):
 * the tool proves itself with a JWT signed by its own key (iss = sub = client_id, aud = the platform's
 * token URL, short exp, unique jti). Tokens are cached per (platform, scopes) until shortly before they
 * expire and concurrent callers share one request, so a burst of scores costs one token request.
 */
export class ServiceTokens {
  private cache = new Map<string, CachedToken>();
  private inflight = new Map<string, Promise<CachedToken>>();
  /** Token requests made by this process (the benchmark and tests read it). */
  requests = 0;

  constructor(private readonly keys: ToolKeys, private readonly opts: { marginMs?: number; now?: () => number; timeoutMs?: number; http?: HttpClient } = {}) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  private key(platform: Platform, scopes: readonly string[]): string {
    return `${platform.id} ${[...scopes].sort().join(' ')}`;
  }

  /** A bearer token for these scopes at this platform, from the cache when still good. */
  async get(platform: Platform, scopes: readonly string[]): Promise<CachedToken> {
    const k = this.key(platform, scopes);
    const hit = this.cache.get(k);
    if (hit && hit.usableUntil > this.now()) return hit;
    let p = this.inflight.get(k);
    if (!p) {
      p = this.request(platform, scopes).finally(() => this.inflight.delete(k));
      this.inflight.set(k, p);
    }
    const t = await p;
    this.cache.set(k, t);
    return t;
  }

  /** Drops a token the platform refused (401), so the next get asks for a fresh one. */
  invalidate(platform: Platform, scopes: readonly string[], token: string): void {
    const k = this.key(platform, scopes);
    if (this.cache.get(k)?.token === token) this.cache.delete(k);
  }

  private async request(platform: Platform, scopes: readonly string[]): Promise<CachedToken> {
    const signing = await this.keys.signingKey();
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: signing.kid, typ: 'JWT' })
      .setIssuer(platform.clientId)
      .setSubject(platform.clientId)
      .setAudience(platform.authTokenUrl)
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(crypto.randomUUID())
      .sign(signing.key);
    this.requests++;
    const res = await serviceFetch(
      platform.authTokenUrl,
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
          client_assertion: assertion,
          scope: scopes.join(' '),
        }).toString(),
      },
      'the token endpoint',
      this.opts.timeoutMs,
      'token',
      this.opts.http,
    );
    if (!res.ok) {
      const err = await errorFromResponse(res, 'the token endpoint');
      if (res.status === 400 && err.message.includes('invalid_scope')) throw new ServiceError('scope_denied', 'the platform refused the requested scopes', 400, false);
      // A 401 here means the platform does not accept our key (yet): retry later, it may be a JWKS cache.
      throw err;
    }
    let body: { access_token?: unknown; expires_in?: unknown; scope?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch {
      throw new ServiceError('malformed', 'the token endpoint answered with something that is not JSON', res.status);
    }
    if (typeof body?.access_token !== 'string' || !body.access_token) throw new ServiceError('malformed', 'the token endpoint answered without an access_token', res.status);
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 3600;
    const margin = Math.min(this.opts.marginMs ?? 60_000, (expiresIn * 1000) / 2);
    const granted = typeof body.scope === 'string' ? body.scope.split(/\s+/).filter(Boolean) : [...scopes];
    return { token: body.access_token, usableUntil: this.now() + expiresIn * 1000 - margin, scopes: granted };
  }
}
