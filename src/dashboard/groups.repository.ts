import type { Queryable, Tx } from '../db/index.js';
import { deleteRows, type PrivacyPart } from '../admin/privacy-part.js';

/** The groups a teacher saved for a resource link, with when and by whom. */
export interface StoredGroups {
  groups: { name: string; skillId: string | null; members: { userId: string; name: string | null }[] }[];
  savedBy: string | null;
  savedByName: string | null;
  savedAt: Date;
}

/** The link's saved groups in their order (members by name), or null when none were saved. */
export async function readGroups(db: Queryable, tenantId: string, resourceLinkId: string): Promise<StoredGroups | null> {
  const { rows } = await db.query<{ position: number; name: string; skill_id: string | null; saved_by: string | null; saver: string | null; saved_at: Date; user_id: string | null; member: string | null }>(
    `SELECT g.position, g.name, g.skill_id, g.saved_by, s.name AS saver, g.saved_at, m.user_id, u.name AS member
     FROM class_groups g
     LEFT JOIN users s ON s.tenant_id = g.tenant_id AND s.id = g.saved_by
     LEFT JOIN class_group_members m ON m.tenant_id = g.tenant_id AND m.resource_link_id = g.resource_link_id AND m.position = g.position
     LEFT JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
     WHERE g.tenant_id = $1 AND g.resource_link_id = $2
     ORDER BY g.position, u.name NULLS LAST, m.user_id`,
    [tenantId, resourceLinkId],
  );
  if (!rows.length) return null;
  const groups: StoredGroups['groups'] = [];
  let at = -1;
  for (const r of rows) {
    if (r.position !== at) {
      groups.push({ name: r.name, skillId: r.skill_id, members: [] });
      at = r.position;
    }
    if (r.user_id) groups[groups.length - 1].members.push({ userId: r.user_id, name: r.member });
  }
  return { groups, savedBy: rows[0].saved_by, savedByName: rows[0].saver, savedAt: rows[0].saved_at };
}

/** Replaces the link's saved groups whole (in the caller's transaction). */
export async function replaceGroups(tx: Tx, tenantId: string, resourceLinkId: string, savedBy: string, groups: { name: string; skillId: string | null; userIds: string[] }[]): Promise<void> {
  await tx.query('DELETE FROM class_groups WHERE tenant_id = $1 AND resource_link_id = $2', [tenantId, resourceLinkId]);
  if (!groups.length) return;
  await tx.query(
    `INSERT INTO class_groups (tenant_id, resource_link_id, position, name, skill_id, saved_by)
     SELECT $1, $2, g.position, g.name, g.skill_id, $3 FROM jsonb_to_recordset($4::jsonb) AS g(position int, name text, skill_id text)`,
    [tenantId, resourceLinkId, savedBy, JSON.stringify(groups.map((g, i) => ({ position: i, name: g.name, skill_id: g.skillId })))],
  );
  const members = groups.flatMap((g, i) => g.userIds.map((u) => ({ position: i, user_id: u })));
  if (members.length) {
    await tx.query(
      `INSERT INTO class_group_members (tenant_id, resource_link_id, position, user_id)
       SELECT $1, $2, m.position, m.user_id FROM jsonb_to_recordset($3::jsonb) AS m(position int, user_id text)`,
      [tenantId, resourceLinkId, JSON.stringify(members)],
    );
  }
}

/** Which of these users have a learner row in the link (its students): the only ones a group may hold. */
export async function studentsOfLink(db: Queryable, tenantId: string, resourceLinkId: string, userIds: readonly string[]): Promise<Set<string>> {
  if (!userIds.length) return new Set();
  const { rows } = await db.query<{ user_id: string }>(
    'SELECT user_id FROM learner_states WHERE tenant_id = $1 AND resource_link_id = $2 AND user_id = ANY($3::text[])',
    [tenantId, resourceLinkId, userIds],
  );
  return new Set(rows.map((r) => r.user_id));
}

/**
 * The groups' personal data: a learner's memberships, and the groups a teacher saved (their name as the
 * saver). Deleting the learner removes their memberships and forgets them as a saver (the groups stay for
 * the course).
 */
export const groupsPrivacy: PrivacyPart = {
  tables: ['class_group_members', 'class_groups'],
  async export(tx, tenantId, userId) {
    const memberships = (
      await tx.query(
        `SELECT g.resource_link_id, g.name, g.skill_id, g.saved_at FROM class_group_members m
         JOIN class_groups g USING (tenant_id, resource_link_id, position) WHERE m.tenant_id = $1 AND m.user_id = $2 ORDER BY g.resource_link_id, g.position`,
        [tenantId, userId],
      )
    ).rows;
    const saved = (
      await tx.query('SELECT resource_link_id, name, skill_id, saved_at FROM class_groups WHERE tenant_id = $1 AND saved_by = $2 ORDER BY resource_link_id, position', [tenantId, userId])
    ).rows;
    return { groupMemberships: memberships, groupsSaved: saved };
  },
  async delete(tx, tenantId, userId) {
    const members = await deleteRows(tx, 'class_group_members', tenantId, userId);
    const saver = (await tx.query('UPDATE class_groups SET saved_by = NULL WHERE tenant_id = $1 AND saved_by = $2', [tenantId, userId])).rowCount ?? 0;
    return { class_group_members: members, class_groups: saver };
  },
};
