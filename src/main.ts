import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { startEmbedded } from './db/index.js';
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
      const started = (m: { type?: string }) => {
        if (m?.type !== READY) return;
        worker.off('message', started);
        worker.off('exit', failed);
        resolve();
      };
      const failed = (code: number | null) => reject(new Error(`web process ${n} exited with code ${code} before it started`));
      worker.on('message', started);
      worker.once('exit', failed);
      worker.on('exit', (code, signal) => {
        if (stopping) return;
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
  try {
    await start(1);
    await Promise.all(Array.from({ length: settings.webProcesses - 1 }, (_, i) => start(i + 2)));
  } catch (err) {
    log.error({ err: (err as Error).message }, 'web processes did not start');
    await stop('startup failure', 1);
    return;
  }
  log.info({ processes: settings.webProcesses, port: settings.port }, 'mastery is listening with several web processes');
}

main().catch((err) => {
  process.stderr.write(`mastery failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
