import { pino, type Logger } from 'pino';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import type { Database } from '../../src/db/index.js';
import { appSecret, ToolKeys } from '../../src/lti/keys.js';
import { PlatformKeySets } from '../../src/lti/launch.js';
import { PlatformRegistry } from '../../src/lti/registry.js';
import { SessionTokens } from '../../src/lti/session.js';
import { freshDatabase } from './db.js';
import { TEST_ADMIN_TOKEN } from './server.js';

/**
 * The express app over a fresh database, without listening (drive it with supertest): for HTTP tests that
 * need no sandbox LMS, no grade worker and no port.
 */
export async function testApp(opts: { log?: Logger } = {}): Promise<{ app: Express; db: Database; close(): Promise<void> }> {
  const db = await freshDatabase();
  const publicUrl = 'http://127.0.0.1';
  const toolKeys = new ToolKeys(db.pool);
  await toolKeys.ensure();
  const sessions = new SessionTokens(await appSecret(db.pool, 'session_key'), 60, publicUrl, { db: db.pool });
  const app = createApp({
    pool: db.pool, log: opts.log ?? pino({ level: 'silent' }), publicUrl, registry: new PlatformRegistry(db.pool), keySets: new PlatformKeySets(),
    toolKeys, sessions, adminToken: TEST_ADMIN_TOKEN,
  });
  return { app, db, close: () => db.close() };
}
