import crypto from 'node:crypto';
import { z } from 'zod';
import type pg from 'pg';
import { withTransaction } from '../db/index.js';
import { AppError } from '../http/errors.js';
import { PlatformRegistry, type Platform } from './registry.js';

/** Hours a registration URL stays usable. */
export const REGISTRATION_TTL_HOURS = 24;

const hash = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');
const refused = (why: string) => new AppError('registration_refused', 400, why);

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
 * strangers cannot add platforms.
 */
export class DynamicRegistration {
  constructor(private readonly deps: { pool: pg.Pool; publicUrl: string; fetch?: typeof fetch; userAgent?: string }) {}

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

  /** Runs the whole registration for one LMS request; returns the stored platform. */
  async register(params: { code?: unknown; openid_configuration?: unknown; registration_token?: unknown }): Promise<Platform> {
    const code = typeof params.code === 'string' ? params.code : '';
    const configUrl = typeof params.openid_configuration === 'string' ? params.openid_configuration : '';
    const token = typeof params.registration_token === 'string' && params.registration_token ? params.registration_token : undefined;
    if (!configUrl) throw refused('The LMS did not send openid_configuration: start the registration from the LMS.');
    const valid = await this.deps.pool.query(
      'SELECT 1 FROM registration_codes WHERE code_hash = $1 AND used_at IS NULL AND expires_at > now()',
      [hash(code)],
    );
    if (!code || !valid.rowCount) throw refused('This registration URL is not valid or has expired. Create a new one with the admin API or the CLI.');
    let url: URL;
    try {
      url = new URL(configUrl);
    } catch {
      throw refused('openid_configuration is not a URL.');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['localhost', '127.0.0.1'].includes(url.hostname))) {
      throw refused('openid_configuration must be an https URL.');
    }
    const f = this.deps.fetch ?? fetch;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': this.deps.userAgent ?? 'Mastery-LTI-Tool' };
    if (token) headers.authorization = `Bearer ${token}`;
    const cfgRes = await f(url, { headers, signal: AbortSignal.timeout(10_000) }).catch(() => {
      throw refused('The LMS configuration could not be fetched.');
    });
    if (!cfgRes.ok) throw refused(`The LMS configuration answered HTTP ${cfgRes.status}.`);
    const cfg = openIdConfigSchema.safeParse(await cfgRes.json().catch(() => null));
    if (!cfg.success) throw refused(`The LMS configuration is incomplete: ${cfg.error.issues.map((i) => i.path.join('.')).join(', ')}.`);
    const c = cfg.data;
    // The configuration must come from the issuer's own origin (Dynamic Registration §3.5.1).
    if (new URL(c.issuer).origin !== url.origin && !url.href.startsWith(c.issuer)) throw refused('The LMS configuration was not served by its issuer.');
    const reg = await f(c.registration_endpoint, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify(this.toolConfiguration()),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => {
      throw refused('The LMS registration endpoint could not be reached.');
    });
    if (!reg.ok) throw refused(`The LMS refused the registration (HTTP ${reg.status}).`);
    const out = registrationResponseSchema.safeParse(await reg.json().catch(() => null));
    if (!out.success) throw refused('The LMS registration answer has no client_id.');
    const deployment = out.data['https://purl.imsglobal.org/spec/lti-tool-configuration']?.deployment_id;
    const family = c['https://purl.imsglobal.org/spec/lti-platform-configuration'].product_family_code ?? 'LMS';
    return withTransaction(this.deps.pool, async (tx) => {
      const spent = await tx.query('UPDATE registration_codes SET used_at = now() WHERE code_hash = $1 AND used_at IS NULL RETURNING 1', [hash(code)]);
      if (!spent.rowCount) throw refused('This registration URL was already used.');
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
