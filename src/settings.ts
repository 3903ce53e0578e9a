import { z } from 'zod';
import path from 'node:path';
import { parseAllowHosts } from './lti/http-client.js';
import { loadGradeSettings, type GradeSettings } from './grades/settings.js';

/**
 * Typed settings read from the environment once, at start. Every bad value is reported with the
 * variable's name and what is expected, and start-up stops: a tool that half-works in an LMS iframe
 * is worse than one that refuses to start.
 */
export interface Settings {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  /** The public origin the LMS and browsers reach us at, without a trailing slash. */
  publicUrl: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** Port of the embedded PostgreSQL when no DATABASE_URL is given. */
  embeddedPgPort: number;
  /** Connections each process keeps to PostgreSQL. */
  databasePoolSize: number;
  adminToken: string | undefined;
  sandbox: boolean;
  logLevel: string;
  /** Minutes a session token (ltik) stays valid after its last refresh. */
  sessionMinutes: number;
  /** Hours after the launch when a session ends, however often it was refreshed. */
  sessionMaxHours: number;
  /** Rate limits shared by every web process (PostgreSQL-backed); 0 turns one off. */
  rateLimits: RateLimitSettings;
  /** Run the grade-delivery worker inside the web process. */
  inProcessWorker: boolean;
  /** Web processes sharing the port (WEB_CONCURRENCY; node:cluster when more than 1). */
  webProcesses: number;
  /** OUTBOUND_ALLOW_HOSTS: host names, addresses and CIDR ranges the tool may call although private (production). */
  outboundAllowHosts: string[];
  /** Grade delivery's retries, pacing and roster cache (GRADE_* and ROSTER_TTL_MS; see grades/settings.ts). */
  grades: GradeSettings;
}

export interface RateLimitSettings {
  /** OIDC logins per client IP per minute. */
  loginsPerIp: number;
  /** OIDC logins per registered platform per minute. */
  loginsPerPlatform: number;
  /** Answers per student per minute. */
  answersPerStudent: number;
  /** Wrong admin tokens per client IP within 15 minutes before each further one doubles the wait. */
  adminFailures: number;
  /** Requests from the server's own host (loopback, no proxy in between) are not limited (benchmarks, health checks). */
  exemptLoopback: boolean;
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off', ''].includes(v), 'expected 1/0, true/false, yes/no or on/off')
  .transform((v) => ['1', 'true', 'yes', 'on'].includes(v));

const schema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z
    .string()
    .url('expected an absolute URL such as https://mastery.example.edu')
    .refine((u) => /^https?:\/\//.test(u), 'expected an http or https URL')
    .optional(),
  DATABASE_URL: z
    .string()
    .refine((u) => /^postgres(ql)?:\/\//.test(u), 'expected a postgres:// or postgresql:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  EMBEDDED_PG_PORT: z.coerce.number().int().min(1024).max(65535).default(54329),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  SANDBOX: bool.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_MINUTES: z.coerce.number().int().min(5).max(24 * 60).default(120),
  SESSION_MAX_HOURS: z.coerce.number().min(0.25).max(7 * 24).default(8),
  RATE_LOGINS_PER_IP: z.coerce.number().int().min(0).max(1_000_000).default(300),
  RATE_LOGINS_PER_PLATFORM: z.coerce.number().int().min(0).max(10_000_000).default(6000),
  RATE_ANSWERS_PER_STUDENT: z.coerce.number().int().min(0).max(1_000_000).default(120),
  RATE_ADMIN_FAILURES: z.coerce.number().int().min(1).max(10_000).default(10),
  RATE_EXEMPT_LOOPBACK: bool.optional(),
  WORKER: z.enum(['in-process', 'off']).default('in-process'),
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  OUTBOUND_ALLOW_HOSTS: z
    .string()
    .transform((v) => v.split(',').map((e) => e.trim()).filter(Boolean))
    .superRefine((entries, ctx) => {
      try {
        parseAllowHosts(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `${(err as Error).message} (expected a comma-separated list such as moodle.internal,10.0.0.0/8)` });
      }
    })
    .optional(),
});

export class SettingsError extends Error {}

/** Reads and validates settings; throws SettingsError listing every bad variable. */
export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const cleaned: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') cleaned[key] = v;
  }
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SettingsError(`Invalid settings:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  if (s.NODE_ENV === 'production' && !s.ADMIN_TOKEN) {
    throw new SettingsError('Invalid settings:\n  ADMIN_TOKEN: required when NODE_ENV=production (at least 16 characters)');
  }
  if (s.NODE_ENV === 'production' && !s.PUBLIC_URL) {
    throw new SettingsError('Invalid settings:\n  PUBLIC_URL: required when NODE_ENV=production (the https URL the LMS reaches the tool at)');
  }
  return {
    nodeEnv: s.NODE_ENV,
    port: s.PORT,
    publicUrl: (s.PUBLIC_URL ?? `http://localhost:${s.PORT}`).replace(/\/+$/, ''),
    databaseUrl: s.DATABASE_URL,
    dataDir: path.resolve(s.DATA_DIR),
    embeddedPgPort: s.EMBEDDED_PG_PORT,
    databasePoolSize: s.DATABASE_POOL_SIZE,
    adminToken: s.ADMIN_TOKEN,
    sandbox: s.SANDBOX ?? s.NODE_ENV !== 'production',
    logLevel: s.LOG_LEVEL,
    sessionMinutes: s.SESSION_MINUTES,
    sessionMaxHours: s.SESSION_MAX_HOURS,
    rateLimits: {
      loginsPerIp: s.RATE_LOGINS_PER_IP,
      loginsPerPlatform: s.RATE_LOGINS_PER_PLATFORM,
      answersPerStudent: s.RATE_ANSWERS_PER_STUDENT,
      adminFailures: s.RATE_ADMIN_FAILURES,
      exemptLoopback: s.RATE_EXEMPT_LOOPBACK ?? true,
    },
    inProcessWorker: s.WORKER === 'in-process',
    webProcesses: s.WEB_CONCURRENCY,
    outboundAllowHosts: s.OUTBOUND_ALLOW_HOSTS ?? [],
    grades: loadGradeSettings(env),
  };
}

/** Runs a settings loader for a process entry point: a bad value prints its message and exits with 2. */
export function loadOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (err) {
    if (err instanceof SettingsError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
