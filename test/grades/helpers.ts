import { pino, type Logger } from 'pino';
import { withTransaction } from '../../src/db/index.js';
import { enqueueScore, type GradeSettings, type GradeWorker, type ScoreInput } from '../../src/grades/index.js';
import { tenantIdFor } from '../../src/lti/registry.js';
import type { RunningServer } from '../../src/server.js';
import { DEMO_LINKS } from '../../src/sandbox/demo.js';
import type { Gradebook } from '../../src/sandbox/lms.js';
import { SANDBOX_DEPLOYMENT_ID } from '../../src/sandbox/platform.js';
import { launch } from '../helpers/launch.js';
import { startTestServer, TEST_ADMIN_TOKEN } from '../helpers/server.js';

export const LINK = DEMO_LINKS[0].id;
export const STUDENTS = ['sandbox-student-1', 'sandbox-student-2', 'sandbox-student-3', 'sandbox-student-4'];

/** Delivery settings that make retries take milliseconds instead of minutes. */
export const FAST: Partial<GradeSettings> = { backoffBaseMs: 50, backoffMaxMs: 400, pollMs: 50, maxAttempts: 50, leaseMs: 3_000, requestTimeoutMs: 1_000, concurrency: 8 };

/** The tool and the sandbox LMS, without the in-process worker (each test drives its own). */
export async function startGradeServer(): Promise<RunningServer> {
  return startTestServer({ WORKER: 'off' });
}

/**
 * Closes the server, then gives the pool's sockets a moment to finish closing: pg-pool's end() resolves
 * before its connections are gone, and the root hook stopping PostgreSQL right after would make a
 * half-closed client raise an uncaught "terminating connection" error.
 */
export async function closeServer(srv: RunningServer | undefined): Promise<void> {
  if (!srv) return;
  await srv.close();
  await new Promise((r) => setTimeout(r, 250));
}

export function tenantOf(srv: RunningServer): string {
  return tenantIdFor(srv.services.sandbox!.platform.id, SANDBOX_DEPLOYMENT_ID);
}

/** Launches each student once so the tool knows the resource link, the course and their AGS/NRPS URLs. */
export async function launchStudents(srv: RunningServer, users = STUDENTS, link = LINK): Promise<void> {
  for (const user of users) await launch(srv, { user, link });
}

/** A delivery worker with fast retries; pass a logger to see what it logs. */
export function worker(srv: RunningServer, overrides: Partial<GradeSettings> = {}, log?: Logger): GradeWorker {
  return srv.services.grades.createWorker({ ...FAST, ...overrides }, log);
}

/** A logger that keeps every entry in memory (tests assert on what was logged, and that no token was). */
export function memoryLog(): { log: Logger; lines: Record<string, unknown>[]; text: () => string } {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => { raw.push(s); lines.push(JSON.parse(s)); } });
  return { log, lines, text: () => raw.join('') };
}

let clock = Date.now();
/** Strictly increasing answer times, as consecutive answers have. */
export const nextAt = () => new Date((clock = Math.max(clock + 5, Date.now())));

export async function enqueue(srv: RunningServer, s: Partial<ScoreInput> & { userId: string }): Promise<void> {
  await withTransaction(srv.db.pool, (tx) =>
    enqueueScore(tx, {
      tenantId: tenantOf(srv),
      resourceLinkId: LINK,
      scoreMaximum: 10,
      activityProgress: 'InProgress',
      gradingProgress: 'FullyGraded',
      title: 'Fractions practice',
      at: nextAt(),
      ...s,
    }),
  );
}

export async function gradebook(srv: RunningServer): Promise<Gradebook> {
  return srv.services.sandbox!.lms.gradebook();
}

/** The newest score of a user in a column (by label prefix or the first column). */
export async function cell(srv: RunningServer, userId: string, column?: (c: Gradebook['columns'][number]) => boolean) {
  const gb = await gradebook(srv);
  const col = column ? gb.columns.find(column) : gb.columns.find((c) => c.tag === 'score') ?? gb.columns[0];
  if (!col) return undefined;
  return gb.rows.find((r) => r.userId === userId)?.cells[col.id];
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 10_000, everyMs = 25): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Rows of the outbox by state. */
export async function outboxStates(srv: RunningServer): Promise<Record<string, number>> {
  const { rows } = await srv.db.pool.query(`SELECT state, count(*)::int AS n FROM grade_outbox WHERE tenant_id = $1 GROUP BY state`, [tenantOf(srv)]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

export async function admin(srv: RunningServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}
