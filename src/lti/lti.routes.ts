import express, { type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type pg from 'pg';
import { LaunchValidator, type PlatformKeySets } from './launch.js';
import { startLogin, stateCookieName, storageKey, LOGIN_TTL_MINUTES } from './login.js';
import type { PlatformRegistry } from './registry.js';
import type { SessionTokens } from './session.js';
import type { ToolKeys } from './keys.js';
import { AppError } from '../http/errors.js';
import { DynamicRegistration } from './registration.js';
import { counts } from '../http/metrics.js';
import type { RateLimits } from '../http/rate-limits.js';
import { validate } from '../http/validate.js';
import { z } from 'zod';

export interface LtiRouteDeps {
  pool: pg.Pool;
  registry: PlatformRegistry;
  keySets: PlatformKeySets;
  toolKeys: ToolKeys;
  sessions: SessionTokens;
  publicUrl: string;
  log: Logger;
  /** Rate limits of OIDC logins (per client IP and per platform); none in unit tests that build the router alone. */
  limits?: RateLimits;
}

function readCookie(req: Request, name: string): string | undefined {
  const raw = req.headers.cookie;
  if (!raw) return undefined;
  for (const part of raw.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

/** A string field, else absent: what each field is allowed to be is the launch pipeline's to judge (and to refuse with its code). */
const text = z.unknown().transform((v) => (typeof v === 'string' ? v : undefined)).optional();
const any = z.unknown().optional();
/** The launch form post (OIDC form_post): the id_token and state, or the LMS's error. */
const launchBody = z
  .object({ id_token: any, state: text, lti_storage_secret: any, error: text, error_description: any })
  .catch({ id_token: undefined, state: undefined, lti_storage_secret: undefined, error: undefined, error_description: undefined });

/**
 * The LTI 1.3 endpoints at stable URLs: /lti/login (OIDC initiation, GET and POST), /lti/launch (redirect
 * URI and default target link URI), /lti/keys (our public JWKS). Launch handling is convert-validate-redirect
 * only: no business logic here.
 */
export function ltiRoutes(deps: LtiRouteDeps): Router {
  const r = express.Router();
  const secure = deps.publicUrl.startsWith('https://');
  const form = express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 50 });
  const validator = new LaunchValidator({ pool: deps.pool, registry: deps.registry, keySets: deps.keySets });

  const login = async (req: Request, res: Response) => {
    const params = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
    const limits = deps.limits;
    const result = await startLogin(params, {
      db: deps.pool,
      registry: deps.registry,
      publicUrl: deps.publicUrl,
      beforeInsert: limits ? (platform) => limits.loginForPlatform(req, platform.id) : undefined,
    });
    res.cookie(stateCookieName(result.state), result.browserSecret, {
      httpOnly: true,
      secure,
      sameSite: secure ? 'none' : 'lax',
      maxAge: LOGIN_TTL_MINUTES * 60_000,
      path: '/lti',
    });
    res.setHeader('Cache-Control', 'no-store');
    if (result.storageTarget) {
      res.render('lti/storage-login', {
        authUrl: result.authUrl,
        storageTarget: result.storageTarget,
        platformOrigin: new URL(result.platform.authLoginUrl).origin,
        key: storageKey(result.state),
        value: result.browserSecret,
      });
      return;
    }
    res.redirect(302, result.authUrl);
  };
  const perIp = deps.limits ? [deps.limits.loginsPerIp()] : [];
  r.get('/lti/login', ...perIp, login);
  r.post('/lti/login', ...perIp, form, login);

  const launchForm = validate({ body: launchBody });
  r.post('/lti/launch', counts('launches'), form, launchForm, async (req: Request, res: Response) => {
    const body = launchForm.input(res).body;
    if (body.error !== undefined) {
      throw new AppError('launch_refused.platform_error', 400, `The LMS refused the launch: ${String(body.error_description ?? body.error).slice(0, 300)}`);
    }
    const state = body.state;
    const outcome = await validator.launch({
      idToken: body.id_token,
      state,
      cookieSecret: state ? readCookie(req, stateCookieName(state)) : undefined,
      storageSecret: body.lti_storage_secret,
      requestOrigin: req.get('origin'),
    });
    res.setHeader('Cache-Control', 'no-store');
    if (outcome.kind === 'needs_storage') {
      res.render('lti/storage-launch', {
        idToken: outcome.idToken,
        state: outcome.state,
        storageTarget: outcome.storageTarget,
        platformOrigin: outcome.platformOrigin,
        key: storageKey(outcome.state),
      });
      return;
    }
    if (state) res.clearCookie(stateCookieName(state), { path: '/lti', secure, sameSite: secure ? 'none' : 'lax', httpOnly: true });
    // A one-time landing code, not the session token: the URL lands in the history and maybe a proxy log.
    const code = await deps.sessions.createLanding(outcome.actor);
    deps.log.info({ tenant: outcome.actor.tenantId, role: outcome.actor.role, type: outcome.messageType }, 'launch accepted');
    const dest = outcome.messageType === 'LtiDeepLinkingRequest' ? '/deep-link' : outcome.actor.role === 'student' ? '/practice' : '/dashboard';
    res.redirect(303, `${dest}?code=${code}`);
  });

  // Launches are form POSTs. A plain GET is what Moodle sends when a teacher saves an activity (it checks
  // the tool URL), or a bookmark: a short friendly page, not a refusal and not a warning in the log.
  r.get('/lti/launch', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.render('lti/launch-info');
  });

  /** LTI Dynamic Registration 1.0: the LMS opens this URL (made by the admin API) in a window or iframe. */
  const registration = new DynamicRegistration({ pool: deps.pool, publicUrl: deps.publicUrl, log: deps.log });
  r.get('/lti/register', async (req, res) => {
    const platform = await registration.register(req.query as Record<string, unknown>);
    deps.log.info({ platform: platform.id, issuer: platform.issuer }, 'platform registered dynamically');
    res.setHeader('Cache-Control', 'no-store');
    res.render('lti/registered', { title: 'Mastery is registered', platform });
  });

  /** Canvas developer-key JSON configuration (Admin > Developer Keys > LTI Key > "Enter URL"). */
  r.get('/lti/canvas.json', (_req, res) => {
    const u = deps.publicUrl;
    const host = new URL(u).host;
    res.json({
      title: 'Mastery',
      description: 'Adaptive, mastery-based practice with hints, worked solutions and grades in the gradebook.',
      oidc_initiation_url: `${u}/lti/login`,
      target_link_uri: `${u}/lti/launch`,
      public_jwk_url: `${u}/lti/keys`,
      scopes: [
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem',
        'https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly',
        'https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly',
        'https://purl.imsglobal.org/spec/lti-ags/scope/score',
        'https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly',
      ],
      extensions: [
        {
          domain: host,
          tool_id: 'mastery',
          platform: 'canvas.instructure.com',
          privacy_level: 'public',
          settings: {
            text: 'Mastery practice',
            placements: [
              { placement: 'assignment_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: `${u}/lti/launch` },
              { placement: 'link_selection', message_type: 'LtiDeepLinkingRequest', target_link_uri: `${u}/lti/launch` },
            ],
          },
        },
      ],
    });
  });

  r.get('/lti/keys', async (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.json(await deps.toolKeys.publicJwks());
  });
  return r;
}
