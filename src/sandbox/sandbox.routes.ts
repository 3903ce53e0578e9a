import express, { type Router } from 'express';
import { DEMO_COURSE, DEMO_LINKS, DEMO_USERS } from './demo.js';
import type { Flavor, SandboxPlatform } from './platform.js';
import { AppError } from '../http/errors.js';
import { agsRoutes } from './ags.routes.js';

const FLAVORS: Flavor[] = ['canvas', 'moodle', 'schoology'];

/** The sandbox LMS's pages and endpoints under /sandbox (off in production unless SANDBOX=1). */
export function sandboxRoutes(sandbox: SandboxPlatform): Router {
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });

  r.get('/sandbox', async (req, res) => {
    res.render('sandbox/index', {
      title: 'Sandbox LMS',
      course: DEMO_COURSE,
      links: await sandbox.links(),
      users: DEMO_USERS,
      flavors: FLAVORS,
      issuer: sandbox.issuer,
      publicUrl: sandbox.publicUrl,
    });
  });

  /** A launch link: sends the iframe to the tool's login-initiation URL, as an LMS does. */
  r.get('/sandbox/launch', async (req, res) => {
    const user = String(req.query.user ?? '');
    if (!DEMO_USERS.some((u) => u.id === user)) throw new AppError('bad_request', 400, 'Unknown sandbox user.');
    const flavor = FLAVORS.includes(req.query.flavor as Flavor) ? (req.query.flavor as Flavor) : 'canvas';
    const link = (await sandbox.link(String(req.query.link ?? ''))) ? String(req.query.link) : DEMO_LINKS[0].id;
    res.redirect(302, await sandbox.loginUrl({ user, link, flavor, storage: req.query.mode === 'storage' }));
  });

  /** "Add an activity": a Deep Linking launch of a teacher, as an LMS's activity picker does. */
  r.get('/sandbox/deep-link', async (req, res) => {
    const user = String(req.query.user ?? '');
    if (!DEMO_USERS.some((u) => u.id === user)) throw new AppError('bad_request', 400, 'Unknown sandbox user.');
    const flavor = FLAVORS.includes(req.query.flavor as Flavor) ? (req.query.flavor as Flavor) : 'canvas';
    res.redirect(302, await sandbox.loginUrl({ user, flavor, storage: req.query.mode === 'storage', deepLink: true }));
  });

  /** Deep Linking return: the tool posts its signed response here; the sandbox adds the activity. */
  r.post('/sandbox/deep-link-return', form, async (req, res) => {
    const jwt = (req.body as Record<string, unknown>)?.JWT;
    if (typeof jwt !== 'string') throw new AppError('bad_request', 400, 'Sandbox LMS: the deep-linking response has no JWT.');
    let added: { id: string; title: string };
    try {
      added = await sandbox.acceptDeepLinkingResponse(jwt);
    } catch (err) {
      throw new AppError('sandbox_deep_link', 400, `Sandbox LMS refused the deep-linking response: ${(err as Error).message}`);
    }
    res.render('sandbox/deep-link-added', { title: 'Activity added', added });
  });

  const authorize = async (req: express.Request, res: express.Response) => {
    const params = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
    try {
      const out = await sandbox.authorize(params);
      res.setHeader('Cache-Control', 'no-store');
      res.render('lti/form-post', { title: 'Launching…', action: out.redirectUri, fields: { id_token: out.idToken, state: out.state } });
    } catch (err) {
      throw new AppError('sandbox_auth', 400, `Sandbox LMS refused the authorization request: ${(err as Error).message}`);
    }
  };
  r.get('/sandbox/auth', authorize);
  r.post('/sandbox/auth', form, authorize);

  r.get('/sandbox/jwks', (_req, res) => {
    res.json(sandbox.jwks());
  });
  r.use(agsRoutes(sandbox.lms));
  return r;
}
