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

  r.get('/sandbox', (req, res) => {
    res.render('sandbox/index', {
      title: 'Sandbox LMS',
      course: DEMO_COURSE,
      links: DEMO_LINKS,
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
    const link = DEMO_LINKS.some((l) => l.id === req.query.link) ? String(req.query.link) : DEMO_LINKS[0].id;
    res.redirect(302, await sandbox.loginUrl({ user, link, flavor, storage: req.query.mode === 'storage' }));
  });

  const authorize = async (req: express.Request, res: express.Response) => {
    const params = { ...(req.query as Record<string, unknown>), ...((req.body as Record<string, unknown>) ?? {}) };
    try {
      const out = await sandbox.authorize(params);
      res.setHeader('Cache-Control', 'no-store');
      res.render('sandbox/form-post', { title: 'Launching…', action: out.redirectUri, fields: { id_token: out.idToken, state: out.state } });
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
