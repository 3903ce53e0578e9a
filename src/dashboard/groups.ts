/**
 * Flexible groups for the next lesson (issue 16, item 6): students who need the same skill, grouped, each
 * with the reason in words (a message code with parameters, translated in the view). Pure: no I/O.
 *
 * What a student needs next, in this order:
 *  1. struggling: the first skill of the assignment (in its order) not mastered with `strugglingStreak`
 *     or more wrong answers in a row: re-teach it;
 *  2. next: the first skill not mastered whose prerequisites (within the assignment) are mastered: the
 *     lowest skill they are ready for ("start" when they have not answered on it yet);
 *  3. review: the first mastered skill whose review is due;
 *  4. extension: everything mastered.
 * A group larger than `maxSize` is split into near-equal parts (struggling students spread first).
 */

export type SkillStatus = 'not_started' | 'practising' | 'mastered' | 'review_due';

/** One skill of one student as the class view knows it. */
export interface StudentSkill {
  id: string;
  status: SkillStatus;
  /** Mastery probability in [0, 1]. */
  mastery: number;
  /** Wrong answers in a row on this skill. */
  wrongStreak: number;
  /** Its prerequisites within the assignment are mastered (or parked). */
  open: boolean;
}

export interface StudentNeeds {
  userId: string;
  name: string | null;
  skills: readonly StudentSkill[];
}

export type NeedCode = 'struggling' | 'next' | 'start' | 'review' | 'extension';

/** Why a student is in a group. */
export interface Need {
  code: NeedCode;
  /** The skill worked on; null for extension. */
  skillId: string | null;
  params: Record<string, string | number>;
}

export interface GroupMember {
  userId: string;
  name: string | null;
  need: Need;
}

export interface SuggestedGroup {
  /** The skill the group works on; null for the extension group. */
  skillId: string | null;
  /** The group's kind: what most of its members need. */
  kind: 'skill' | 'extension';
  /** 1-based part and parts, when a large group was split. */
  part: number;
  parts: number;
  members: GroupMember[];
}

export interface GroupOptions {
  /** Wrong answers in a row that make a student "struggling" on a skill (default 3). */
  strugglingStreak?: number;
  /** Largest group before it is split (default 6). */
  maxSize?: number;
}

/** What one student needs next (see the module comment). */
export function needOf(student: StudentNeeds, skillName: (id: string) => string, options: GroupOptions = {}): Need {
  const streak = options.strugglingStreak ?? 3;
  const notMastered = (s: StudentSkill) => s.status !== 'mastered' && s.status !== 'review_due';
  const struggling = student.skills.find((s) => notMastered(s) && s.wrongStreak >= streak);
  if (struggling) return { code: 'struggling', skillId: struggling.id, params: { skill: skillName(struggling.id), n: struggling.wrongStreak } };
  const next = student.skills.find((s) => notMastered(s) && s.open) ?? student.skills.find(notMastered);
  if (next) {
    return next.status === 'not_started'
      ? { code: 'start', skillId: next.id, params: { skill: skillName(next.id) } }
      : { code: 'next', skillId: next.id, params: { skill: skillName(next.id), pct: Math.round(next.mastery * 100) } };
  }
  const review = student.skills.find((s) => s.status === 'review_due');
  if (review) return { code: 'review', skillId: review.id, params: { skill: skillName(review.id) } };
  return { code: 'extension', skillId: null, params: {} };
}

/** Splits `items` into `parts` near-equal consecutive-free parts (round robin keeps each part mixed). */
function split<T>(items: readonly T[], parts: number): T[][] {
  const out: T[][] = Array.from({ length: parts }, () => []);
  items.forEach((x, i) => out[i % parts].push(x));
  return out;
}

const NEED_ORDER: Record<NeedCode, number> = { struggling: 0, next: 1, start: 2, review: 3, extension: 4 };

/**
 * The suggested groups: one per skill needed (in the assignment's order), then the extension group;
 * inside a group struggling students first, then by name. `skillOrder` is the assignment's skill order.
 */
export function suggestGroups(students: readonly StudentNeeds[], skillOrder: readonly string[], skillName: (id: string) => string, options: GroupOptions = {}): SuggestedGroup[] {
  const maxSize = Math.max(2, options.maxSize ?? 6);
  const byKey = new Map<string, GroupMember[]>();
  for (const s of students) {
    const need = needOf(s, skillName, options);
    const key = need.skillId ?? '';
    const list = byKey.get(key) ?? [];
    list.push({ userId: s.userId, name: s.name, need });
    byKey.set(key, list);
  }
  const rank = (key: string) => (key === '' ? Number.MAX_SAFE_INTEGER : skillOrder.indexOf(key) === -1 ? skillOrder.length : skillOrder.indexOf(key));
  const groups: SuggestedGroup[] = [];
  for (const key of [...byKey.keys()].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) {
    const members = byKey.get(key)!.sort((a, b) => NEED_ORDER[a.need.code] - NEED_ORDER[b.need.code] || (a.name ?? a.userId).localeCompare(b.name ?? b.userId));
    const parts = Math.ceil(members.length / maxSize);
    split(members, parts).forEach((m, i) =>
      groups.push({ skillId: key === '' ? null : key, kind: key === '' ? 'extension' : 'skill', part: i + 1, parts, members: m }),
    );
  }
  return groups;
}

/** A group as the teacher saved it (or is about to). */
export interface SavedGroup {
  name: string;
  skillId: string | null;
  members: { userId: string; name: string | null }[];
}

/** One CSV cell: quoted; formula injection in spreadsheet apps neutralised (OWASP CSV injection). */
export function csvCell(v: string | number | null): string {
  const text = v === null ? '' : String(v);
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

/**
 * Groups as CSV: one row per student (group, skill, student, user id, reason), a header of translated
 * column names. `reason` gives a member's reason in words, or '' (saved groups keep no reason).
 */
export function groupsCsv(groups: readonly SavedGroup[], header: readonly string[], skillName: (id: string) => string, reason: (userId: string) => string): string {
  const lines = [header.map(csvCell).join(',')];
  for (const g of groups) {
    for (const m of g.members) lines.push([g.name, g.skillId ? skillName(g.skillId) : '', m.name ?? '', m.userId, reason(m.userId)].map(csvCell).join(','));
  }
  return lines.join('\r\n') + '\r\n';
}
