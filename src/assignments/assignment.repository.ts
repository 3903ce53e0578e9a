/** The one owner of the `assignments` table: what each resource link practises and how. */
import type { Queryable } from '../db/index.js';

/** An assignment: what one resource link practises. */
export interface Assignment {
  tenantId: string;
  resourceLinkId: string;
  packId: string;
  skills: string[];
  threshold: number;
  targetSuccess: number;
  allowChoice: boolean;
  points: number;
  perSkillColumns: boolean;
  title: string | null;
}

type AssignmentRow = {
  tenant_id: string; resource_link_id: string; pack_id: string; skills: string[]; threshold: number; target_success: number;
  allow_choice: boolean; points: number; per_skill_columns: boolean; title: string | null;
};
const toAssignment = (r: AssignmentRow): Assignment => ({
  tenantId: r.tenant_id,
  resourceLinkId: r.resource_link_id,
  packId: r.pack_id,
  skills: r.skills,
  threshold: r.threshold,
  targetSuccess: r.target_success,
  allowChoice: r.allow_choice,
  points: r.points,
  perSkillColumns: r.per_skill_columns,
  title: r.title,
});

export async function findAssignment(db: Queryable, tenantId: string, resourceLinkId: string): Promise<Assignment | null> {
  const { rows } = await db.query<AssignmentRow>('SELECT * FROM assignments WHERE tenant_id = $1 AND resource_link_id = $2', [tenantId, resourceLinkId]);
  return rows[0] ? toAssignment(rows[0]) : null;
}

export async function saveAssignment(db: Queryable, a: Assignment, by: string | null): Promise<Assignment> {
  const { rows } = await db.query<AssignmentRow>(
    `INSERT INTO assignments(tenant_id, resource_link_id, pack_id, skills, threshold, target_success, allow_choice, points, per_skill_columns, title, configured_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
     ON CONFLICT (tenant_id, resource_link_id) DO UPDATE SET pack_id = EXCLUDED.pack_id, skills = EXCLUDED.skills, threshold = EXCLUDED.threshold,
       target_success = EXCLUDED.target_success, allow_choice = EXCLUDED.allow_choice, points = EXCLUDED.points,
       per_skill_columns = EXCLUDED.per_skill_columns, title = EXCLUDED.title, configured_by = EXCLUDED.configured_by, updated_at = now()
     RETURNING *`,
    [a.tenantId, a.resourceLinkId, a.packId, a.skills, a.threshold, a.targetSuccess, a.allowChoice, a.points, a.perSkillColumns, a.title, by],
  );
  return toAssignment(rows[0]);
}

/** The assignments (resource links) of a tenant that practise a pack, for "is this pack in use?". */
export async function assignmentsOfPack(db: Queryable, tenantId: string, packId: string): Promise<{ resourceLinkId: string; title: string | null; skills: string[] }[]> {
  const { rows } = await db.query<{ resource_link_id: string; title: string | null; skills: string[] }>(
    'SELECT resource_link_id, title, skills FROM assignments WHERE tenant_id = $1 AND pack_id = $2 ORDER BY title, resource_link_id',
    [tenantId, packId],
  );
  return rows.map((r) => ({ resourceLinkId: r.resource_link_id, title: r.title, skills: r.skills }));
}

/** After skills of a pack were merged: the assignments practising a merged skill practise its new one. */
export async function renameAssignmentSkills(db: Queryable, tenantId: string, packId: string, mapping: ReadonlyMap<string, string>): Promise<number> {
  if (!mapping.size) return 0;
  const res = await db.query(
    `UPDATE assignments a SET skills = ARRAY(
        SELECT DISTINCT ON (x.s) x.s FROM (
          SELECT coalesce(m.to_id, e.s) AS s, e.n FROM unnest(a.skills) WITH ORDINALITY AS e(s, n)
          LEFT JOIN unnest($3::text[], $4::text[]) AS m(from_id, to_id) ON m.from_id = e.s) x
        ORDER BY x.s, x.n), updated_at = now()
     WHERE a.tenant_id = $1 AND a.pack_id = $2 AND a.skills && $3::text[]`,
    [tenantId, packId, [...mapping.keys()], [...mapping.values()]],
  );
  return res.rowCount ?? 0;
}
