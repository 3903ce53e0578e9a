import crypto from 'node:crypto';
import { z } from 'zod';
import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import type { Logger } from 'pino';
import { AppError } from '../http/errors.js';
import { hostAndPath, outbound, OutboundError, type HttpClient } from './http-client.js';
import { PlatformRegistry, type Platform } from './registry.js';

/** Hours a registration URL stays usable. */
export const REGISTRATION_TTL_HOURS = 24;

const hash = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');
const refused = (why: string) => new AppError('registration_refused', 400, why);
const originOf = (u: string) => new URL(u).origin;
/** A failed call for the log: our own messages (host and path only), never a snippet of the remote body. */
const whyFailed = (err: unknown) => (err instanceof SyntaxError ? 'the answer is not JSON' : err instanceof OutboundError ? err.message : 'the call failed');

/** Canvas cloud's issuers: every school's Canvas (https://school.instructure.com) serves its configuration with one of them. */
const CANVAS_CLOUD_ISSUERS = new Set(['https://canvas.instructure.com', 'https://canvas.beta.instructure.com', 'https://canvas.test.instructure.com']);

/**
 * Whether the OpenID configuration at `configUrl` may speak for `issuer`: the same URL origin, or Canvas
 * cloud (one of its issuers, served from a host under instructure.com, matched by DNS labels).
 */
export function servedByIssuer(issuer: string, configUrl: URL): boolean {
  let iss: URL;
  try {
    iss = new URL(issuer);
  } catch {
    return false;
  }
  if (iss.origin === configUrl.origin) return true;
  const host = configUrl.hostname.toLowerCase();
  return CANVAS_CLOUD_ISSUERS.has(iss.origin) && iss.pathname.replace(/\/+$/, '') === '' && host.endsWith('.instructure.com');
}

/** The one message for every failure that depends on what came back from the LMS (details in the log). */
export const REGISTRATION_FAILED =
  'The registration with the LMS did not complete, and this registration URL is now used up. Check the LMS address, create a new registration URL with the admin API or the CLI and start again; the tool\'s log says what went wrong.';

/** The platform's OpenID configuration, as LTI Dynamic Registration 1.0 §3.4 requires it. */
const openIdConfigSchema = z.object({
  issuer: z.string().url(),
  authorization_endpoint: z.string().url(),
  token_endpoint: z.string().url(),
  jwks_uri: z.string().url(),
  registration_endpoint: z.string().url(),
  scopes_supported: z.array(z.string()).optional(),
  'https://purl.imsglobal.org/spec/lti-platform-configuration': z
    .object({ product_family_code: z.string().optional(), version: z.string().optional(), messages_supported: z.array(z.object({ type: z.string() }).passthrough()).optional() })
    .passthrough(),
});

const registrationResponseSchema = z.object({
  client_id: z.string().min(1),
  'https://purl.imsglobal.org/spec/lti-tool-configuration': z.object({ deployment_id: z.string().optional() }).passthrough().optional(),
});

const SCOPES = [
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
  'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
  'https://purl.imsglobal.org/spec/lti-ags/scope/score',
  'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
];

/**
 * LTI Dynamic Registration 1.0 (tool side). School IT creates a one-time registration URL; the LMS opens
 * it with `openid_configuration` and `registration_token`; the tool reads the platform's configuration
 * (issuer must own the configuration URL), registers itself at the platform's registration endpoint and
 * stores the platform with the deployment the platform created. Without a valid code nothing happens, so
 * strangers cannot add platforms; every call goes through the outgoing HTTP client (byte caps, timeouts,
 * no redirects, https and public addresses only in production).
 */
export class DynamicRegistration {
  constructor(private readonly deps: { pool: pg.Pool; publicUrl: string; log?: Logger; http?: HttpClient }) {}

  /** Logs why a registration failed (no token, no body) and answers the one generic message. */
  private fail(stage: string, why: string, extra: Record<string, unknown> = {}): never {
    this.deps.log?.warn({ stage, why, ...extra }, 'dynamic registration failed');
    throw refused(REGISTRATION_FAILED);
  }

  /** A new one-time registration URL for school IT to paste into the LMS. */
  async createCode(): Promise<{ url: string; expiresAt: Date }> {
    const code = crypto.randomBytes(24).toString('base64url');
    const { rows } = await this.deps.pool.query<{ expires_at: Date }>(
      `INSERT INTO registration_codes(code_hash, expires_at) VALUES ($1, now() + make_interval(hours => $2)) RETURNING expires_at`,
      [hash(code), REGISTRATION_TTL_HOURS],
    );
    return { url: `${this.deps.publicUrl}/lti/register?code=${code}`, expiresAt: rows[0].expires_at };
  }

  /** The registration request our tool sends (Dynamic Registration §3.5.1, with Canvas's privacy extension). */
  toolConfiguration(): Record<string, unknown> {
    const u = this.deps.publicUrl;
    return {
      application_type: 'web',
      response_types: ['id_token'],
      grant_types: ['implicit', 'client_credentials'],
      initiate_login_uri: `${u}/lti/login`,
      redirect_uris: [`${u}/lti/launch`],
      client_name: 'Mastery',
      jwks_uri: `${u}/lti/keys`,
      token_endpoint_auth_method: 'private_key_jwt',
      scope: SCOPES.join(' '),
      'https://purl.imsglobal.org/spec/lti-tool-configuration': {
        domain: new URL(u).host,
        target_link_uri: `${u}/lti/launch`,
        description: 'Adaptive, mastery-based practice with hints, worked solutions and grades in the gradebook.',
        claims: ['iss', 'sub', 'name', 'given_name', 'family_name', 'email', 'locale'],
        messages: [
          { type: 'LtiDeepLinkingRequest', target_link_uri: `${u}/lti/launch`, label: 'Mastery practice', placements: ['assignment_selection', 'link_selection', 'ContentArea'] },
          { type: 'LtiResourceLinkRequest', target_link_uri: `${u}/lti/launch` },
        ],
        'https://canvas.instructure.com/lti/privacy_level': 'public',
      },
    };
  }

