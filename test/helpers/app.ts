import { pino, type Logger } from 'pino';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/index.js';
import { buildServices } from '../../src/services.js';
import { loadSettings } from '../../src/settings.js';
import { freshDatabase } from './db.js';
import { TEST_ADMIN_TOKEN } from './server.js';

/**
 * The express app over a fresh database, without listening (drive it with supertest): for HTTP tests that
 * need no sandbox LMS, no grade worker and no port. Its services are built by the same composition root
 * as the server's (src/services.ts).
 */
export async function testApp(opts: { log?: Logger } = {}): Promise<{ app: Express; db: Database; close(): Promise<void> }> {
  const db = await freshDatabase();
  const settings = loadSettings({ NODE_ENV: 'test', SANDBOX: '0', SESSION_MINUTES: '60', ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  const services = await buildServices({ settings, pool: db.pool, log: opts.log ?? pino({ level: 'silent' }), publicUrl: 'http://127.0.0.1', adminToken: TEST_ADMIN_TOKEN });
  const app = createApp({ services });
  return {
    app,
    db,
    close: async () => {
      services.close();
      await db.close();
    },
  };
}
