/**
 * The prerequisite graph of a pack's skills. Pure: the engine and the instructor pages use the order
 * and the direct/transitive prerequisites; pack validation refuses cycles with the cycle named.
 */

/** The part of a skill the graph needs. */
export interface SkillNode {
  id: string;
  prerequisites: readonly string[];
}

/**
 * A prerequisite cycle, as the list of skill ids around it with the first repeated at the end
 * (`['a', 'b', 'a']` when a requires b and b requires a), or null when the graph is a DAG.
 * Prerequisites naming unknown skills are ignored here (validation reports them separately).
 */
export function findCycle(skills: readonly SkillNode[]): string[] | null {
  const byId = new Map(skills.map((s) => [s.id, s]));
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];

  const visit = (id: string): string[] | null => {
    state.set(id, 'open');
    stack.push(id);
    for (const pre of byId.get(id)?.prerequisites ?? []) {
      if (!byId.has(pre)) continue;
      const s = state.get(pre);
      if (s === 'open') return [...stack.slice(stack.indexOf(pre)), pre];
      if (s === undefined) {
        const found = visit(pre);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };

  for (const s of skills) {
    if (!state.has(s.id)) {
      const found = visit(s.id);
      if (found) return found;
    }
  }
  return null;
}

/**
 * Skill ids ordered so that every skill comes after all its prerequisites (ties kept in pack order),
 * e.g. for a learning path. Throws if the graph has a cycle; validate the pack first.
 */
export function topologicalOrder(skills: readonly SkillNode[]): string[] {
  const cycle = findCycle(skills);
  if (cycle) throw new Error(`prerequisite cycle: ${cycle.join(' -> ')}`);
  const byId = new Map(skills.map((s) => [s.id, s]));
  const done = new Set<string>();
  const order: string[] = [];
  const visit = (id: string): void => {
    if (done.has(id)) return;
    done.add(id);
    for (const pre of byId.get(id)?.prerequisites ?? []) if (byId.has(pre)) visit(pre);
    order.push(id);
  };
  for (const s of skills) visit(s.id);
  return order;
}

/** Every skill that `id` depends on, directly or through other prerequisites (without `id`). */
export function allPrerequisites(skills: readonly SkillNode[], id: string): string[] {
  const byId = new Map(skills.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const walk = (cur: string): void => {
    for (const pre of byId.get(cur)?.prerequisites ?? []) {
      if (!seen.has(pre) && pre !== id) {
        seen.add(pre);
        walk(pre);
      }
    }
  };
  walk(id);
  return [...seen];
}
