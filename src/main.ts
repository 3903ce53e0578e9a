import { createLogger } from './log.js';
import { loadOrExit, loadSettings } from './settings.js';
import { startServer } from './server.js';

/** Composition root: settings -> database -> app -> listen; graceful shutdown on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  const settings = loadOrExit(() => loadSettings());
  const log = createLogger(settings.logLevel);
  const running = await startServer(settings, log, { printAdminToken: true });
  log.info({ url: running.url, sandbox: settings.sandbox, database: settings.databaseUrl ? 'external' : 'embedded' }, 'mastery is listening');
  if (settings.sandbox) process.stdout.write(`Sandbox LMS: ${running.url}/sandbox\n`);

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

main().catch((err) => {
  process.stderr.write(`mastery failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
