import crypto from 'node:crypto';
import { compactVerify, createRemoteJWKSet, customFetch, decodeJwt, decodeProtectedHeader, errors, type JWTPayload } from 'jose';
import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import { launchRefused } from '../http/errors.js';
import type { Actor } from './actor.js';
import { CLAIM } from './claims.js';
import { outbound, type HttpClient } from './http-client.js';
import { hashSecret, LOGIN_TTL_MINUTES } from './login.js';
import type { Platform, PlatformRegistry } from './registry.js';
import { mapRoles, primaryRole } from './roles.js';
import { recordLaunch, type LaunchRecord } from './links.repository.js';

/** Seconds of clock difference tolerated between the LMS and us. */
export const CLOCK_SKEW_S = 60;
/** An id_token issued longer ago than this is refused even if it has not expired. */
export const MAX_TOKEN_AGE_S = 3600;
/** Larger id_tokens are refused before any parsing. */
export const MAX_ID_TOKEN_BYTES = 32 * 1024;

/**
 * The platform's JWKS, fetched once and cached per URL; jose refetches on an unknown kid (after a cooldown).
 * Fetched through the tool's outgoing HTTP client (JWKS byte cap, no redirects, the production address policy).
 */
export class PlatformKeySets {
  private sets = new Map<string, ReturnType<typeof createRemoteJWKSet>>();
  constructor(private readonly opts: { cooldownMs?: number; cacheMaxAgeMs?: number; http?: HttpClient } = {}) {}
  get(url: string): ReturnType<typeof createRemoteJWKSet> {
    let set = this.sets.get(url);
    if (!set) {
      set = createRemoteJWKSet(new URL(url), {
        cooldownDuration: this.opts.cooldownMs ?? 5_000,
        cacheMaxAge: this.opts.cacheMaxAgeMs ?? 10 * 60_000,
        timeoutDuration: 5_000,
        [customFetch]: (u, init) => (this.opts.http ?? outbound()).fetchFor('jwks')(u, init),
      });
      this.sets.set(url, set);
    }
    return set;
  }
}

interface LoginRow {
  state: string;
  nonce: string;
  platform_id: string;
  target_link_uri: string;
  browser_hash: string;
  storage_target: string | null;
  expired: boolean;
  used_at: Date | null;
}

/** What a launch request carries: the form_post fields and the browser-binding secret if we found one. */
export interface LaunchInput {
  idToken?: unknown;
  state?: unknown;
  /** From the login's cookie, if the browser sent it. */
  cookieSecret?: string;
  /** From LTI platform storage, posted back by our relay page. */
  storageSecret?: unknown;
  /** The Origin header of the launch POST: the LMS page that will frame us. */
  requestOrigin?: string;
}

export type LaunchOutcome =
  | { kind: 'launched'; actor: Actor; messageType: string }
  /** No cookie came back but the login used platform storage: the browser must fetch the secret from it. */
  | { kind: 'needs_storage'; state: string; storageTarget: string; platformOrigin: string; idToken: string };

/** One validator per LTI message type (STYLE.md): decides whether it applies and checks its claims. */
interface MessageValidator {
  canValidate(claims: JWTPayload): boolean;
  validate(claims: JWTPayload): void;
}

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

const resourceLinkValidator: MessageValidator = {
  canValidate: (c) => c[CLAIM.messageType] === 'LtiResourceLinkRequest',
  validate(c) {
    const rl = c[CLAIM.resourceLink] as { id?: unknown } | undefined;
    if (!rl || typeof rl !== 'object' || !str(rl.id)) throw launchRefused('resource_link', 'The launch has no resource link id (LTI Core 1.3 §5.3.5).');
    if (!Array.isArray(c[CLAIM.roles])) throw launchRefused('roles', 'The launch has no roles claim (LTI Core 1.3 §5.3.7).');
  },
};

/** LTI Deep Linking 2.0 §4.4: the settings claim with a return URL, and resource links among the accepted types. */
const deepLinkingValidator: MessageValidator = {
  canValidate: (c) => c[CLAIM.messageType] === 'LtiDeepLinkingRequest',
  validate(c) {
    const dl = c[CLAIM.deepLinkingSettings] as { deep_link_return_url?: unknown; accept_types?: unknown } | undefined;
    if (!dl || typeof dl !== 'object' || !str(dl.deep_link_return_url)) throw launchRefused('deep_linking_settings', 'The deep-linking request has no deep_link_return_url (LTI DL 2.0 §4.4.1).');
    try {
      const u = new URL(dl.deep_link_return_url);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('scheme');
    } catch {
      throw launchRefused('deep_linking_settings', 'The deep-linking return URL is not an http(s) URL.');
    }
    if (!Array.isArray(dl.accept_types) || !dl.accept_types.includes('ltiResourceLink')) {
      throw launchRefused('deep_linking_types', 'The LMS does not accept resource links from this deep-linking request, the only content this tool offers.');
    }
    if (!Array.isArray(c[CLAIM.roles])) throw launchRefused('roles', 'The launch has no roles claim (LTI Core 1.3 §5.3.7).');
  },
};

