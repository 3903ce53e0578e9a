import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/** The content pages' personal data: uploads an instructor made and has not confirmed yet (they expire within an hour). */
export const contentPrivacy: PrivacyPart = {
  tables: ['content_uploads'],
  async export(tx, tenantId, userId) {
    const { rows } = await tx.query('SELECT id, course_id, file_name, octet_length(bytes) AS bytes, replaces, expires_at FROM content_uploads WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
    return { contentUploads: rows };
  },
  async delete(tx, tenantId, userId) {
    return { content_uploads: await deleteRows(tx, 'content_uploads', tenantId, userId) };
  },
};
