import { ROLE } from './claims.js';

export type AppRole = 'student' | 'instructor' | 'admin';

const INSTRUCTOR_ROLES = new Set<string>([ROLE.instructor, ROLE.teachingAssistant, ROLE.contentDeveloper]);
const ADMIN_ROLES = new Set<string>([ROLE.administrator, ROLE.institutionAdministrator, ROLE.systemAdministrator]);
const LEARNER_ROLES = new Set<string>([ROLE.learner]);

/** LTI Core 1.3 §A.2.3: context roles may come as short names (deprecated but sent by some platforms). */
function expand(role: string): string {
  if (role.includes('://')) return role;
  return `http://purl.imsglobal.org/vocab/lis/v2/membership#${role}`;
}

/**
 * Maps the launch's role URIs to our roles by exact URI, never by substring and never by roles[0].
 * Learner -> student; Instructor, TeachingAssistant, ContentDeveloper -> instructor; Administrator -> admin.
 * A TeachingAssistant sub-role of Instructor counts as instructor; a plain institution-level role alone
 * gives nothing (the course role decides).
 */
export function mapRoles(roles: readonly string[]): AppRole[] {
  const out = new Set<AppRole>();
  for (const raw of roles) {
    const r = expand(raw);
    if (LEARNER_ROLES.has(r)) out.add('student');
    if (INSTRUCTOR_ROLES.has(r)) out.add('instructor');
    if (r.startsWith('http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#')) out.add('instructor');
    if (ADMIN_ROLES.has(r)) out.add('admin');
  }
  return [...out];
}

/** The face a launch lands on: instructors (and admins) see the instructor page, everyone else practises. */
export function primaryRole(roles: readonly AppRole[]): AppRole {
  if (roles.includes('instructor')) return 'instructor';
  if (roles.includes('admin')) return 'admin';
  return 'student';
}
