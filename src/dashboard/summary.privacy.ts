import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/** The class view's summaries of a learner (derived from the practice log; rebuilt if the learner practises again). */
export const summaryPrivacy: PrivacyPart = {
  tables: ['class_summaries', 'class_summary_learners'],
  async export(tx, tenantId, userId) {
    const q = async (sql: string) => (await tx.query(sql, [tenantId, userId])).rows;
    return {
      classSummaries: await q(
        `SELECT resource_link_id, skill_id, status, mastered, due_at, mastery, answers, correct, hints, wrong_streak, time_ms, last_at, risk
         FROM class_summaries WHERE tenant_id = $1 AND user_id = $2 ORDER BY resource_link_id, skill_id`,
      ),
      classSummaryLearners: await q('SELECT resource_link_id, answers, time_ms, last_at, refreshed_at FROM class_summary_learners WHERE tenant_id = $1 AND user_id = $2'),
    };
  },
  async delete(tx, tenantId, userId) {
    return {
      class_summaries: await deleteRows(tx, 'class_summaries', tenantId, userId),
      class_summary_learners: await deleteRows(tx, 'class_summary_learners', tenantId, userId),
    };
  },
};
