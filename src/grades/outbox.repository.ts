/**
 * The one owner of the grade outbox table (`grade_outbox`): the statements that write it and the reads
 * of the admin API, the metrics and the privacy export. Delivery's claim/complete statements are in
 * ./delivery.ts; the practice loop writes rows through `outboxUpsertSql` inside its answer statement.
 */
import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/** A learner's queued and delivered scores (the LMS keeps its own copy of what was delivered). */
export const outboxPrivacy: PrivacyPart = {
  tables: ['grade_outbox'],
  async export(tx, tenantId, userId) {
    const { rows } = await tx.query('SELECT resource_link_id, column_key, score, state, updated_at FROM grade_outbox WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
    return { grades: rows };
  },
  async delete(tx, tenantId, userId) {
    return { grade_outbox: await deleteRows(tx, 'grade_outbox', tenantId, userId) };
  },
};
