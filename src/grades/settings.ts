import { z } from 'zod';
import { SettingsError } from '../settings.js';

/** How the delivery worker retries and paces itself (docs/grades.md lists the variables). */
export interface GradeSettings {
  /** GRADE_MAX_ATTEMPTS: failed sends of one score before it is dead-lettered (state `failed`). */
  maxAttempts: number;
  /** GRADE_BACKOFF_BASE_MS: the first retry waits about this long; each further one doubles it (with jitter). */
  backoffBaseMs: number;
  /** GRADE_BACKOFF_MAX_MS: retries never wait longer than this (except when Retry-After asks for more). */
  backoffMaxMs: number;
  /** GRADE_POLL_MS: how often the worker looks for due scores when no NOTIFY woke it. */
  pollMs: number;
  /** GRADE_CONCURRENCY: scores in flight at once per worker process. */
  concurrency: number;
  /** GRADE_LEASE_MS: a claimed score is re-sent by another worker if not finished by then (crash recovery). */
  leaseMs: number;
  /** GRADE_REQUEST_TIMEOUT_MS: timeout of one call to the LMS. */
  requestTimeoutMs: number;
  /** ROSTER_TTL_MS: how long a fetched NRPS roster is reused. */
  rosterTtlMs: number;
}

const int = (def: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(def);
const schema = z.object({
  GRADE_MAX_ATTEMPTS: int(10, 1, 1000),
  GRADE_BACKOFF_BASE_MS: int(2_000, 1, 3_600_000),
  GRADE_BACKOFF_MAX_MS: int(15 * 60_000, 1, 24 * 3_600_000),
  GRADE_POLL_MS: int(1_000, 10, 600_000),
  GRADE_CONCURRENCY: int(16, 1, 256),
  GRADE_LEASE_MS: int(60_000, 100, 3_600_000),
  GRADE_REQUEST_TIMEOUT_MS: int(10_000, 100, 120_000),
  ROSTER_TTL_MS: int(60_000, 0, 3_600_000),
});

/** Reads the grade-delivery settings from the environment; throws SettingsError naming each bad variable. */
export function loadGradeSettings(env: NodeJS.ProcessEnv = process.env): GradeSettings {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) if (env[key] !== undefined && env[key] !== '') cleaned[key] = env[key]!;
  const p = schema.safeParse(cleaned);
  if (!p.success) throw new SettingsError(`Invalid settings:\n${p.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  const s = p.data;
  return {
    maxAttempts: s.GRADE_MAX_ATTEMPTS,
    backoffBaseMs: s.GRADE_BACKOFF_BASE_MS,
    backoffMaxMs: Math.max(s.GRADE_BACKOFF_MAX_MS, s.GRADE_BACKOFF_BASE_MS),
    pollMs: s.GRADE_POLL_MS,
    concurrency: s.GRADE_CONCURRENCY,
    leaseMs: Math.max(s.GRADE_LEASE_MS, s.GRADE_REQUEST_TIMEOUT_MS * 3),
    requestTimeoutMs: s.GRADE_REQUEST_TIMEOUT_MS,
    rosterTtlMs: s.ROSTER_TTL_MS,
  };
}
