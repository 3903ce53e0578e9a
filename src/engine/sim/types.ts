/**
 * The public interface of simulated students (docs/simulation.md). A student module is any ES module whose
 * default export is a CreateStudents function; `npm run -s simulate -- --students MODULE` runs every policy on
 * the students it makes. Nothing here depends on the learner model of the engine: a module may implement
 * students any way it likes, and the harness never looks inside them.
 */

/** A skill of the assignment, in the pack's order. */
export interface SimSkill {
  id: string;
  name: string;
  /** Skills that must be known first (ids of other skills of the assignment). */
  prerequisites: string[];
}

/** An item of the assignment. */
export interface SimItem {
  id: string;
  /** The skills the item needs (first = the item's main skill). */
  skills: string[];
  /** Authored difficulty in logits: 0 = an average item, +1 markedly harder, -2 easy. */
  difficulty: number;
  /** A template (new numbers on each showing): the question after its worked example is the item itself. */
  template?: boolean;
}

/** One simulated student. `atDays` is the time in days since the student's first question (fractions allowed). */
export interface SimStudent {
  /** Answers one item at `atDays` (the first try); the student may learn from it. */
  answer(item: SimItem, atDays: number): boolean;
  /** The student's true chance of answering an average (difficulty 0) NEW item of the skill at `atDays`. Must not change the student. */
  pCorrect(skillId: string, atDays: number): number;
  /** Called when the policy shows a worked example (or a hint) of the item; the student may learn from it. */
  study?(item: SimItem, atDays: number): void;
}

/** What a module's default export returns. */
export interface StudentPopulation {
  /**
   * Student number i (0-based), in its initial state. Calling it again with the same i gives the same
   * student afresh (same traits, same random stream), so every policy meets the same students.
   */
  student(i: number): SimStudent;
}

/** What a student module's default export receives. */
export interface StudentWorld {
  skills: readonly SimSkill[];
  items: readonly SimItem[];
  seed: number;
}

/** The default export of a student module. */
export type CreateStudents = (world: StudentWorld) => StudentPopulation;
