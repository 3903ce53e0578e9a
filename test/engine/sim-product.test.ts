import { expect } from 'chai';
import { MAX_SEEN, SESSION_GAP_MS, productPolicy } from '../../src/engine/sim/product.js';
import type { PolicyStep } from '../../src/engine/sim/policy.js';
import type { SimItem, SimSkill } from '../../src/engine/sim/types.js';
import * as practiceSession from '../../src/practice/session.js';
import { loadDemoPack } from '../../src/content/content.files.js';

/**
 * The simulator's product adapter drives the engine as the practice loop does (src/practice/step.ts, answer.ts):
 * the session's seen items are avoided, and a studied worked example is followed by a similar question.
 */
describe('simulator product adapter mirrors the practice loop (issue 14)', function () {
  this.timeout(60_000);
  let skills: SimSkill[];
  let items: SimItem[];
  before(async () => {
    const p = await loadDemoPack();
    skills = p.skills.map((s) => ({ id: s.id, name: s.name, prerequisites: [...s.prerequisites] }));
    items = p.items.map((i) => ({ id: i.id, skills: [...i.skills], difficulty: i.difficulty ?? 0 }));
  });

  it("keeps the practice session's break and memory of items", () => {
    expect(SESSION_GAP_MS).to.equal(practiceSession.SESSION_GAP_MS);
    expect(MAX_SEEN).to.equal(practiceSession.MAX_SEEN);
  });

  /** Steps of one student answering every question wrong, one every 1.5 minutes on day 0. */
  const wrongAnswers = (world: { skills: SimSkill[]; items: SimItem[] }, steps: number): PolicyStep[] => {
    const session = productPolicy(world, { threshold: 0.85, seed: 1 }).session(0);
    const out: PolicyStep[] = [];
    for (let j = 0; j < steps; j++) {
      const t = (j * 1.5) / 1440;
      const step = session.next(t);
      if (!step || step === 'later') break;
      out.push(step);
      session.record(step, false, t);
    }
    return out;
  };

  it('after a worked example asks a question on its skill: the template itself, else another item', () => {
    for (const template of [true, false]) {
      const world = { skills, items: items.map((i) => ({ ...i, template })) };
      const steps = wrongAnswers(world, 40);
      const at = steps.findIndex((s) => s.kind === 'worked_example');
      expect(at, 'a worked example after wrong answers').to.be.at.least(0);
      const example = steps[at]!.item;
      const next = steps[at + 1]!;
      expect(next.kind).to.equal('question');
      expect(next.item.skills[0]).to.equal(example.skills[0]);
      if (template) expect(next.item.id).to.equal(example.id);
      else expect(next.item.id).to.not.equal(example.id);
    }
  });

  it('asks no item twice in a session while unseen items of its skill remain', () => {
    const steps = wrongAnswers({ skills, items }, 60);
    // Seen: questions answered and worked examples studied.
    const seen = new Set<string>();
    for (const s of steps) {
      if (s.kind === 'question' && seen.has(s.item.id)) {
        // Items of that skill alone (always usable while it is practised) not asked yet.
        const unseen = items.filter((i) => i.skills.length === 1 && i.skills[0] === s.item.skills[0] && !seen.has(i.id));
        expect(unseen.map((i) => i.id), `repeat of ${s.item.id}`).to.deep.equal([]);
      }
      seen.add(s.item.id);
    }
    expect(steps.length).to.be.above(10);
  });
});
