import type pg from 'pg';
import type { Logger } from 'pino';
import { PrivacyService, privacyParts } from './admin/privacy.js';
import { AssignmentService } from './assignments/assignment.service.js';
import { systemClock, systemRandom, type Clock, type Random } from './clock.js';
import { Catalog } from './content/catalog.js';
import { ContentService } from './content/content.service.js';
import { DashboardService } from './dashboard/dashboard.service.js';
import { createGradeServices, ScoreNotifier, type GradeServices } from './grades/index.js';
import { RateLimits } from './http/rate-limits.js';
import { appSecret, ToolKeys } from './lti/keys.js';
import { PlatformKeySets } from './lti/launch.js';
import { DynamicRegistration } from './lti/registration.js';
import { PlatformRegistry } from './lti/registry.js';
import { SessionTokens } from './lti/session.js';
import { PracticeService } from './practice/practice.service.js';
import { SandboxPlatform } from './sandbox/platform.js';
import type { Settings } from './settings.js';

/** Every service of one web process, built once by `buildServices` (server, tests) and handed to `createApp`. */
export interface Services {
  pool: pg.Pool;
  log: Logger;
  /** The origin the LMS and browsers reach us at (the bound address when the port was 0). */
  publicUrl: string;
  adminToken: string;
  registry: PlatformRegistry;
  keySets: PlatformKeySets;
  toolKeys: ToolKeys;
  sessions: SessionTokens;
  /** Rate limits shared by every web process (logins, answers, admin-token failures). */
  limits: RateLimits;
  /** The sandbox LMS (settings.sandbox only). */
  sandbox?: SandboxPlatform;
  registration: DynamicRegistration;
  /** Wakes grade delivery after an answer committed LMS scores. */
  scores: ScoreNotifier;
  /** Grade delivery and the NRPS roster. */
  grades: GradeServices;
  catalog: Catalog;
  /** The instructor's content pages: upload, preview, confirm, packs, skills, question edits (issue 15). */
  content: ContentService;
  assignments: AssignmentService;
  /** The student loop (its answer writer's batching figures are read by bench:practice). */
  practice: PracticeService;
  dashboard: DashboardService;
  /** A learner's export and deletion over every module's privacy part. */
  privacy: PrivacyService;
  /** Releases what the services hold besides the pool (the score notifier's listener). */
  close(): void;
}

/** The grade services alone, as the grade worker (`npm run worker`) needs them. */
export function buildGradeServices(deps: { settings: Settings; pool: pg.Pool; log: Logger }): GradeServices {
  return createGradeServices({ pool: deps.pool, toolKeys: new ToolKeys(deps.pool), registry: new PlatformRegistry(deps.pool), log: deps.log, settings: deps.settings.grades });
}

/**
 * The composition root: builds every service once from settings and a migrated pool. Creates the tool's
 * keys and session secret when missing and, with the sandbox on, the sandbox LMS's platform.
 */
export async function buildServices(deps: { settings: Settings; pool: pg.Pool; log: Logger; publicUrl: string; adminToken: string; clock?: Clock; random?: Random }): Promise<Services> {
  const { settings, pool, log, publicUrl } = deps;
  const clock = deps.clock ?? systemClock;
  const random = deps.random ?? systemRandom;
  // Launch-path reads are reused for a few seconds; admin changes through this process apply at once.
  const registry = new PlatformRegistry(pool, 5_000);
  const toolKeys = new ToolKeys(pool);
  await toolKeys.ensure();
  const sessions = new SessionTokens(await appSecret(pool, 'session_key'), settings.sessionMinutes, publicUrl, { maxHours: settings.sessionMaxHours, db: pool, clock, random });
  const limits = new RateLimits(pool, settings.rateLimits);
  let sandbox: SandboxPlatform | undefined;
  if (settings.sandbox) {
    sandbox = new SandboxPlatform(pool, registry, publicUrl);
    await sandbox.init();
  }
  const scores = new ScoreNotifier(pool);
  const catalog = new Catalog({ pool, log, clock });
  const assignments = new AssignmentService({ pool, log, catalog, clock });
  const practice = new PracticeService({ pool, log, now: deps.clock ? () => clock.now() : undefined, catalog, assignments, scoresQueued: () => scores.committed() });
  const grades = createGradeServices({ pool, toolKeys, registry, log, settings: settings.grades });
  const dashboard = new DashboardService({ pool, catalog, assignments, roster: (t, c) => grades.fetchRoster(t, c), clock, log });
  return {
    pool,
    log,
    publicUrl,
    adminToken: deps.adminToken,
    registry,
    keySets: new PlatformKeySets(),
    toolKeys,
    sessions,
    limits,
    sandbox,
    registration: new DynamicRegistration({ pool, publicUrl }),
    scores,
    grades,
    catalog,
    content: new ContentService({ pool, log, catalog }),
    assignments,
    practice,
    dashboard,
    privacy: new PrivacyService(pool, privacyParts),
    close: () => scores.close(),
  };
}
