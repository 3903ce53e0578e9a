import { stopTestDatabase } from './db.js';

/** Mocha root hooks: stop the shared embedded PostgreSQL when the run ends. */
export const mochaHooks = {
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopTestDatabase();
  },
};