const VALIDATORS: MessageValidator[] = [resourceLinkValidator, deepLinkingValidator];

/**
 * Validates an LTI 1.3 launch (1EdTech Security Framework 1.0 §5.1.3, LTI Core 1.3 §5) as an ordered
 * pipeline; each step fails with its own code and a message that says what was wrong:
 *   validateState -> decodeHeader -> findRegistration -> verifySignature -> checkTimes -> consumeNonce
 *   -> checkDeployment -> validateMessage
 * Only after every step passes are the user, course and resource link written.
 */
export class LaunchValidator {
  constructor(
    private readonly deps: { pool: pg.Pool; registry: PlatformRegistry; keySets: PlatformKeySets; now?: () => number },
  ) {}

  private now(): number {
    return Math.floor((this.deps.now ?? Date.now)() / 1000);
  }

  async launch(input: LaunchInput): Promise<LaunchOutcome> {
    const login = await this.validateState(input);
    const idToken = this.checkTokenShape(input.idToken);
    const platform = await this.deps.registry.get(login.platform_id).catch(() => {
      throw launchRefused('platform', 'The LMS this launch started from is no longer registered.');
    });
    const secret = input.cookieSecret ?? (typeof input.storageSecret === 'string' ? input.storageSecret : undefined);
    if (!secret) {
      if (login.storage_target) {
        return { kind: 'needs_storage', state: login.state, storageTarget: login.storage_target, platformOrigin: new URL(platform.authLoginUrl).origin, idToken };
      }
      throw launchRefused('state_unbound', 'This launch is not bound to your browser (the login cookie did not come back). Allow cookies for this tool or use an LMS that supports LTI platform storage, then try again.');
    }
    if (!timingSafeEqual(hashSecret(secret), login.browser_hash)) {
      throw launchRefused('state_unbound', 'This launch was started in another browser window or session.');
    }
    this.decodeHeader(idToken);
    const claims = await this.findRegistration(idToken, platform);
    await this.verifySignature(idToken, platform);
    this.checkTimes(claims);
    await this.consumeNonce(claims, login);
    const tenantId = await this.checkDeployment(claims, platform);
    const messageType = this.validateMessage(claims, login);
    const actor = toActor(claims, platform, tenantId, input.requestOrigin);
    await recordLaunch(this.deps.pool, launchRecordOf(actor, claims));
    return { kind: 'launched', actor, messageType };
  }

  /** The state must be one we issued, unexpired and unused. */
  async validateState(input: LaunchInput): Promise<LoginRow> {
    if (!str(input.state)) throw launchRefused('state_missing', 'The launch has no state. Start the activity again from your course.');
    if (input.state.length > 200) throw launchRefused('state_unknown', 'The launch state is not one this tool issued.');
    const { rows } = await this.deps.pool.query<LoginRow>(
      `SELECT *, created_at < now() - make_interval(mins => $2) AS expired FROM lti_logins WHERE state = $1`,
      [input.state, LOGIN_TTL_MINUTES],
    );
    const row = rows[0];
    if (!row) throw launchRefused('state_unknown', 'The launch state is not one this tool issued. Start the activity again from your course.');
    if (row.used_at) throw launchRefused('replayed', 'This launch was already used. Start the activity again from your course.');
    if (row.expired) throw launchRefused('state_expired', 'The launch took too long and expired. Start the activity again from your course.');
    return row;
  }

