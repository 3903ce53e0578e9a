import crypto from 'node:crypto';
import { z } from 'zod';
import type { Queryable } from '../db/index.js';
import { AppError } from '../http/errors.js';
import type { Platform, PlatformRegistry } from './registry.js';

/** Minutes an OIDC login may take before its state and nonce expire. */
export const LOGIN_TTL_MINUTES = 10;

const loginSchema = z.object({
  iss: z.string({ error: 'iss is missing' }).min(1, 'iss is missing').max(2048),
  login_hint: z.string({ error: 'login_hint is missing' }).min(1, 'login_hint is missing').max(4096),
  target_link_uri: z.string({ error: 'target_link_uri is missing' }).min(1, 'target_link_uri is missing').max(2048),
  lti_message_hint: z.string().max(8192).optional(),
  client_id: z.string().max(255).optional(),
  lti_deployment_id: z.string().max(255).optional(),
  lti_storage_target: z.string().max(255).regex(/^[A-Za-z0-9_\-]+$/, 'lti_storage_target is not a frame name').optional(),
});

export interface LoginResult {
  platform: Platform;
  state: string;
  /** The secret that binds this login to the browser: set as a cookie and, with platform storage, stored there too. */
  browserSecret: string;
  /** Where to send the browser: the platform's OIDC authorization endpoint with our request. */
  authUrl: string;
  storageTarget?: string;
}

const loginError = (why: string) => new AppError('login_refused', 400, why);
export const hashSecret = (s: string) => crypto.createHash('sha256').update(s).digest('base64url');

/**
 * OIDC third-party initiated login (LTI Core 1.3 §4.1, Security Framework §5.1.1.1): finds the platform,
 * checks the target is ours, issues a state and a nonce kept server-side, and builds the authorization
 * request. Nothing is trusted from the login request beyond picking the platform.
 */
export async function startLogin(
  params: Record<string, unknown>,
  deps: { db: Queryable; registry: PlatformRegistry; publicUrl: string; beforeInsert?: (platform: Platform) => Promise<void> },
): Promise<LoginResult> {
  const parsed = loginSchema.safeParse(params);
  if (!parsed.success) throw loginError(`The LMS login request is incomplete: ${parsed.error.issues.map((i) => i.message).join('; ')}.`);
  const p = parsed.data;
  const candidates = await deps.registry.byIssuer(p.iss);
  if (candidates.length === 0) throw loginError(`No LMS with issuer ${p.iss} is registered with this tool. Ask your school's IT to register it.`);
  let platform: Platform | undefined;
  if (p.client_id) platform = candidates.find((c) => c.clientId === p.client_id);
  else if (candidates.length === 1) platform = candidates[0];
  if (!platform) {
    throw loginError(p.client_id
      ? `The client id ${p.client_id} is not registered for ${p.iss}.`
      : `Several registrations exist for ${p.iss}; the LMS must send client_id in the login request.`);
  }
  if (p.lti_deployment_id && !platform.deploymentIds.includes(p.lti_deployment_id)) {
    throw loginError(`The deployment ${p.lti_deployment_id} is not registered for this LMS. Ask your school's IT to add it.`);
  }
  let target: URL;
  try {
    target = new URL(p.target_link_uri);
  } catch {
    throw loginError('target_link_uri is not a URL.');
  }
  if (target.origin !== new URL(deps.publicUrl).origin) throw loginError('target_link_uri does not point at this tool.');

  // The per-platform rate limit, counted before anything is written.
  await deps.beforeInsert?.(platform);
  const state = crypto.randomBytes(24).toString('base64url');
  const nonce = crypto.randomBytes(24).toString('base64url');
  const browserSecret = crypto.randomBytes(24).toString('base64url');
  await deps.db.query(
    `INSERT INTO lti_logins(state, nonce, platform_id, target_link_uri, browser_hash, storage_target) VALUES ($1,$2,$3,$4,$5,$6)`,
    [state, nonce, platform.id, p.target_link_uri, hashSecret(browserSecret), p.lti_storage_target ?? null],
  );
  // Old logins are useless after their TTL; clear them opportunistically (cheap, indexed).
  if (Math.random() < 0.05) {
    await deps.db.query(`DELETE FROM lti_logins WHERE created_at < now() - interval '1 day'`);
  }
  const auth = new URL(platform.authLoginUrl);
  const q = auth.searchParams;
  q.set('scope', 'openid');
  q.set('response_type', 'id_token');
  q.set('response_mode', 'form_post');
  q.set('prompt', 'none');
  q.set('client_id', platform.clientId);
  q.set('redirect_uri', `${deps.publicUrl}/lti/launch`);
  q.set('login_hint', p.login_hint);
  q.set('state', state);
  q.set('nonce', nonce);
  if (p.lti_message_hint) q.set('lti_message_hint', p.lti_message_hint);
  return { platform, state, browserSecret, authUrl: auth.toString(), storageTarget: p.lti_storage_target };
}

/** The cookie that carries the browser secret of one login (one per state, so parallel launches work). */
export const stateCookieName = (state: string) => `lti_state_${hashSecret(state).slice(0, 20)}`;
/** The platform-storage key of one login's browser secret. */
export const storageKey = (state: string) => `mastery_state_${hashSecret(state).slice(0, 20)}`;
