import path from 'node:path';
import { projectRoot as root } from './paths.js';
import express, { type Express, type Router } from 'express';
import type pg from 'pg';
import type { Logger } from 'pino';
import { adminRoutes, requireAdmin } from './admin/admin.routes.js';
import { PrivacyService, privacyParts } from './admin/privacy.js';
import { Metrics } from './http/metrics.js';
import { notFound } from './http/errors.js';
import { cspNonce, errorHandler, requestLog, securityHeaders } from './http/middleware.js';
import type { ToolKeys } from './lti/keys.js';
import type { PlatformKeySets } from './lti/launch.js';
import { ltiRoutes } from './lti/lti.routes.js';
import { DynamicRegistration } from './lti/registration.js';
import type { PlatformRegistry } from './lti/registry.js';
import type { SessionTokens } from './lti/session.js';
import type { Actor } from './lti/actor.js';
import { sandboxRoutes } from './sandbox/sandbox.routes.js';
import type { SandboxPlatform } from './sandbox/platform.js';
import type { GradeServices } from './grades/index.js';
import type { RateLimits } from './http/rate-limits.js';


/** Everything the web app needs, built by main.ts (or by a test). */
export interface AppDeps {
  pool: pg.Pool;
  log: Logger;
  publicUrl: string;
  registry: PlatformRegistry;
  keySets: PlatformKeySets;
  toolKeys: ToolKeys;
  sessions: SessionTokens;
  adminToken: string;
  /** Rate limits shared by every web process (logins, answers, admin-token failures). */
  limits?: RateLimits;
  sandbox?: SandboxPlatform;
  /** Grade delivery and the NRPS roster (`grades.fetchRoster(tenantId, contextId)` for the dashboard). */
  grades?: GradeServices;
  /** Routers of later features (practice, dashboard, deep linking), mounted first (their paths are their own). */
  routers?: Router[];
  /** A learner's export and deletion over every module's privacy part (default: over `privacyParts`). */
  privacy?: PrivacyService;
  /** Called after a learner's data is deleted through the admin API. */
  userDeleted?: (tenantId: string, userId: string) => void;
}

/** Builds the express app without listening, so tests can drive it. */
export function createApp(deps: AppDeps): Express {
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
  app.use(requestLog(deps.log));
  const metrics = new Metrics(deps.pool);
  app.use(metrics.middleware());
  app.get('/metrics', requireAdmin(deps.adminToken, deps.limits), async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'up' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await deps.pool.query('SELECT 1');
      res.json({ status: 'ready', database: 'reachable' });
    } catch {
      res.status(503).json({ status: 'not ready', database: 'unreachable' });
    }
  });
  app.use('/static', express.static(path.join(root, 'static'), { maxAge: '1h', index: false }));

  // The student loop's routes first: they take most requests, and no other router shares their paths.
  for (const r of deps.routers ?? []) app.use(r);
  app.use(ltiRoutes(deps));
  app.use(
    adminRoutes({
      pool: deps.pool, log: deps.log, registry: deps.registry, toolKeys: deps.toolKeys, adminToken: deps.adminToken, limits: deps.limits,
      registration: new DynamicRegistration({ pool: deps.pool, publicUrl: deps.publicUrl }),
      privacy: deps.privacy ?? new PrivacyService(deps.pool, privacyParts), userDeleted: deps.userDeleted,
    }),
  );
  if (deps.sandbox) app.use(sandboxRoutes(deps.sandbox));

  app.get('/', (_req, res) => {
    res.render('index', { title: 'Mastery', publicUrl: deps.publicUrl, sandbox: Boolean(deps.sandbox) });
  });
  app.use((_req, _res, next) => {
    next(notFound('This page'));
  });
  app.use(errorHandler(deps.log));
  return app;
}
