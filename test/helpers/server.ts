import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/server.js';
import { loadSettings } from '../../src/settings.js';
import { freshDatabase } from './db.js';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Starts the whole tool (with the sandbox LMS) on a random loopback port over a fresh database. */
export async function startTestServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const db = await freshDatabase();
  const settings = loadSettings({ NODE_ENV: 'test', PORT: '0', ADMIN_TOKEN: TEST_ADMIN_TOKEN, SANDBOX: '1', DATA_DIR: '/tmp/mastery-test-data', ...env });
  return startServer(settings, pino({ level: process.env.TEST_LOG ?? 'silent' }), { db });
}
