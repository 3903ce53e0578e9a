import { migrate, openDatabase } from '../src/db/index.js';
import { createLogger } from '../src/log.js';
import { loadSettings } from '../src/settings.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
const settings = loadSettings();
const log = createLogger(settings.logLevel);
const db = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, embeddedPort: settings.embeddedPgPort, log, poolSize: 2, attach: true });
try {
  const applied = await migrate(db.pool, log);
  process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'The database is up to date.\n');
} finally {
  await db.close();
}
