import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/**
 * The overrides' personal data: the audit trail of a student's overrides (their rows go with them), and the
 * overrides a staff member made (kept for the students' sake, with the staff member's id and name erased).
 */
export const overridesPrivacy: PrivacyPart = {
  tables: ['learner_overrides'],
  async export(tx, tenantId, userId) {
    const q = async (sql: string) => (await tx.query(sql, [tenantId, userId])).rows;
    return {
      overridesOfMe: await q(
        `SELECT resource_link_id, skill_id, action, reason, by_name, by_role, graded, at FROM learner_overrides
         WHERE tenant_id = $1 AND user_id = $2 ORDER BY id`,
      ),
      overridesByMe: await q(
        `SELECT resource_link_id, user_id, skill_id, action, reason, graded, at FROM learner_overrides
         WHERE tenant_id = $1 AND by_user = $2 ORDER BY id`,
      ),
    };
  },
  async delete(tx, tenantId, userId) {
    const deleted = await deleteRows(tx, 'learner_overrides', tenantId, userId);
    const erased = (await tx.query('UPDATE learner_overrides SET by_user = NULL, by_name = NULL WHERE tenant_id = $1 AND by_user = $2', [tenantId, userId])).rowCount ?? 0;
    return { learner_overrides: deleted, learner_overrides_authored: erased };
  },
};
