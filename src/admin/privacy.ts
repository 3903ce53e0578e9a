import type pg from 'pg';
import { withTransaction, type Queryable } from '../db/index.js';
import { notFound } from '../http/errors.js';

/** Everything the tool keeps about one learner of one tenant (a data-subject access export). */
export async function exportUser(db: Queryable, tenantId: string, userId: string): Promise<Record<string, unknown>> {
  const q = async (sql: string) => (await db.query(sql, [tenantId, userId])).rows;
  const user = (await q('SELECT id, name, given_name, email, locale, last_seen FROM users WHERE tenant_id = $1 AND id = $2'))[0];
  if (!user) throw notFound('The user');
  return {
    tenantId,
    user,
    learnerStates: await q('SELECT resource_link_id, state, answered, updated_at FROM learner_states WHERE tenant_id = $1 AND user_id = $2'),
    attempts: await q(
      `SELECT resource_link_id, pack_id, item_id, seed, skills, kind, try_number, response, correct, score, hints_used, time_ms, answered_at
       FROM attempts WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`,
    ),
    grades: await q('SELECT resource_link_id, column_key, score, state, updated_at FROM grade_outbox WHERE tenant_id = $1 AND user_id = $2'),
  };
}

/**
 * Deletes one learner of one tenant: profile, learner states, attempts and queued grades, in one
 * transaction. Grades already in the LMS gradebook stay there (the LMS owns them).
 */
export async function deleteUser(pool: pg.Pool, tenantId: string, userId: string): Promise<Record<string, number>> {
  return withTransaction(pool, async (tx) => {
    const del = async (table: string, col = 'user_id') => (await tx.query(`DELETE FROM ${table} WHERE tenant_id = $1 AND ${col} = $2`, [tenantId, userId])).rowCount ?? 0;
    const counts = {
      attempts: await del('attempts'),
      learner_states: await del('learner_states'),
      grade_outbox: await del('grade_outbox'),
      users: await del('users', 'id'),
    };
    if (Object.values(counts).every((n) => n === 0)) throw notFound('The user');
    return counts;
  });
}
