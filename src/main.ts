import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import { startEmbedded, startFailureSentence } from './db/index.js';
import { createLogger } from './log.js';
import { loadOrExit, loadSettings, type Settings } from './settings.js';
import { startServer } from './server.js';

/** Set by the primary in the environment of every web process it starts (see `primary`). */
const WORKER_ENV = 'MASTERY_WEB_PROCESS';
/** What a web process sends the primary once it has started. */
const READY = 'mastery-ready';

/**
 * Composition root: settings -> database -> app -> listen; graceful shutdown on SIGINT/SIGTERM.
 * With WEB_CONCURRENCY > 1 this process is the primary of a node:cluster instead: see `primary`.
 */
async function main(): Promise<void> {
  const settings = loadOrExit(() => loadSettings());
  const log = createLogger(settings.logLevel);
  if (settings.webProcesses > 1 && cluster.isPrimary) return primary(settings, log);
  const first = process.env[WORKER_ENV] === undefined || process.env[WORKER_ENV] === '1';
  const running = await startServer(settings, log, { printAdminToken: first });
  log.info({ url: running.url, sandbox: settings.sandbox, database: settings.databaseUrl ? 'external' : 'embedded', process: process.env[WORKER_ENV] ?? 'single' }, 'mastery is listening');
  if (settings.sandbox && first) process.stdout.write(`Sandbox LMS: ${running.url}/sandbox\n`);
  // Tells the primary this web process is fully started (keys, secrets and demo content exist).
  if (cluster.isWorker) process.send?.({ type: READY });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => process.exit(1), 15_000);
    timer.unref();
    try {
      await running.close();
      log.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      log.error({ err: (err as Error).message }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  if (!cluster.isWorker) stopWhenLauncherDies(stop);
}

/**
 * `npm start` runs tsx, which runs this file in a child node process and relays signals to it. When tsx
 * itself is killed (`kill -9`), nothing would stop this process: it notices that its parent changed and
 * stops cleanly (only under tsx; a tool started directly by a shell or a service manager is not affected).
 */
function stopWhenLauncherDies(stop: (reason: string) => Promise<void>): void {
  const parent = process.ppid;
  let command = '';
  try {
    command = readFileSync(`/proc/${parent}/cmdline`, 'utf8');
  } catch {
    return;
  }
  if (!command.split('\0').some((arg) => /(^|[/\\])tsx([/\\]|$)/.test(arg))) return;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    void stop('launcher exited');
  }, 500);
  timer.unref();
}

/**
 * WEB_CONCURRENCY > 1: one Node process handles requests on one core, so this primary starts that many
 * web processes sharing the port (node:cluster). They share the database and need nothing else in
 * common: every write is version-guarded and grade delivery claims rows with SKIP LOCKED. The primary
 * owns the embedded PostgreSQL when DATABASE_URL is unset and gives its URL to the web processes. The
 * first web process starts alone (it applies migrations and creates keys and demo content), then the
 * others. A web process that dies is replaced; SIGTERM/SIGINT stop them all, then the database.
 */
async function primary(settings: Settings, log: Logger): Promise<void> {
  let databaseUrl = settings.databaseUrl;
  let stopDatabase: (() => Promise<void>) | undefined;
  if (!databaseUrl) {
    const emb = await startEmbedded(settings.dataDir, settings.embeddedPgPort, log);
    databaseUrl = emb.url;
    stopDatabase = emb.stop;
  }
  let stopping = false;
  const start = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const worker = cluster.fork({ DATABASE_URL: databaseUrl, [WORKER_ENV]: String(n) });
      let ready = false;
      const started = (m: { type?: string }) => {
        if (m?.type !== READY) return;
        ready = true;
        worker.off('message', started);
        worker.off('exit', failed);
        resolve();
      };
      const failed = (code: number | null) => reject(new Error(`web process ${n} exited with code ${code} before it started`));
      worker.on('message', started);
      worker.once('exit', failed);
      worker.on('exit', (code, signal) => {
        if (stopping || !ready) return;
        log.error({ process: n, code, signal }, 'web process exited; starting another');
        void start(n).catch((err: Error) => log.error({ err: err.message }, 'could not restart a web process'));
      });
    });
  const stop = async (signal: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down every web process');
    const timer = setTimeout(() => process.exit(1), 20_000);
    timer.unref();
    const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
    await Promise.all(
      workers.map(
        (w) =>
          new Promise<void>((resolve) => {
            if (w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      ),
    );
    await stopDatabase?.().catch((err: Error) => log.error({ err: err.message }, 'embedded database did not stop cleanly'));
    if (!exitCode) log.info('stopped cleanly');
    process.exit(exitCode);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  stopWhenLauncherDies(stop);
  try {
    await start(1);
    await Promise.all(Array.from({ length: settings.webProcesses - 1 }, (_, i) => start(i + 2)));
  } catch (err) {
    // The web process printed its own one-sentence reason; this only says the whole start failed.
    process.stderr.write(`mastery could not start: ${(err as Error).message} (its reason is printed above).\n`);
    await stop('startup failure', 1);
    return;
  }
  log.info({ processes: settings.webProcesses, port: settings.port }, 'mastery is listening with several web processes');
}

main().catch((err: unknown) => {
  const port = Number(process.env.PORT) || 3000;
  process.stderr.write(`mastery could not start: ${startFailureSentence(err, { port, databaseUrl: process.env.DATABASE_URL || undefined })}\n`);
  process.exit(1);
});
