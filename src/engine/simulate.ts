/**
 * Simulated students for the benchmarks and tests: ground-truth BKT learners per skill on a prerequisite
 * graph, answering items whose true difficulty shifts guess and slip (the model of bkt.ts). Pure: every
 * random draw comes from the Rng passed in.
 */
import { itemEmission } from './bkt.js';
import { packSequences, type SequenceSet } from './fit.js';
import { normal, uniform } from './rng.js';
import type { BankItem, SkillNode } from './select.js';
import type { BktParams, Rng } from './types.js';

/** A simulated curriculum: skills, their true parameters, items with true difficulties. */
export interface SimWorld {
  /** Skills in prerequisite order. */
  skills: SkillNode[];
  truth: Record<string, BktParams>;
  /** Items with their TRUE difficulty (the engine must learn it). */
  items: BankItem[];
  /** Multiplier of P(learn) while some prerequisite is unknown: practising ahead of the basics pays less. */
  prereqPenalty: number;
  /** Skill index by id, for the typed-array student state. */
  index: Record<string, number>;
}

/** Options of createWorld. */
export interface WorldOptions {
  skills?: number;
  itemsPerSkill?: number;
  /** Standard deviation of true item difficulty (logits); 0 = plain BKT items. */
  difficultySd?: number;
  prereqPenalty?: number;
}

/**
 * A world of n skills (default 10): every third skill is a root, the others need the previous skill and
 * sometimes the one before. True parameters are drawn from the ranges reported for real tutors
 * (prior 0.05-0.45, learn 0.08-0.3, guess 0.08-0.3, slip 0.05-0.2, no forgetting).
 */
export function createWorld(rng: Rng, options: WorldOptions = {}): SimWorld {
  const n = options.skills ?? 10;
  const perSkill = options.itemsPerSkill ?? 20;
  const sd = options.difficultySd ?? 0.6;
  const skills: SkillNode[] = [];
  const truth: Record<string, BktParams> = {};
  const items: BankItem[] = [];
  const index: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = `s${i}`;
    const prerequisites: string[] = [];
    if (i % 3 !== 0) prerequisites.push(`s${i - 1}`);
    if (i % 3 === 2 && rng() < 0.5) prerequisites.push(`s${i - 2}`);
    skills.push({ id, prerequisites });
    index[id] = i;
    truth[id] = {
      prior: uniform(rng, 0.05, 0.45), learn: uniform(rng, 0.08, 0.3), guess: uniform(rng, 0.08, 0.3),
      slip: uniform(rng, 0.05, 0.2), forget: 0,
    };
    for (let j = 0; j < perSkill; j++) items.push({ id: `${id}-i${j}`, skills: [id], difficulty: sd > 0 ? normal(rng, 0, sd) : 0 });
  }
  return { skills, truth, items, prereqPenalty: options.prereqPenalty ?? 0.3, index };
}

/** A new simulated student: which skills they truly know, drawn from each skill's prior. */
export function createStudent(world: SimWorld, rng: Rng): Uint8Array {
  const known = new Uint8Array(world.skills.length);
  world.skills.forEach((s, i) => { known[i] = rng() < world.truth[s.id]!.prior ? 1 : 0; });
  return known;
}

function prereqsKnown(world: SimWorld, known: Uint8Array, skill: string): boolean {
  const node = world.skills[world.index[skill]!]!;
  return node.prerequisites.every((p) => known[world.index[p]!] === 1);
}

/** The learning transition of one opportunity on a skill (mutates `known`). */
export function practise(world: SimWorld, known: Uint8Array, skill: string, rng: Rng): void {
  const i = world.index[skill]!;
  const m = world.truth[skill]!;
  if (known[i]) {
    if (m.forget > 0 && rng() < m.forget) known[i] = 0;
  } else {
    const rate = m.learn * (prereqsKnown(world, known, skill) ? 1 : world.prereqPenalty);
    if (rng() < rate) known[i] = 1;
  }
}

/**
 * One answer of a simulated student: correct when every skill of the item performs (conjunctive, with the
 * item's true difficulty), then each skill's learning transition. Mutates `known`.
 */
export function answerItem(world: SimWorld, known: Uint8Array, item: BankItem, rng: Rng): boolean {
  let correct = true;
  for (const s of item.skills) {
    const e = itemEmission(world.truth[s]!, item.difficulty ?? 0);
    const p = known[world.index[s]!] ? 1 - e.slip : e.guess;
    if (rng() >= p) correct = false;
  }
  for (const s of item.skills) practise(world, known, s, rng);
  return correct;
}

/**
 * Plain BKT sequences per skill, for parameter recovery: each (student, skill) pair answers `length` average
 * items drawn from the skill's true model alone (no prerequisite effect, no item difficulty), so the EM
 * target is exactly the generating model.
 */
export function bktSequences(world: SimWorld, students: number, length: number, rng: Rng): Map<string, SequenceSet> {
  const out = new Map<string, SequenceSet>();
  for (const s of world.skills) {
    const m = world.truth[s.id]!;
    const seqs: Uint8Array[] = [];
    for (let k = 0; k < students; k++) {
      const seq = new Uint8Array(length);
      let known = rng() < m.prior;
      for (let t = 0; t < length; t++) {
        seq[t] = (known ? rng() >= m.slip : rng() < m.guess) ? 1 : 0;
        known = known ? rng() >= m.forget : rng() < m.learn;
      }
      seqs.push(seq);
    }
    out.set(s.id, packSequences(seqs));
  }
  return out;
}

/** One simulated answer of a worksheet log. */
export interface SimAnswer {
  item: BankItem;
  skill: string;
  correct: boolean;
}

/**
 * A static worksheet: every skill in prerequisite order, `quota` items each, items drawn at random from the
 * skill (the logs used for fitting and prediction) or in a fixed order when `fixedOrder` is set.
 */
export function worksheet(world: SimWorld, known: Uint8Array, quota: number, rng: Rng, fixedOrder = false): SimAnswer[] {
  const out: SimAnswer[] = [];
  for (const s of world.skills) {
    const items = world.items.filter((it) => it.skills.includes(s.id));
    for (let q = 0; q < quota; q++) {
      const item = fixedOrder ? items[q % items.length]! : items[Math.floor(rng() * items.length)]!;
      out.push({ item, skill: s.id, correct: answerItem(world, known, item, rng) });
    }
  }
  return out;
}
