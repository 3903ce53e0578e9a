import { expect } from 'chai';
import type { Database } from '../../src/db/index.js';
import { PrivacyService, privacyParts } from '../../src/admin/privacy.js';
import { freshDatabase } from '../helpers/db.js';

/**
 * Tables that have a `user_id` column but hold no personal data of the tool's, each with why. Any other
 * such table (and `users`) must be covered by a module's privacy part, or "delete this learner" would
 * silently leave it behind.
 */
const NOT_THE_TOOLS_PERSONAL_DATA: Record<string, string> = {
  session_revocations: "written by the deletion itself (a trigger on users) to end the learner's sessions in every process: it must outlive the profile, and holds nothing but the id",
  sandbox_scores: "the sandbox LMS's own gradebook (an emulated LMS's data, like a real LMS's gradebook, which the tool does not own)",
};

describe('privacy parts', () => {
  let db: Database;
  before(async () => {
    db = await freshDatabase();
  });
  after(async () => {
    await db?.close();
  });

  const covered = () => new Set(privacyParts.flatMap((p) => p.tables));

  it('covers every table with a user_id column, and users', async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(
      `SELECT DISTINCT table_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND (column_name = 'user_id' OR table_name = 'users') ORDER BY table_name`,
    );
    expect(rows.length).to.be.greaterThan(3);
    const parts = covered();
    const uncovered = rows.map((r) => r.table_name).filter((t) => !parts.has(t) && !(t in NOT_THE_TOOLS_PERSONAL_DATA));
    expect(uncovered, `tables with a user_id column that no privacy part covers: ${uncovered.join(', ')}`).to.deep.equal([]);
  });

  it('names only tables that exist', async () => {
    const { rows } = await db.pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`);
    const tables = new Set(rows.map((r) => r.table_name));
    const named = [...covered(), ...Object.keys(NOT_THE_TOOLS_PERSONAL_DATA)];
    expect(named.filter((t) => !tables.has(t)), 'tables named by a privacy part or the exemptions that do not exist').to.deep.equal([]);
  });

  it('exports and deletes one learner from every part, and nobody else', async () => {
    await db.pool.query(`INSERT INTO platforms (id, name, issuer, client_id, auth_login_url, auth_token_url, jwks_url) VALUES ('p', 'P', 'https://lms', 'c', 'https://lms/a', 'https://lms/t', 'https://lms/k')`);
    await db.pool.query(`INSERT INTO tenants (id, platform_id, deployment_id) VALUES ('t', 'p', 'd')`);
    for (const u of ['u1', 'u2']) {
      await db.pool.query(`INSERT INTO users (tenant_id, id, name) VALUES ('t', $1, 'Name ' || $1)`, [u]);
      await db.pool.query(`INSERT INTO learner_states (tenant_id, resource_link_id, user_id, state) VALUES ('t', 'rl', $1, '{}')`, [u]);
      await db.pool.query(
        `INSERT INTO attempts (tenant_id, resource_link_id, user_id, pack_id, item_id, skills, correct, score, submission_id, result, answered_at)
         VALUES ('t', 'rl', $1, 'p', 'i', '{s}', true, 1, 'sub', '{}', now())`,
        [u],
      );
      await db.pool.query(
        `INSERT INTO grade_outbox (tenant_id, resource_link_id, column_key, user_id, line_item_spec, score, event_at, score_ts) VALUES ('t', 'rl', '', $1, '{}', '{}', now(), now())`,
        [u],
      );
    }
    const privacy = new PrivacyService(db.pool, privacyParts);
    const data = await privacy.exportUser('t', 'u1');
    expect(data).to.include.keys('tenantId', 'user', 'learnerStates', 'attempts', 'grades');
    expect((data.user as { name: string }).name).to.equal('Name u1');
    // Tables keyed by the learner (users by id, the rest by user_id); a part may also cover a table keyed otherwise
    // (a group's row, a summary's basis), whose deletion its own test checks.
    const withUser = new Set(
      (await db.pool.query<{ table_name: string }>(`SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'user_id'`)).rows.map((r) => r.table_name),
    );
    const keyed = [...covered()].filter((t) => t === 'users' || withUser.has(t));
    expect(keyed).to.include.members(['users', 'attempts', 'learner_states', 'grade_outbox']);
    const col = (table: string) => (table === 'users' ? 'id' : 'user_id');
    const n = async (table: string, u: string) => Number((await db.pool.query(`SELECT count(*) AS n FROM ${table} WHERE tenant_id = 't' AND ${col(table)} = $1`, [u])).rows[0].n);
    const before = new Map<string, number>();
    for (const table of keyed) before.set(table, await n(table, 'u2'));
    const deleted = await privacy.deleteUser('t', 'u1');
    // The four seeded tables lose exactly the learner's row; every other part reports what it deleted (none here).
    const seeded = { grade_outbox: 1, attempts: 1, learner_states: 1, users: 1 };
    expect(deleted).to.include(seeded);
    for (const [key, count] of Object.entries(deleted)) if (!(key in seeded)) expect(count, key).to.equal(0);
    for (const table of keyed) {
      expect(await n(table, 'u1'), `${table} still holds the deleted learner`).to.equal(0);
      expect(await n(table, 'u2'), `${table} lost another learner`).to.equal(before.get(table));
    }
    expect(before.get('attempts'), 'the other learner was seeded').to.equal(1);
    let status = 0;
    await privacy.exportUser('t', 'u1').catch((e: { status: number }) => (status = e.status));
    expect(status).to.equal(404);
  });
});
