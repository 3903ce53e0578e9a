import path from 'node:path';
import { projectRoot as root } from './paths.js';
import express, { type Express } from 'express';
import { adminRoutes, requireAdmin } from './admin/admin.routes.js';
import { Metrics } from './http/metrics.js';
import { notFound } from './http/errors.js';
import { cspNonce, errorHandler, requestLog, securityHeaders } from './http/middleware.js';
import { ltiRoutes } from './lti/lti.routes.js';
import type { Actor } from './lti/actor.js';
import { sandboxRoutes } from './sandbox/sandbox.routes.js';
import { previewRoutes } from './dashboard/preview.routes.js';
import { dashboardRoutes } from './dashboard/dashboard.routes.js';
import { studentRoutes } from './dashboard/student.routes.js';
import { analysisRoutes } from './dashboard/analysis.routes.js';
import { groupsRoutes } from './dashboard/groups.routes.js';
import { reportsRoutes } from './dashboard/reports.routes.js';
import { deepLinkRoutes } from './dashboard/deeplink.routes.js';
import { practiceRoutes } from './practice/practice.routes.js';
import { contentRoutes } from './content/content.routes.js';
import type { Services } from './services.js';

/**
 * Builds the express app over the services of `buildServices` (src/services.ts), without listening, so
 * tests can drive it. Every face is mounted here, in order: the student loop, preview, dashboard, deep
 * linking, LTI, admin, the sandbox LMS.
 */
export function createApp({ services }: { services: Services }): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.set('view engine', 'ejs');
  app.set('views', path.join(root, 'views'));
  // Compiled templates without line-number bookkeeping outside development (errors still reach the
  // error handler; only EJS's line-annotated messages are lost).
  // Includes are written from the views root ('/partials/head'), so EJS resolves them without a file
  // system check on every render.
  // rmWhitespace drops the templates' indentation and blank lines (a quarter of a practice page's bytes; no
  // view has <pre> or <textarea>, and values inserted into a page are never touched).
  app.set('view options', { root: path.join(root, 'views'), rmWhitespace: true, ...(app.get('env') !== 'development' ? { compileDebug: false } : {}) });
  // Every page is per user and carries a fresh CSP nonce, so an ETag (a SHA-1 of each body) could never
  // match; static files keep theirs (express.static sets its own).
  app.set('etag', false);
  app.use(cspNonce);
  app.use(
    securityHeaders((res) => {
      const actor = res.locals.actor as Actor | undefined;
      if (actor) return ["'self'", ...actor.frameOrigins].join(' ');
      return '*';
    }),
  );
  app.use(requestLog(services.log));
  const metrics = new Metrics(services.pool);
  app.use(metrics.middleware());
  app.get('/metrics', requireAdmin(services.adminToken, services.limits), async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await services.pool.query('SELECT 1');
      res.json({ status: 'ready', database: 'reachable' });
    } catch {
      res.status(503).json({ status: 'not ready', database: 'unreachable' });
    }
  });
  app.use('/static', express.static(path.join(root, 'static'), { maxAge: '1h', index: false }));

  // The student loop's routes first: they take most requests, and no other router shares their paths.
  app.use(practiceRoutes({ sessions: services.sessions, practice: services.practice, limits: services.limits }));
  app.use(previewRoutes({ pool: services.pool, sessions: services.sessions }));
  app.use(dashboardRoutes({ sessions: services.sessions, dashboard: services.dashboard, assignments: services.assignments }));
  app.use(studentRoutes(services));
  app.use(analysisRoutes(services));
  app.use(groupsRoutes(services));
  app.use(reportsRoutes(services));
  app.use(contentRoutes({ pool: services.pool, sessions: services.sessions, content: services.content }));
  app.use(deepLinkRoutes({ sessions: services.sessions, practice: services.practice, registry: services.registry, toolKeys: services.toolKeys, publicUrl: services.publicUrl }));
  app.use(ltiRoutes(services));
  app.use(
    adminRoutes({
      pool: services.pool, log: services.log, registry: services.registry, toolKeys: services.toolKeys, adminToken: services.adminToken, limits: services.limits,
      registration: services.registration, privacy: services.privacy, userDeleted: (t, u) => services.practice.forgetUser(t, u),
    }),
  );
  if (services.sandbox) app.use(sandboxRoutes(services.sandbox));

  app.get('/', (_req, res) => {
    res.render('index', { title: 'Mastery', publicUrl: services.publicUrl, sandbox: Boolean(services.sandbox) });
  });
  app.use((_req, _res, next) => {
    next(notFound('This page'));
  });
  app.use(errorHandler(services.log));
  return app;
}
