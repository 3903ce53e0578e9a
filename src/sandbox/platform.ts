import crypto from 'node:crypto';
import { SignJWT, createRemoteJWKSet, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK, type JWTPayload } from 'jose';
import type pg from 'pg';
import type { Queryable } from '../db/index.js';
import { CLAIM } from '../lti/claims.js';
import type { Platform, PlatformRegistry } from '../lti/registry.js';
import { DEMO_COURSE, DEMO_LINKS, DEMO_USERS, ROLE_URIS, type SandboxUser } from './demo.js';
import { SandboxLms } from './lms.js';

export const SANDBOX_CLIENT_ID = 'mastery-sandbox';
export const SANDBOX_DEPLOYMENT_ID = 'sandbox-deployment-1';

/** How the sandbox shapes its id_tokens: like Canvas, Moodle or Schoology send them. */
export type Flavor = 'canvas' | 'moodle' | 'schoology';

/** What the sandbox's launch buttons put in lti_message_hint (signed, so it can't be edited in the browser). */
export interface LaunchHint {
  user: string;
  /** A Deep Linking request (add an activity) instead of a resource-link launch. */
  dl?: boolean;
  link: string;
  flavor: Flavor;
  custom?: Record<string, string>;
}

/**
 * The platform side of LTI 1.3, for the local demo and as the peer in tests: its own RSA key and JWKS,
 * an OIDC authorization endpoint that answers with a signed id_token, and helpers that sign any claims
 * (tests use them to forge launches). Built on jose, like the tool side.
 */
export class SandboxPlatform {
  private key!: { kid: string; privateKey: CryptoKey | Uint8Array; publicJwk: JWK };
  private hintKey!: Uint8Array;
  /** Titles of deep-linked activities, for their launch claims. */
  private titles = new Map<string, string>();
  platform!: Platform;
  /** The LMS side of AGS and NRPS (token endpoint, gradebook, roster, fault knobs). */
  lms!: SandboxLms;

  constructor(private readonly db: Queryable, private readonly registry: PlatformRegistry, readonly publicUrl: string) {}

  get issuer(): string {
    return `${this.publicUrl}/sandbox`;
  }

