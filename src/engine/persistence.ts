/**
 * Persistence learned from the class (issue 14: spend questions where they teach). Whether more practice on a
 * skill that is going badly still pays off differs between groups of students: some learn suddenly after many
 * wrong answers, others do not move however long they practise (the two simulated worlds of docs/simulation.md
 * disagree exactly here, and real classes differ too). The engine cannot know which from one student's answers,
 * but the class can: at fixed checkpoints (the 6th, 9th and 12th answer on a skill) a skill's state records how
 * many of its answers were right; once the practice on that skill has ended, the class's outcomes per
 * checkpoint state are pooled into a table, and a student at a checkpoint state from which almost nobody in
 * the class went on to do well (with enough cases) is moved on (policy/view.ts lowValue: practice_paused, the
 * teacher is the next step). With no data (a new class) nothing changes. Pure; the caller keeps the table
 * (src/practice for a tenant's pack, sim/product.ts for a simulated class) and refreshes it from learner states.
 */
import { type LearnerState, type ResolvedConfig, type SkillState, recallAt } from './state.js';

/** Answers on a skill at which its right answers so far are recorded. */
export const CHECKPOINTS: readonly number[] = [6, 9, 12];

/** Checkpoint state -> [skills that reached it and ended, of which went on to do well]. */
export type PersistenceTable = Readonly<Record<string, readonly [number, number]>>;

/** Cases needed at a checkpoint state before the class's outcomes count. */
export const MIN_SUPPORT = 30;

const DAY_MS = 86_400_000;

/** The key of the last checkpoint a skill passed, or null before the first. */
export function checkpointKey(k: Pick<SkillState, 'marks'>): string | null {
  const m = k.marks;
  if (!m || m.length === 0) return null;
  return `${CHECKPOINTS[m.length - 1]}:${m[m.length - 1]}`;
}

/** Records the checkpoint when the skill's answers reach one (applyAttempt calls it after counting the answer). */
export function markCheckpoint(k: SkillState): void {
  const i = CHECKPOINTS.indexOf(k.answers);
  if (i < 0) return;
  const marks = [...(k.marks ?? [])];
  if (marks.length === i) { marks.push(k.correct); k.marks = marks; }
}

/**
 * How practice on a skill ended: 'well' (mastered, or last answered at P(correct) >= plateauLevel), 'badly'
 * (given up after giveUpAnswers, or left for over two days below that level), or null while it may go on.
 */
export function outcomeOf(k: SkillState, cfg: ResolvedConfig, now: number): 'well' | 'badly' | null {
  if (k.masteredAt !== null) return 'well';
  if (k.lastAt === null) return null;
  const level = recallAt(k, k.lastAt, cfg);
  const left = now - k.lastAt > 2 * DAY_MS;
  if (level >= cfg.plateauLevel) return left || k.stall >= cfg.plateauAnswers ? 'well' : null;
  return k.run >= cfg.giveUpAnswers || left ? 'badly' : null;
}

/**
 * The class's table from its learners' states: every skill whose practice has ended counts once at each
 * checkpoint it passed. A skill stopped by this rule itself (its last checkpoint state already judged
 * hopeless by `previous`) is left out, so the table does not feed on its own decisions.
 */
export function buildPersistence(states: Iterable<LearnerState>, cfg: ResolvedConfig, now: number, previous: PersistenceTable = {}): PersistenceTable {
  const out: Record<string, [number, number]> = {};
  for (const st of states) {
    for (const k of Object.values(st.skills)) {
      if (!k.marks?.length) continue;
      const outcome = outcomeOf(k, cfg, now);
      if (outcome === null) continue;
      if (outcome === 'badly' && hopeless(previous, checkpointKey(k), cfg)) continue;
      k.marks.forEach((right, i) => {
        const key = `${CHECKPOINTS[i]}:${right}`;
        const e = (out[key] ??= [0, 0]);
        e[0] += 1;
        if (outcome === 'well') e[1] += 1;
      });
    }
  }
  return out;
}

/** Whether the class's outcomes from this checkpoint state say more practice now has little value. */
export function hopeless(table: PersistenceTable | undefined, key: string | null, cfg: Pick<ResolvedConfig, 'persistMin'>): boolean {
  if (!table || key === null || !(cfg.persistMin > 0)) return false;
  const e = table[key];
  return !!e && e[0] >= MIN_SUPPORT && e[1] / e[0] < cfg.persistMin;
}
