/**
 * The one owner of the launch's records: users, contexts (courses) and resource links, with the service
 * URLs the LMS sent (AGS line items, NRPS).
 */
import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';
import { notFound } from '../http/errors.js';
import type { Queryable } from '../db/index.js';

/** The learner's profile as the LMS sent it (its export fails with 404 for an unknown user). */
export const usersPrivacy: PrivacyPart = {
  tables: ['users'],
  async export(tx, tenantId, userId) {
    const { rows } = await tx.query('SELECT id, name, given_name, email, locale, last_seen FROM users WHERE tenant_id = $1 AND id = $2', [tenantId, userId]);
    if (!rows[0]) throw notFound('The user');
    return { user: rows[0] };
  },
  async delete(tx, tenantId, userId) {
    return { users: await deleteRows(tx, 'users', tenantId, userId, 'id') };
  },
};

/** The custom parameters the LMS sent with the resource link (lowercased keys). */
export async function resourceLinkCustom(db: Queryable, tenantId: string, resourceLinkId: string): Promise<{ custom: Record<string, string>; title: string | null }> {
  const { rows } = await db.query<{ custom: Record<string, string>; title: string | null }>(
    'SELECT custom, title FROM resource_links WHERE tenant_id = $1 AND id = $2',
    [tenantId, resourceLinkId],
  );
  return rows[0] ?? { custom: {}, title: null };
}
