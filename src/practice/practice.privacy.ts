import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/** The practice loop's personal data: each learner's state per assignment and the attempt log. */
export const practicePrivacy: PrivacyPart = {
  tables: ['learner_states', 'attempts'],
  async export(tx, tenantId, userId) {
    const q = async (sql: string) => (await tx.query(sql, [tenantId, userId])).rows;
    return {
      learnerStates: await q('SELECT resource_link_id, state, answered, session, updated_at FROM learner_states WHERE tenant_id = $1 AND user_id = $2'),
      attempts: await q(
        `SELECT resource_link_id, pack_id, item_id, seed, skills, kind, try_number, response, correct, score, hints_used, time_ms, confidence, skipped, answered_at
         FROM attempts WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`,
      ),
    };
  },
  async delete(tx, tenantId, userId) {
    return { attempts: await deleteRows(tx, 'attempts', tenantId, userId), learner_states: await deleteRows(tx, 'learner_states', tenantId, userId) };
  },
};