  /** Loads or creates the sandbox keys and registers the sandbox as a platform with one deployment. */
  async init(): Promise<void> {
    const stored = await this.db.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'sandbox_platform_key'`);
    let priv: JWK;
    if (stored.rows[0]) {
      priv = JSON.parse(stored.rows[0].value);
    } else {
      const { privateKey } = await generateKeyPair('RS256', { extractable: true });
      priv = { ...(await exportJWK(privateKey)), kid: `sandbox-${crypto.randomBytes(6).toString('hex')}`, alg: 'RS256' };
      await this.db.query(`INSERT INTO app_secrets(name, value) VALUES ('sandbox_platform_key', $1) ON CONFLICT (name) DO NOTHING`, [JSON.stringify(priv)]);
      const again = await this.db.query<{ value: string }>(`SELECT value FROM app_secrets WHERE name = 'sandbox_platform_key'`);
      priv = JSON.parse(again.rows[0].value);
    }
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = priv;
    this.key = { kid: priv.kid!, privateKey: await importJWK(priv, 'RS256'), publicJwk: { ...pub, use: 'sig' } };
    this.hintKey = crypto.createHash('sha256').update(JSON.stringify(priv)).update('hint').digest();
    this.lms = new SandboxLms(this.db as pg.Pool, { issuer: this.issuer, publicUrl: this.publicUrl, clientId: SANDBOX_CLIENT_ID });

    const existing = (await this.registry.byIssuer(this.issuer)).find((p) => p.clientId === SANDBOX_CLIENT_ID);
    this.platform =
      existing ??
      (await this.registry.create({
        name: 'Sandbox LMS',
        issuer: this.issuer,
        clientId: SANDBOX_CLIENT_ID,
        authLoginUrl: `${this.issuer}/auth`,
        authTokenUrl: `${this.issuer}/token`,
        jwksUrl: `${this.issuer}/jwks`,
        deploymentIds: [SANDBOX_DEPLOYMENT_ID],
      }));
  }

  get kid(): string {
    return this.key.kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [this.key.publicJwk] };
  }

  async signHint(hint: LaunchHint): Promise<string> {
    return new SignJWT({ ...hint }).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('10m').sign(this.hintKey);
  }

  async readHint(token: string): Promise<LaunchHint> {
    const { payload } = await jwtVerify(token, this.hintKey, { algorithms: ['HS256'] });
    return payload as unknown as LaunchHint;
  }

  /** The login-initiation URL for a demo user (what an LMS puts behind its launch link). */
  async loginUrl(opts: { user: string; link?: string; flavor?: Flavor; storage?: boolean; custom?: Record<string, string>; deepLink?: boolean }): Promise<string> {
    const u = new URL(`${this.publicUrl}/lti/login`);
    u.searchParams.set('iss', this.issuer);
    u.searchParams.set('login_hint', opts.user);
    u.searchParams.set('target_link_uri', `${this.publicUrl}/lti/launch`);
    u.searchParams.set('client_id', SANDBOX_CLIENT_ID);
    u.searchParams.set('lti_deployment_id', SANDBOX_DEPLOYMENT_ID);
    const link = opts.link ?? DEMO_LINKS[0].id;
    const custom = opts.custom ?? (await this.link(link))?.custom;
    u.searchParams.set('lti_message_hint', await this.signHint({ user: opts.user, link, flavor: opts.flavor ?? 'canvas', custom, ...(opts.deepLink ? { dl: true } : {}) }));
    if (opts.storage) u.searchParams.set('lti_storage_target', '_parent');
    return u.toString();
  }

  /** The demo course's activities: the built-in ones and those added through Deep Linking. */
  async links(): Promise<{ id: string; title: string; custom?: Record<string, string> }[]> {
    const { rows } = await this.db.query<{ id: string; title: string; custom: Record<string, string> }>('SELECT id, title, custom FROM sandbox_links ORDER BY created_at');
    return [...DEMO_LINKS, ...rows];
  }

  async link(id: string): Promise<{ id: string; title: string; custom?: Record<string, string> } | undefined> {
    const builtIn = DEMO_LINKS.find((l) => l.id === id);
    if (builtIn) return builtIn;
    const { rows } = await this.db.query<{ id: string; title: string; custom: Record<string, string> }>('SELECT id, title, custom FROM sandbox_links WHERE id = $1', [id]);
    return rows[0];
  }

  /** Where the tool returns deep-linking responses. */
  get deepLinkReturnUrl(): string {
    return `${this.issuer}/deep-link-return`;
  }

  /** An LtiDeepLinkingRequest of a demo teacher adding an activity (LTI DL 2.0 §4.4). */
  deepLinkingClaims(user: SandboxUser, flavor: Flavor, nonce: string): JWTPayload {
    const claims = this.launchClaims(user, DEMO_LINKS[0].id, flavor, nonce);
    delete claims[CLAIM.resourceLink];
    delete claims[CLAIM.custom];
    claims[CLAIM.messageType] = 'LtiDeepLinkingRequest';
    claims[CLAIM.deepLinkingSettings] = {
      deep_link_return_url: this.deepLinkReturnUrl,
      accept_types: flavor === 'schoology' ? ['ltiResourceLink', 'html'] : ['ltiResourceLink', 'link', 'html'],
      accept_presentation_document_targets: ['iframe', 'window'],
      accept_multiple: false,
      accept_lineitem: true,
      auto_create: true,
      title: 'New practice',
      data: `sandbox-dl:${user.id}`,
    };
    return claims;
  }

  /**
   * The platform's deep-link return endpoint: verifies the tool's signed response with the tool's JWKS
   * (iss = our client id, aud = the sandbox issuer, RS256), checks the echoed data, and adds the link.
   */
  async acceptDeepLinkingResponse(jwt: string): Promise<{ id: string; title: string }> {
    const keys = createRemoteJWKSet(new URL(`${this.publicUrl}/lti/keys`));
    const { payload } = await jwtVerify(jwt, keys, { algorithms: ['RS256'], issuer: SANDBOX_CLIENT_ID, audience: this.issuer, maxTokenAge: '10m' });
    if (payload[CLAIM.messageType] !== 'LtiDeepLinkingResponse') throw new Error('not a deep-linking response');
    if (payload[CLAIM.version] !== '1.3.0') throw new Error('wrong LTI version');
    if (payload[CLAIM.deploymentId] !== SANDBOX_DEPLOYMENT_ID) throw new Error('wrong deployment');
    const data = payload['https://purl.imsglobal.org/spec/lti-dl/claim/data'];
    if (typeof data !== 'string' || !data.startsWith('sandbox-dl:')) throw new Error('the data claim was not echoed');
    const items = payload['https://purl.imsglobal.org/spec/lti-dl/claim/content_items'] as { type?: string; title?: string; url?: string; custom?: Record<string, string>; lineItem?: unknown }[] | undefined;
    const item = items?.[0];
    if (!item || item.type !== 'ltiResourceLink') throw new Error('no ltiResourceLink content item');
    const id = `dl-${crypto.randomBytes(6).toString('hex')}`;
    const title = String(item.title ?? 'Practice').slice(0, 200);
    await this.db.query('INSERT INTO sandbox_links(id, title, custom, line_item) VALUES ($1,$2,$3,$4)', [id, title, JSON.stringify(item.custom ?? {}), item.lineItem ? JSON.stringify(item.lineItem) : null]);
    return { id, title };
  }

  /** The claims a real platform of this flavor sends for a resource-link launch of a demo user. */
  launchClaims(user: SandboxUser, linkId: string, flavor: Flavor, nonce: string, custom: Record<string, string> = {}): JWTPayload {
    const link = { id: linkId, title: this.titles.get(linkId) ?? DEMO_LINKS.find((l) => l.id === linkId)?.title ?? linkId };
    const isStaff = user.role === 'instructor' || user.role === 'ta';
    const roles = [...ROLE_URIS[user.role]];
    const claims: JWTPayload = {
      nonce,
      sub: user.id,
      name: user.name,
      given_name: user.givenName,
      family_name: user.familyName,
      email: user.email,
      locale: user.locale,
      [CLAIM.messageType]: 'LtiResourceLinkRequest',
      [CLAIM.version]: '1.3.0',
      [CLAIM.deploymentId]: SANDBOX_DEPLOYMENT_ID,
      [CLAIM.targetLinkUri]: `${this.publicUrl}/lti/launch`,
      [CLAIM.resourceLink]: { id: link.id, title: link.title },
      [CLAIM.roles]: roles,
      [CLAIM.context]: { id: DEMO_COURSE.id, label: DEMO_COURSE.label, title: DEMO_COURSE.title, type: ['http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering'] },
      [CLAIM.launchPresentation]: { document_target: 'iframe', locale: user.locale, return_url: `${this.issuer}` },
      [CLAIM.custom]: flavor === 'schoology' ? Object.fromEntries(Object.entries(custom).map(([k, v]) => [k.toLowerCase(), v])) : custom,
      [CLAIM.ags]: {
        scope: [
          'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
          'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
          'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        ],
        lineitems: `${this.issuer}/api/contexts/${DEMO_COURSE.id}/lineitems`,
      },
      [CLAIM.nrps]: {
        context_memberships_url: `${this.issuer}/api/contexts/${DEMO_COURSE.id}/memberships`,
        service_versions: ['2.0'],
      },
      'https://purl.imsglobal.org/spec/lti/claim/tool_platform': {
        guid: 'sandbox-lms',
        name: 'Sandbox LMS',
        product_family_code: flavor,
      },
    };
    if (flavor === 'canvas') {
      claims['https://purl.imsglobal.org/spec/lti/claim/lti11_legacy_user_id'] = crypto.createHash('sha1').update(user.id).digest('hex');
      claims['https://www.instructure.com/placement'] = 'assignment_selection';
      (claims[CLAIM.roles] as string[]).push('http://purl.imsglobal.org/vocab/lis/v2/system/person#User');
    }
    if (flavor === 'moodle') {
      claims['https://purl.imsglobal.org/spec/lti/claim/ext'] = { user_username: user.id, lms: 'moodle-2' };
      claims['https://purl.imsglobal.org/spec/lti/claim/lis'] = { person_sourcedid: '', course_section_sourcedid: '' };
      if (isStaff) (claims[CLAIM.roles] as string[]).push('http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator');
    }
    return claims;
  }

  /** Signs any id_token claims with the sandbox key (iss, aud, iat, exp filled in unless given). */
  async signIdToken(claims: JWTPayload, opts: { kid?: string; key?: CryptoKey | Uint8Array; header?: Record<string, unknown>; alg?: string } = {}): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    const body: JWTPayload = { iss: this.issuer, aud: SANDBOX_CLIENT_ID, iat: now, exp: now + 600, ...claims };
    return new SignJWT(body)
      .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? this.key.kid, typ: 'JWT', ...(opts.header ?? {}) })
      .sign(opts.key ?? this.key.privateKey);
  }

  /** The sandbox's OIDC authorization endpoint: checks the tool's auth request and answers with an id_token. */
  async authorize(q: Record<string, unknown>): Promise<{ redirectUri: string; idToken: string; state: string }> {
    const need = (k: string) => {
      const v = q[k];
      if (typeof v !== 'string' || !v) throw new Error(`${k} is missing from the authorization request`);
      return v;
    };
    if (need('scope') !== 'openid') throw new Error('scope must be openid');
    if (need('response_type') !== 'id_token') throw new Error('response_type must be id_token');
    if (need('response_mode') !== 'form_post') throw new Error('response_mode must be form_post');
    if (need('prompt') !== 'none') throw new Error('prompt must be none');
    if (need('client_id') !== SANDBOX_CLIENT_ID) throw new Error('unknown client_id');
    const redirectUri = need('redirect_uri');
    if (redirectUri !== `${this.publicUrl}/lti/launch`) throw new Error('redirect_uri is not registered for this tool');
    const hint = await this.readHint(need('lti_message_hint')).catch(() => {
      throw new Error('lti_message_hint is not valid');
    });
    if (hint.user !== need('login_hint')) throw new Error('login_hint does not match the message hint');
    const user = DEMO_USERS.find((u) => u.id === hint.user);
    if (!user) throw new Error('unknown user');
    const found = await this.link(hint.link);
    if (found) this.titles.set(found.id, found.title);
    const claims = hint.dl ? this.deepLinkingClaims(user, hint.flavor, need('nonce')) : this.launchClaims(user, hint.link, hint.flavor, need('nonce'), hint.custom);
    const idToken = await this.signIdToken(claims);
    return { redirectUri, idToken, state: need('state') };
  }
}