  private checkTokenShape(token: unknown): string {
    if (!str(token)) throw launchRefused('token_missing', 'The launch has no id_token.');
    if (Buffer.byteLength(token) > MAX_ID_TOKEN_BYTES) throw launchRefused('token_too_large', 'The id_token is too large.');
    if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token)) throw launchRefused('token_malformed', 'The id_token is not a signed JWT.');
    return token;
  }

  /** RS256 only, with a kid; jku, jwk and x5u headers are never followed (the key comes from the registered JWKS). */
  decodeHeader(token: string): void {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw launchRefused('token_malformed', 'The id_token header cannot be read.');
    }
    if (header.alg !== 'RS256') throw launchRefused('alg', `The id_token is signed with ${String(header.alg)}; only RS256 is accepted.`);
    if (!str(header.kid)) throw launchRefused('kid', 'The id_token header has no kid.');
  }

  /** Exact issuer, our client id in aud, no untrusted audience, azp with several audiences. */
  async findRegistration(token: string, platform: Platform): Promise<JWTPayload> {
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw launchRefused('token_malformed', 'The id_token payload cannot be read.');
    }
    if (claims.iss !== platform.issuer) throw launchRefused('iss', 'The id_token issuer is not the LMS the login came from.');
    const aud = Array.isArray(claims.aud) ? claims.aud : claims.aud === undefined ? [] : [claims.aud];
    if (!aud.includes(platform.clientId)) throw launchRefused('aud', 'The id_token is not addressed to this tool (aud).');
    if (aud.length > 1) {
      if (claims.azp !== platform.clientId) throw launchRefused('azp', 'The id_token has several audiences and no azp naming this tool.');
      const trusted = new Set((await this.deps.registry.byIssuer(platform.issuer)).map((p) => p.clientId));
      const untrusted = aud.filter((a) => !trusted.has(a));
      if (untrusted.length) throw launchRefused('aud', 'The id_token names an audience this tool does not trust.');
    } else if (claims.azp !== undefined && claims.azp !== platform.clientId) {
      throw launchRefused('azp', 'The id_token azp does not name this tool.');
    }
    return claims;
  }

  /** Signature with a key from the platform's registered JWKS only (cached; refetched on an unknown kid). */
  async verifySignature(token: string, platform: Platform): Promise<void> {
    try {
      await compactVerify(token, this.deps.keySets.get(platform.jwksUrl), { algorithms: ['RS256'] });
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey) throw launchRefused('kid', "No key of the LMS's published key set matches the id_token's kid.");
      if (err instanceof errors.JWKSTimeout || !(err instanceof errors.JOSEError)) {
        throw launchRefused('jwks_unavailable', "The LMS's key set could not be fetched; try again in a moment.");
      }
      throw launchRefused('signature', 'The id_token signature is not valid.');
    }
  }

  /** exp in the future, iat neither in the future nor too old, with a small clock skew. */
  checkTimes(claims: JWTPayload): void {
    const now = this.now();
    if (typeof claims.exp !== 'number') throw launchRefused('exp', 'The id_token has no expiry.');
    if (claims.exp < now - CLOCK_SKEW_S) throw launchRefused('expired', 'The id_token has expired.');
    if (typeof claims.iat !== 'number') throw launchRefused('iat', 'The id_token has no issue time.');
    if (claims.iat > now + CLOCK_SKEW_S) throw launchRefused('iat_future', 'The id_token was issued in the future; check the LMS clock.');
    if (claims.iat < now - MAX_TOKEN_AGE_S) throw launchRefused('iat_old', 'The id_token is too old.');
  }

  /** The nonce must be the one this login issued, and it is accepted once. */
  async consumeNonce(claims: JWTPayload, login: LoginRow): Promise<void> {
    if (!str(claims.nonce) || claims.nonce !== login.nonce) throw launchRefused('nonce', 'The id_token nonce is not the one this login issued.');
    const { rowCount } = await this.deps.pool.query('UPDATE lti_logins SET used_at = now() WHERE state = $1 AND used_at IS NULL', [login.state]);
    if (!rowCount) throw launchRefused('replayed', 'This launch was already used. Start the activity again from your course.');
  }

  async checkDeployment(claims: JWTPayload, platform: Platform): Promise<string> {
    const dep = claims[CLAIM.deploymentId];
    if (!str(dep)) throw launchRefused('deployment', 'The launch has no deployment_id.');
    const tenant = await this.deps.registry.tenantFor(platform.id, dep);
    if (!tenant) throw launchRefused('deployment', `The deployment ${dep} is not registered for this LMS. Ask your school's IT to add it.`);
    return tenant;
  }

  validateMessage(claims: JWTPayload, login: LoginRow): string {
    if (claims[CLAIM.version] !== '1.3.0') throw launchRefused('version', `The launch's LTI version is ${String(claims[CLAIM.version])}; only 1.3.0 is supported.`);
    const type = claims[CLAIM.messageType];
    const validator = VALIDATORS.find((v) => v.canValidate(claims));
    if (!validator) throw launchRefused('message_type', `The message type ${String(type)} is not supported by this tool.`);
    if (claims[CLAIM.targetLinkUri] !== login.target_link_uri) throw launchRefused('target_link_uri', 'The launch target is not the one the login asked for.');
    if (!str(claims.sub)) throw launchRefused('sub', 'The launch is anonymous (no sub). Set the tool privacy level so the LMS sends a user id.');
    validator.validate(claims);
    return String(type);
  }
}

function timingSafeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

function deepLinkingOf(c: JWTPayload): Actor['deepLinking'] {
  if (c[CLAIM.messageType] !== 'LtiDeepLinkingRequest') return undefined;
  const dl = c[CLAIM.deepLinkingSettings] as Record<string, unknown>;
  return {
    returnUrl: String(dl.deep_link_return_url),
    // Returned exactly as received, whatever its JSON type (LTI DL 2.0 §4.4.1: the tool must not change it).
    ...('data' in dl && dl.data !== undefined ? { data: dl.data } : {}),
    acceptMultiple: dl.accept_multiple === true,
    acceptLineItem: dl.accept_lineitem !== false,
    title: typeof dl.title === 'string' ? dl.title.slice(0, 300) : undefined,
  };
}

function toActor(c: JWTPayload, platform: Platform, tenantId: string, requestOrigin?: string): Actor {
  const ctx = (c[CLAIM.context] ?? {}) as { id?: string; title?: string; label?: string };
  const rl = (c[CLAIM.resourceLink] ?? {}) as { id?: string; title?: string };
  const pres = (c[CLAIM.launchPresentation] ?? {}) as { locale?: string; return_url?: string };
  const frameOrigins = new Set<string>();
  for (const u of [requestOrigin, pres.return_url, platform.issuer]) {
    if (typeof u !== 'string' || u === 'null') continue;
    try {
      const o = new URL(u);
      if (o.protocol === 'https:' || o.protocol === 'http:') frameOrigins.add(o.origin);
    } catch {
      /* not a URL: ignored */
    }
  }
  const roles = mapRoles((c[CLAIM.roles] as unknown[]).filter((r): r is string => typeof r === 'string'));
  const locale = typeof c.locale === 'string' ? c.locale : typeof pres.locale === 'string' ? pres.locale : 'en';
  return {
    tenantId,
    platformId: platform.id,
    userId: String(c.sub),
    roles,
    role: primaryRole(roles),
    name: typeof c.name === 'string' ? c.name.slice(0, 200) : undefined,
    locale: locale.slice(0, 20),
    contextId: typeof ctx.id === 'string' ? ctx.id : undefined,
    contextTitle: typeof ctx.title === 'string' ? ctx.title.slice(0, 300) : undefined,
    resourceLinkId: typeof rl.id === 'string' ? rl.id : undefined,
    resourceLinkTitle: typeof rl.title === 'string' ? rl.title.slice(0, 300) : undefined,
    frameOrigins: [...frameOrigins],
    deploymentId: String(c[CLAIM.deploymentId]),
    deepLinking: deepLinkingOf(c),
  };
}

/** What a validated launch records about its user, course and resource link (see ./links.repository.ts). */
function launchRecordOf(actor: Actor, c: JWTPayload): LaunchRecord {
  const ags = (c[CLAIM.ags] ?? {}) as { lineitem?: string; lineitems?: string; scope?: string[] };
  const nrps = (c[CLAIM.nrps] ?? {}) as { context_memberships_url?: string };
  const custom = (c[CLAIM.custom] ?? {}) as Record<string, unknown>;
  const customStr: Record<string, string> = {};
  for (const [k, v] of Object.entries(custom)) if (typeof v === 'string' || typeof v === 'number') customStr[k.toLowerCase()] = String(v);
  const label = (c[CLAIM.context] as { label?: unknown } | undefined)?.label;
  // Which LMS product launched (e.g. canvas, moodle): Canvas-only extensions of scores go only to Canvas.
  const family = (c['https://purl.imsglobal.org/spec/lti/claim/tool_platform'] as { product_family_code?: unknown } | undefined)?.product_family_code;
  return {
    tenantId: actor.tenantId,
    user: { id: actor.userId, name: actor.name ?? null, givenName: typeof c.given_name === 'string' ? c.given_name : null, email: typeof c.email === 'string' ? c.email : null, locale: actor.locale },
    context: { id: actor.contextId ?? null, title: actor.contextTitle ?? null, label: typeof label === 'string' ? label : null, nrpsUrl: nrps.context_memberships_url ?? null, lineitemsUrl: ags.lineitems ?? null },
    link: {
      id: actor.resourceLinkId ?? null, title: actor.resourceLinkTitle ?? null, lineitemUrl: ags.lineitem ?? null,
      agsScopes: Array.isArray(ags.scope) ? ags.scope.filter((s) => typeof s === 'string') : [], custom: customStr,
      platformFamily: typeof family === 'string' && family ? family.toLowerCase().slice(0, 64) : null,
    },
  };
}
