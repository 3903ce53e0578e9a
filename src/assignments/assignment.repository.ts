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
