/**
 * The simple policies the product is compared with, on the same students:
 *  - worksheet: every item of the assignment once, in the pack's order;
 *  - three_in_a_row: skills in prerequisite order, each skill's items in the pack's order (again from the
 *    start when they run out); the skill is declared mastered and left after 3 correct answers in a row on it;
 *  - random_mastery: items in random order (a fresh shuffle each round, the no-repeat of a deck), skipping
 *    items whose skills are all mastered, with the product's mastery rule deciding mastery; done when every
 *    skill is mastered.
 */
import type { Policy, PolicySession, PolicyStep } from './policy.js';
import { mixSeed, mulberry32 } from './random.js';
import type { SimItem, SimSkill } from './types.js';

export interface World { skills: readonly SimSkill[]; items: readonly SimItem[] }

/** Skills in prerequisite order (Kahn), the pack's order among equals; prerequisites outside the list are ignored. */
export function prerequisiteOrder(skills: readonly SimSkill[]): SimSkill[] {
  const ids = new Set(skills.map((s) => s.id));
  const done = new Set<string>();
  const out: SimSkill[] = [];
  while (out.length < skills.length) {
    const next = skills.find((s) => !done.has(s.id) && s.prerequisites.every((p) => !ids.has(p) || done.has(p)));
    if (!next) throw new Error('prerequisite cycle');
    done.add(next.id);
    out.push(next);
  }
  return out;
}

export function worksheetPolicy(world: World): Policy {
  return {
    name: 'worksheet',
    session(): PolicySession {
      let k = 0;
      return {
        next: () => (k < world.items.length ? { kind: 'question', item: world.items[k]! } : null),
        record: () => { k++; },
        verdicts: () => [],
        mastered: () => [],
      };
    },
  };
}

export function threeInARowPolicy(world: World, streakToMaster = 3): Policy {
  const order = prerequisiteOrder(world.skills).map((s) => ({ skill: s.id, items: world.items.filter((it) => it.skills.includes(s.id)) })).filter((b) => b.items.length > 0);
  return {
    name: 'three_in_a_row',
    session(): PolicySession {
      let block = 0;
      let k = 0;
      let streak = 0;
      let newly: string[] = [];
      const mastered: string[] = [];
      return {
        next: () => (block < order.length ? { kind: 'question', item: order[block]!.items[k % order[block]!.items.length]! } : null),
        record: (_step: PolicyStep, correct: boolean) => {
          newly = [];
          k++;
          streak = correct ? streak + 1 : 0;
          if (streak >= streakToMaster) {
            newly = [order[block]!.skill];
            mastered.push(order[block]!.skill);
            block++;
            k = 0;
            streak = 0;
          }
        },
        verdicts: () => newly,
        mastered: () => mastered,
      };
    },
  };
}

/** `rule()` makes one student's mastery rule (productMasteryRule). */
export function randomMasteryPolicy(
  world: World,
  rule: () => { record(item: SimItem, correct: boolean, atDays: number): void; mastered(skill: string): boolean },
  seed = 0,
): Policy {
  const skillIds = world.skills.map((s) => s.id);
  return {
    name: 'random_mastery',
    session(i: number): PolicySession {
      const rng = mulberry32(mixSeed(seed, 0x4a9d, i));
      const r = rule();
      let deck: SimItem[] = [];
      let newly: string[] = [];
      const open = (it: SimItem) => it.skills.some((s) => skillIds.includes(s) && !r.mastered(s));
      return {
        next: () => {
          if (skillIds.every((s) => r.mastered(s))) return null;
          for (let round = 0; round < 2; round++) {
            while (deck.length) {
              const it = deck.pop()!;
              if (open(it)) { deck.push(it); return { kind: 'question', item: it }; }
            }
            deck = world.items.filter(open);
            for (let j = deck.length - 1; j > 0; j--) {
              const m = Math.floor(rng() * (j + 1));
              [deck[j], deck[m]] = [deck[m]!, deck[j]!];
            }
          }
          return null;
        },
        record: (step: PolicyStep, correct: boolean, atDays: number) => {
          const before = skillIds.filter((s) => r.mastered(s));
          deck.pop();
          r.record(step.item, correct, atDays);
          newly = skillIds.filter((s) => r.mastered(s) && !before.includes(s));
        },
        verdicts: () => newly,
        mastered: () => skillIds.filter((s) => r.mastered(s)),
      };
    },
  };
}
