import type pg from 'pg';
import { skillState, upgradeState } from '../engine/index.js';
import type { AssignmentService } from '../assignments/assignment.service.js';
import type { Catalog, PackEntry } from '../content/catalog.js';
import { skillName as localSkillName } from '../content/translate.js';
import { systemClock, type Clock } from '../clock.js';
import { withTransaction } from '../db/index.js';
import { badRequest } from '../http/errors.js';
import type { Actor } from '../lti/actor.js';
import { classStates, type Assignment } from '../practice/practice.repository.js';
import { configOf, progressOf, rebuildState } from '../practice/progress.js';
import { readGroups, replaceGroups, studentsOfLink, type StoredGroups } from './groups.repository.js';
import { suggestGroups, type Need, type StudentNeeds, type SuggestedGroup } from './groups.js';

/** What the groups page shows: the saved groups (if any), the suggestion, and every student's need. */
export interface GroupsView {
  assignment: Assignment | null;
  skills: { id: string; name: string }[];
  suggestion: SuggestedGroup[];
  saved: StoredGroups | null;
  /** Every student of the link: name and what they need next (for reasons beside saved groups too). */
  students: Map<string, { name: string | null; need: Need }>;
}

/** The teacher's adjusted groups, as the form posts them (see groups.routes.ts). */
export interface GroupsInput {
  groups: { name: string; skillId: string | null }[];
  /** user id -> index into groups, or -1 for no group. */
  members: { userId: string; group: number }[];
}

export const MAX_GROUPS = 40;

/**
 * Flexible groups (issue 16, item 6): a suggestion from every student's learner state (the pure
 * groups.ts), and the teacher's saved groups (class_groups, written only by groups.repository.ts).
 * Scoped to the session's tenant and resource link; only students of that link can be put in a group.
 */
export class GroupsService {
  private readonly clock: Clock;

  constructor(private readonly deps: { pool: pg.Pool; catalog: Catalog; assignments: AssignmentService; clock?: Clock }) {
    this.clock = deps.clock ?? systemClock;
  }

  private names(entry: PackEntry, locale: string): (id: string) => string {
    return (id) => {
      const s = entry.skills.get(id);
      return s ? localSkillName(s, locale, entry.pack.pack.locale) : id;
    };
  }

  async view(actor: Actor): Promise<GroupsView> {
    const a = await this.deps.assignments.get(actor);
    if (!a) return { assignment: null, skills: [], suggestion: [], saved: null, students: new Map() };
    const entry = await this.deps.catalog.pack(actor.tenantId, a.packId);
    const name = this.names(entry, actor.locale);
    const [states, saved] = await Promise.all([classStates(this.deps.pool, actor.tenantId, a.resourceLinkId), readGroups(this.deps.pool, actor.tenantId, a.resourceLinkId)]);
    const cfg = configOf(a, entry);
    const now = this.clock.now();
    const needs: StudentNeeds[] = [];
    for (const s of states) {
      const state = upgradeState(s.state) ?? (await rebuildState(this.deps.pool, { tenantId: actor.tenantId, resourceLinkId: a.resourceLinkId, userId: s.userId }, a, entry));
      const p = progressOf(state, a, entry, now);
      needs.push({
        userId: s.userId,
        name: s.name,
        skills: p.skills.map((k) => ({ id: k.id, status: k.status, mastery: k.mastery, open: k.open, wrongStreak: skillState(state, k.id, cfg).wrongStreak })),
      });
    }
    const suggestion = suggestGroups(needs, a.skills, name);
    const students = new Map<string, { name: string | null; need: Need }>();
    for (const g of suggestion) for (const m of g.members) students.set(m.userId, { name: m.name, need: m.need });
    return { assignment: a, skills: a.skills.map((id) => ({ id, name: name(id) })), suggestion, saved, students };
  }

  /**
   * Saves the teacher's groups, replacing the link's saved ones. Refused (400) when a student is not a
   * student of this link (another course's or tenant's learner), a skill is not the assignment's, or a
   * member points at no group. Groups left without members are dropped.
   */
  async save(actor: Actor, input: GroupsInput): Promise<void> {
    const a = await this.deps.assignments.get(actor);
    if (!a) throw badRequest('This activity is not set up yet.');
    if (input.groups.length > MAX_GROUPS) throw badRequest(`At most ${MAX_GROUPS} groups.`);
    for (const g of input.groups) if (g.skillId !== null && !a.skills.includes(g.skillId)) throw badRequest('A group names a skill that is not part of this activity.');
    const ids = input.members.map((m) => m.userId);
    if (new Set(ids).size !== ids.length) throw badRequest('A student appears twice.');
    const known = await studentsOfLink(this.deps.pool, actor.tenantId, a.resourceLinkId, ids);
    if (ids.some((id) => !known.has(id))) throw badRequest('Only students of this activity can be put in a group.');
    const groups = input.groups.map((g) => ({ ...g, userIds: [] as string[] }));
    for (const m of input.members) {
      if (m.group === -1) continue;
      const g = groups[m.group];
      if (!g) throw badRequest('A student was moved to a group that does not exist.');
      g.userIds.push(m.userId);
    }
    await withTransaction(this.deps.pool, (tx) => replaceGroups(tx, actor.tenantId, a.resourceLinkId, actor.userId, groups.filter((g) => g.userIds.length > 0)));
  }
}