  /**
   * Runs the whole registration for one LMS request; returns the stored platform.
   *
   * The one-time code is spent before the first outgoing call, whatever happens next, so one
   * registration URL can never be used to make the tool call out more than once. Every failure that
   * depends on what the LMS (or whatever answers at the given URL) said is one generic message: the
   * page is no oracle of remote status codes, bodies or reachability; the details go to the log.
   */
  async register(params: { code?: unknown; openid_configuration?: unknown; registration_token?: unknown }): Promise<Platform> {
    const code = typeof params.code === 'string' ? params.code : '';
    const configUrl = typeof params.openid_configuration === 'string' ? params.openid_configuration : '';
    const token = typeof params.registration_token === 'string' && params.registration_token ? params.registration_token : undefined;
    if (!configUrl) throw refused('The LMS did not send openid_configuration: start the registration from the LMS.');
    const spent = code
      ? await this.deps.pool.query(
          'UPDATE registration_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING 1',
          [hash(code)],
        )
      : { rowCount: 0 };
    if (!spent.rowCount) throw refused('This registration URL is not valid, has expired or was already used. Create a new one with the admin API or the CLI.');
    const log = this.deps.log;
    const http = this.deps.http ?? outbound();

    // Checks of the URL alone (nothing fetched yet): safe to say which.
    let url: URL;
    try {
      url = http.check(configUrl);
    } catch (err) {
      log?.warn({ stage: 'openid_configuration', why: (err as Error).message }, 'dynamic registration refused');
      throw refused(err instanceof OutboundError && err.code === 'scheme' ? 'openid_configuration must be an https URL.' : 'openid_configuration is not an address the tool may call.');
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;

    let raw: unknown;
    try {
      const res = await http.request(url, { kind: 'openid-configuration', headers });
      if (!res.ok) this.fail('openid_configuration', `answered HTTP ${res.status}`, { url: hostAndPath(url) });
      raw = res.json();
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.fail('openid_configuration', whyFailed(err), { url: hostAndPath(url) });
    }
    const cfg = openIdConfigSchema.safeParse(raw);
    if (!cfg.success) this.fail('openid_configuration', `incomplete: ${cfg.error.issues.map((i) => i.path.join('.')).join(', ')}`, { url: hostAndPath(url) });
    const c = cfg.data;
    // The configuration must be served from the issuer's own origin (Dynamic Registration §3.5.1), compared
    // as URL origins: https://canvas.instructure.com.evil.tld is not https://canvas.instructure.com.
    if (!servedByIssuer(c.issuer, url)) this.fail('issuer', 'the configuration was not served by its issuer', { issuer: hostAndPath(c.issuer), url: hostAndPath(url) });
    // The tool POSTs its configuration (with the registration token) only to the platform's own origin.
    if (originOf(c.registration_endpoint) !== url.origin) this.fail('registration_endpoint', 'the registration endpoint is not on the platform\'s origin', { endpoint: hostAndPath(c.registration_endpoint) });
    // Endpoints the tool will call later must pass the same outgoing policy (https in production).
    for (const [field, value] of [['token_endpoint', c.token_endpoint], ['jwks_uri', c.jwks_uri], ['registration_endpoint', c.registration_endpoint]] as const) {
      try {
        http.check(value);
      } catch (err) {
        this.fail(field, (err as Error).message);
      }
    }
    if (http.policy.requireHttps && new URL(c.authorization_endpoint).protocol !== 'https:') this.fail('authorization_endpoint', 'not https');

    let regRaw: unknown;
    try {
      const reg = await http.request(c.registration_endpoint, {
        kind: 'registration',
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(this.toolConfiguration()),
      });
      if (!reg.ok) this.fail('registration_endpoint', `answered HTTP ${reg.status}`, { endpoint: hostAndPath(c.registration_endpoint) });
      regRaw = reg.json();
    } catch (err) {
      if (err instanceof AppError) throw err;
      this.fail('registration_endpoint', whyFailed(err), { endpoint: hostAndPath(c.registration_endpoint) });
    }
    const out = registrationResponseSchema.safeParse(regRaw);
    if (!out.success) this.fail('registration_endpoint', 'the answer has no client_id', { endpoint: hostAndPath(c.registration_endpoint) });
    const deployment = out.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
    const family = c['https://purl.imsglobal.org/spec/lti-platform-configuration'].product_family_code ?? 'LMS';
    return withTransaction(this.deps.pool, async (tx) => {
      const registry = new PlatformRegistry(tx);
      const existing = (await registry.byIssuer(c.issuer)).find((p) => p.clientId === out.data.client_id);
      const platform =
        existing ??
        (await registry.create({
          name: `${family} (${new URL(c.issuer).host})`,
          issuer: c.issuer,
          clientId: out.data.client_id,
          authLoginUrl: c.authorization_endpoint,
          authTokenUrl: c.token_endpoint,
          jwksUrl: c.jwks_uri,
          deploymentIds: [],
        }));
      if (deployment) await registry.addDeployments(platform.id, [deployment]);
      await tx.query('UPDATE registration_codes SET platform_id = $2 WHERE code_hash = $1', [hash(code), platform.id]);
      return registry.get(platform.id);
    });
  }
}
