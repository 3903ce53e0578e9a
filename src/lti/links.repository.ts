/**
 * The one owner of the launch's records: users, contexts (courses) and resource links, with the service
 * URLs the LMS sent (AGS line items, NRPS).
 */
import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';
import type { Queryable } from '../db/index.js';
import { notFound } from '../http/errors.js';

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

/** A validated launch's user, course (absent: id null) and resource link (absent: id null). */
export interface LaunchRecord {
  tenantId: string;
  user: { id: string; name: string | null; givenName: string | null; email: string | null; locale: string };
  context: { id: string | null; title: string | null; label: string | null; nrpsUrl: string | null; lineitemsUrl: string | null };
  link: { id: string | null; title: string | null; lineitemUrl: string | null; agsScopes: string[]; custom: Record<string, string>; platformFamily: string | null };
}

/**
 * Upserts the user, course and resource link of a validated launch (with their service URLs) in one
 * statement (atomic on its own, one round trip).
 */
export async function recordLaunch(db: Queryable, r: LaunchRecord): Promise<void> {
  const { user: u, context: c, link: l } = r;
  await db.query(
    `WITH u AS (
       INSERT INTO users(tenant_id, id, name, given_name, email, locale) VALUES ($1,$2,$3,$4,$5,$6)
       ON CONFLICT (tenant_id, id) DO UPDATE SET name = COALESCE(EXCLUDED.name, users.name), given_name = COALESCE(EXCLUDED.given_name, users.given_name),
         email = COALESCE(EXCLUDED.email, users.email), locale = EXCLUDED.locale, last_seen = now()
       RETURNING 1
     ), ctx AS (
       INSERT INTO contexts(tenant_id, id, title, label, nrps_url, lineitems_url)
       SELECT $1, $7, $8, $9, $10, $11 WHERE $7::text IS NOT NULL
       ON CONFLICT (tenant_id, id) DO UPDATE SET title = EXCLUDED.title, label = EXCLUDED.label,
         nrps_url = COALESCE(EXCLUDED.nrps_url, contexts.nrps_url), lineitems_url = COALESCE(EXCLUDED.lineitems_url, contexts.lineitems_url), updated_at = now()
       RETURNING 1
     ), rl AS (
       INSERT INTO resource_links(tenant_id, id, context_id, title, lineitem_url, ags_scopes, custom, platform_family)
       SELECT $1, $12, $7, $13, $14, $15, $16, $17 WHERE $12::text IS NOT NULL
       ON CONFLICT (tenant_id, id) DO UPDATE SET title = EXCLUDED.title, context_id = EXCLUDED.context_id,
         lineitem_url = COALESCE(EXCLUDED.lineitem_url, resource_links.lineitem_url), ags_scopes = EXCLUDED.ags_scopes, custom = EXCLUDED.custom,
         platform_family = COALESCE(EXCLUDED.platform_family, resource_links.platform_family), updated_at = now()
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM u) + (SELECT count(*) FROM ctx) + (SELECT count(*) FROM rl) AS n`,
    [
      r.tenantId, u.id, u.name, u.givenName, u.email, u.locale,
      c.id, c.title, c.label, c.nrpsUrl, c.lineitemsUrl,
      l.id, l.title, l.lineitemUrl, JSON.stringify(l.agsScopes), JSON.stringify(l.custom), l.platformFamily,
    ],
  );
}
