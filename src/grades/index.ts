/**
 * Grades and mastery back to the LMS (AGS 2.0), with durable delivery; the roster through NRPS 2.0.
 *
 * The practice service writes the outbox rows (outboxRows + outboxUpsertSql) in its answer statement,
 * so a score commits with the attempt or not at all; other callers use `enqueueScore(tx, …)`. After the
 * commit a `ScoreNotifier` wakes a `GradeWorker` (in the web process or `npm run worker`) to deliver it.
 * See docs/grades.md.
 */
import type pg from 'pg';
import type { Logger } from 'pino';
import type { ToolKeys } from '../lti/keys.js';
import type { PlatformRegistry } from '../lti/registry.js';
import { ServiceTokens } from '../lti/service-token.js';
import { GradeWorker } from './delivery.js';
import { RosterService, type Roster } from './roster.js';
import type { GradeSettings } from './settings.js';

export { enqueueScore, MAIN_COLUMN, MASTERY_COLUMN_MAXIMUM, outboxRows, outboxUpsertSql, skillColumn } from './outbox.js';
export type { OutboxRow } from './outbox.js';
export type { ScoreInput, SkillMastery, ActivityProgress, GradingProgress } from './outbox.js';
export { defaultGrade } from './rule.js';
export type { GradeRuleInput, GradeRuleOutput } from './rule.js';
export { GradeWorker } from './delivery.js';
export { ScoreNotifier } from './notify.js';
export { RosterService } from './roster.js';
export type { Roster, Member } from './roster.js';
export { loadGradeSettings } from './settings.js';
export type { GradeSettings } from './settings.js';

/** The grade and roster services of one process, built once by buildServices (src/services.ts). */
export interface GradeServices {
  settings: GradeSettings;
  /** The AGS/NRPS token cache shared by the worker and the roster. */
  tokens: ServiceTokens;
  roster: RosterService;
  /** The course roster (NRPS), cached briefly; never throws for a denied scope or an unreachable LMS. */
  fetchRoster(tenantId: string, contextId: string): Promise<Roster>;
  /** A delivery worker sharing this token cache (not started); a test may give its own logger. */
  createWorker(overrides?: Partial<GradeSettings>, log?: Logger): GradeWorker;
}

/** Builds the grade services from the settings read once at start (`settings.grades`). */
export function createGradeServices(deps: { pool: pg.Pool; toolKeys: ToolKeys; registry: PlatformRegistry; log: Logger; settings: GradeSettings }): GradeServices {
  const settings = deps.settings;
  const tokens = new ServiceTokens(deps.toolKeys);
  const roster = new RosterService({ db: deps.pool, registry: deps.registry, tokens, log: deps.log, ttlMs: settings.rosterTtlMs });
  return {
    settings,
    tokens,
    roster,
    fetchRoster: (tenantId, contextId) => roster.fetchRoster(tenantId, contextId),
    createWorker: (overrides = {}, log = deps.log.child({ component: 'grades' })) =>
      new GradeWorker({ pool: deps.pool, registry: deps.registry, tokens, log, settings: { ...settings, ...overrides } }),
  };
}
