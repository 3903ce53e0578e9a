import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { randomMasteryPolicy, threeInARowPolicy, worksheetPolicy } from '../../src/engine/sim/baselines.js';
import { type SimulationOptions, runPolicy, simulate } from '../../src/engine/sim/harness.js';
import { productMasteryRule, productPolicy } from '../../src/engine/sim/product.js';
import type { Policy } from '../../src/engine/sim/policy.js';
import createBkt from '../../src/engine/sim/students/bkt.js';
import createLogistic, { createLogisticStudents } from '../../src/engine/sim/students/logistic.js';
import type { CreateStudents, SimItem, SimSkill, SimStudent } from '../../src/engine/sim/types.js';
import { loadDemoPack } from '../../src/content/content.files.js';

const run = promisify(execFile);

// A tiny assignment: b needs a; one item needs both.
const skills: SimSkill[] = [
  { id: 'b', name: 'B', prerequisites: ['a'] },
  { id: 'a', name: 'A', prerequisites: [] },
];
const items: SimItem[] = [
  { id: 'a1', skills: ['a'], difficulty: -1 }, { id: 'a2', skills: ['a'], difficulty: 0 }, { id: 'a3', skills: ['a'], difficulty: 0.5 },
  { id: 'a4', skills: ['a'], difficulty: 0 }, { id: 'a5', skills: ['a'], difficulty: 0 }, { id: 'a6', skills: ['a'], difficulty: 1 },
  { id: 'b1', skills: ['b'], difficulty: 0 }, { id: 'b2', skills: ['b'], difficulty: 0 }, { id: 'b3', skills: ['b'], difficulty: -0.5 },
  { id: 'b4', skills: ['b'], difficulty: 0 }, { id: 'b5', skills: ['b'], difficulty: 0.3 }, { id: 'ab', skills: ['b', 'a'], difficulty: 0.5 },
];

/** Students that answer by a fixed rule and never change. */
const constant = (answer: (item: SimItem, k: number) => boolean, p: number): CreateStudents => () => ({
  student: () => {
    let k = 0;
    return { answer: (item) => answer(item, k++), pCorrect: () => p };
  },
});
const alwaysRight = constant(() => true, 0.99);
/** Never learns: right 30% of the time at random, whatever it practises. */
const neverLearns: CreateStudents = ({ seed }) => ({
  student: (i) => {
    let s = (seed * 7919 + i * 104729 + 1) >>> 0;
    const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
    return { answer: () => rnd() < 0.3, pCorrect: () => 0.3 };
  },
});
const base = { n: 1, perDay: 25, maxQuestions: 400, minutesPerStep: 1.5, retentionDays: 14, masteredLevel: 0.8, falseLevel: 0.7 };

describe('simulation harness (issue 14 item 6)', function () {
  this.timeout(120_000);
  let pack: { skills: SimSkill[]; items: SimItem[] };
  before(async () => {
    const p = await loadDemoPack();
    pack = {
      skills: p.skills.map((s) => ({ id: s.id, name: s.name, prerequisites: [...s.prerequisites] })),
      items: p.items.map((i) => ({ id: i.id, skills: [...i.skills], difficulty: i.difficulty ?? 0 })),
    };
  });
  const sim = (createStudents: CreateStudents, n: number, extra: Partial<SimulationOptions> = {}) => simulate({ ...pack, createStudents, n, seed: 3, ...extra });

  it('students who always answer right finish every policy, and in fewer questions than any learning student', () => {
    const right = sim(alwaysRight, 5);
    const real = sim(createLogistic, 20);
    for (const p of ['product', 'worksheet', 'three_in_a_row', 'random_mastery']) expect(right.policies[p]!.finished_share, p).to.equal(1);
    expect(right.policies.three_in_a_row!.questions_mean).to.equal(3 * pack.skills.length);
    expect(right.policies.worksheet!.questions_mean).to.equal(pack.items.length);
    const fewest = Math.max(...right.outcomes.product!.map((o) => o.questions));
    expect(fewest).to.be.at.most(Math.min(...real.outcomes.product!.map((o) => o.questions)));
    expect(right.policies.product!.questions_mean).to.be.below(pack.items.length);
    expect(right.policies.product!.declared_mastery_share).to.equal(1);
    expect(right.policies.product!.false_mastery_rate).to.equal(0);
  });

  it('never declares mastered, under the product policy, a student who never learns', () => {
    const r = sim(neverLearns, 10);
    expect(r.policies.product!.verdicts_per_student).to.equal(0);
    expect(r.policies.product!.declared_mastery_share).to.equal(0);
    // Practice on a skill stops after giveUpAnswers answers without mastery (the teacher is the next step), so a
    // student who never learns is done with practice before the 400-question cap.
    expect(r.policies.product!.finished_share).to.equal(1);
    expect(r.policies.product!.questions_mean).to.be.below(400);
    expect(r.policies.product!.true_mastery_share).to.equal(0);
  });

  it('is deterministic for a seed, and the seed matters', () => {
    const a = sim(createLogistic, 8);
    const b = sim(createLogistic, 8);
    expect(b.policies).to.deep.equal(a.policies);
    expect(b.outcomes).to.deep.equal(a.outcomes);
    const c = sim(createLogistic, 8, { seed: 4 });
    expect(c.outcomes).to.not.deep.equal(a.outcomes);
  });

  it('meets the same students under every policy (a fresh student(i) each time)', () => {
    const r = sim(createLogistic, 10);
    const starts = Object.values(r.outcomes).map((outs) => outs.map((o) => o.trueStart));
    for (const s of starts) expect(s).to.deep.equal(starts[0]);
  });

  it('worksheet: every item once, in the pack order, no verdicts', () => {
    const seen: string[] = [];
    const recorder: CreateStudents = () => ({ student: () => ({ answer: (item) => { seen.push(item.id); return false; }, pCorrect: () => 0.1 }) });
    const [out] = runPolicy(worksheetPolicy({ skills, items }), recorder({ skills, items, seed: 1 }), skills, base);
    expect(seen).to.deep.equal(items.map((i) => i.id));
    expect(out).to.include({ questions: items.length, finished: true, verdicts: 0, declared: 0 });
    // 25 a day: 12 items fit in day 0.
    expect(out!.endDays).to.be.below(1);
  });

  it('three in a row: skills in prerequisite order, items in pack order (cycling), moves on after 3 right in a row', () => {
    const seen: string[] = [];
    // On skill a: right, right, wrong, right, right, right (6 questions); on skill b: always right.
    const pattern = [true, true, false, true, true, true];
    const student: CreateStudents = () => ({
      student: () => ({ answer: (item) => { seen.push(item.id); return item.skills[0] === 'a' ? pattern[seen.length - 1]! : true; }, pCorrect: () => 0.9 }),
    });
    const [out] = runPolicy(threeInARowPolicy({ skills, items }), student({ skills, items, seed: 1 }), skills, base);
    expect(seen).to.deep.equal(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'b1', 'b2', 'b3']);
    expect(out).to.include({ questions: 9, finished: true, verdicts: 2, declared: 2 });
    // Items cycle when a skill's run out: a wrong answer every third time never masters, until the cap.
    seen.length = 0;
    const stuck: CreateStudents = () => ({ student: () => ({ answer: (item) => { seen.push(item.id); return seen.length % 3 !== 0; }, pCorrect: () => 0.5 }) });
    const [capped] = runPolicy(threeInARowPolicy({ skills, items }), stuck({ skills, items, seed: 1 }), skills, { ...base, maxQuestions: 20 });
    expect(seen.slice(0, 8)).to.deep.equal(['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'ab', 'a1']);
    expect(capped).to.include({ questions: 20, finished: false, verdicts: 0 });
  });

  it('random order with the product rule shows only items with an unmastered skill, and stops when all are mastered', () => {
    const rule = productMasteryRule({ skills });
    const seen: string[] = [];
    const student: CreateStudents = () => ({ student: () => ({ answer: (item) => { seen.push(item.id); return true; }, pCorrect: () => 0.95 }) });
    const [out] = runPolicy(randomMasteryPolicy({ skills, items }, rule, 1), student({ skills, items, seed: 1 }), skills, base);
    expect(out!.finished).to.equal(true);
    expect(out!.declared).to.equal(2);
    expect(new Set(seen.slice(0, items.length)).size).to.equal(Math.min(seen.length, items.length));
  });

  it('counts a verdict as false when the true chance is below 0.7, and measures retention 14 days after the end', () => {
    // Always right but truly at 0.5: every verdict is false and nothing is truly mastered.
    const lucky = runPolicy(threeInARowPolicy({ skills, items }), constant(() => true, 0.5)({ skills, items, seed: 1 }), skills, base);
    expect(lucky[0]).to.include({ verdicts: 2, falseVerdicts: 2, trueEnd: 0 });
    // Truly at 0.9 until day 5, then forgets: mastered at the end, not 14 days later.
    const fading: CreateStudents = () => ({ student: () => ({ answer: () => true, pCorrect: (_s, t) => (t < 5 ? 0.9 : 0.5) }) });
    const [out] = runPolicy(worksheetPolicy({ skills, items }), fading({ skills, items, seed: 1 }), skills, base);
    expect(out).to.include({ trueStart: 2, trueEnd: 2, retained: 0 });
  });

  it("'later' ends the student's day, not the practice: the student comes back the next day (up to maxDays)", () => {
    // Two questions a day, then 'later'; done after six questions.
    const days: number[] = [];
    const twoADay: Policy = {
      name: 'two_a_day',
      session: () => {
        let today = -1;
        let n = 0;
        let asked = 0;
        return {
          next: (t) => {
            if (asked >= 6) return null;
            if (Math.floor(t) !== today) { today = Math.floor(t); n = 0; }
            return n < 2 ? { kind: 'question', item: items[0]! } : 'later';
          },
          record: (_s, _c, t) => { n++; asked++; days.push(Math.floor(t)); },
          verdicts: () => [],
          mastered: () => [],
        };
      },
    };
    const [out] = runPolicy(twoADay, alwaysRight({ skills, items, seed: 1 }), skills, base);
    expect(out).to.include({ questions: 6, finished: true });
    expect(days).to.deep.equal([0, 0, 1, 1, 2, 2]);
    // A policy that always says 'later' stops at maxDays, unfinished.
    const never: Policy = { name: 'never', session: () => ({ next: () => 'later', record: () => {}, verdicts: () => [], mastered: () => [] }) };
    const [idle] = runPolicy(never, alwaysRight({ skills, items, seed: 1 }), skills, { ...base, maxDays: 5 });
    expect(idle).to.include({ questions: 0, finished: false });
  });

  it('the product with spacing on (restLevel) comes back on later days instead of ending when its skills rest', () => {
    const product = simulate({ skills, items, createStudents: alwaysRight, n: 1, seed: 1, product: { threshold: 0.95, engine: { restLevel: 0.8 } }, policies: (w, sd) => [productPolicy(w, { seed: sd, threshold: 0.95, engine: { restLevel: 0.8 } })] });
    const out = product.outcomes.product![0]!;
    expect(out.finished).to.equal(true);
    expect(out.endDays).to.be.at.least(1);
  });

  it('calls study() on worked examples only, and counts them as questions', () => {
    const shown: string[] = [];
    const studying: CreateStudents = () => ({
      student: (): SimStudent => ({ answer: () => false, pCorrect: () => 0.2, study: (item) => { shown.push(item.id); } }),
    });
    const r = simulate({ ...pack, createStudents: studying, n: 1, seed: 1, maxQuestions: 60 });
    const p = r.outcomes.product![0]!;
    expect(p.workedExamples).to.equal(shown.length);
    expect(p.questions).to.equal(p.answers + p.workedExamples);
    expect(r.outcomes.worksheet![0]!.workedExamples).to.equal(0);
  });

  describe('a tenant refit (simulate --refit)', () => {
    it('a first class (seed + 1000) practises, its log is refitted as model refit does, and product_refit runs on the measured students', () => {
      const r = sim(createLogistic, 8, { refit: { firstClass: 40 } });
      expect(Object.keys(r.policies)).to.deep.equal(['product', 'product_refit', 'worksheet', 'three_in_a_row', 'random_mastery']);
      const f = r.refit!;
      expect(f).to.include({ first_class_students: 40, first_class_seed: 1003, learners: 40, fit: 'skills' });
      expect(f.answers).to.be.above(500);
      expect(f.baseline_loglik).to.be.a('number');
      expect(f.delayed!.candidate.answers).to.equal(f.delayed!.current.answers);
      expect(f.refit_accepted).to.equal(f.reason === null);
      // The measured students are the same under every policy, and the plain product is unchanged by the scenario.
      expect(r.outcomes.product_refit!.map((o) => o.trueStart)).to.deep.equal(r.outcomes.product!.map((o) => o.trueStart));
      expect(sim(createLogistic, 8).policies.product).to.deep.equal(r.policies.product);
      // Deterministic.
      expect(sim(createLogistic, 8, { refit: { firstClass: 40 } }).refit).to.deep.equal(f);
    });

    it('a refit that is not accepted leaves the product its model (the first class too small: skipped)', () => {
      const r = sim(createBkt, 5, { refit: { firstClass: 2 } });
      expect(r.refit).to.include({ refit_accepted: false, fit: null, heldout_loglik: null });
      expect(r.refit!.reason).to.match(/too little data/);
      expect(r.policies.product_refit).to.include.keys('questions_mean', 'false_mastery_rate');
    });
  });

  describe('student modules', () => {
    it('logistic: the same student afresh for the same i, learning with practice, forgetting with time', () => {
      const pop = createLogistic({ skills: pack.skills, items: pack.items, seed: 5 });
      const item = pack.items.find((i) => i.skills.length === 1 && i.skills[0] === 'unit-fractions')!;
      const answers = (s: SimStudent) => Array.from({ length: 30 }, (_, k) => s.answer(item, k * 0.001));
      expect(answers(pop.student(2))).to.deep.equal(answers(pop.student(2)));
      let before = 0, after = 0, later = 0;
      for (let i = 0; i < 200; i++) {
        const s = pop.student(i);
        before += s.pCorrect('unit-fractions', 0);
        for (let k = 0; k < 15; k++) s.answer(item, k * 0.001);
        after += s.pCorrect('unit-fractions', 0.02);
        later += s.pCorrect('unit-fractions', 30);
      }
      expect(after).to.be.above(before + 200 * 0.04);
      expect(later).to.be.below(after - 200 * 0.03);
      expect(later).to.be.above(before);
    });

    it('logistic: weak prerequisites lower the chance; study() helps; nothing changes by asking pCorrect', () => {
      const world = { skills: pack.skills, items: pack.items, seed: 6 };
      const withPrereq = createLogisticStudents(world);
      const without = createLogisticStudents(world, { prereqPenalty: 0 });
      let a = 0, b = 0;
      for (let i = 0; i < 100; i++) {
        a += withPrereq.student(i).pCorrect('fraction-word-problems', 0);
        b += without.student(i).pCorrect('fraction-word-problems', 0);
      }
      expect(a).to.be.below(b - 100 * 0.05);
      const s = withPrereq.student(1);
      const p0 = s.pCorrect('simplest-form', 0);
      expect(s.pCorrect('simplest-form', 0)).to.equal(p0);
      const ex = pack.items.find((i) => i.skills[0] === 'simplest-form')!;
      s.study!(ex, 0);
      s.study!(ex, 0.001);
      expect(s.pCorrect('simplest-form', 0.002)).to.be.above(p0);
    });

    it('BKT: each skill known or not (true chance = 1 - slip or guess), learning by practice', () => {
      const pop = createBkt({ skills: pack.skills, items: pack.items, seed: 7 });
      const item = pack.items.find((i) => i.skills[0] === 'unit-fractions' && i.skills.length === 1)!;
      let gained = 0;
      for (let i = 0; i < 100; i++) {
        const s = pop.student(i);
        const p = s.pCorrect('unit-fractions', 0);
        expect(p <= 0.3 || p >= 0.8).to.equal(true);
        for (let k = 0; k < 20; k++) s.answer(item, k);
        if (p <= 0.3 && s.pCorrect('unit-fractions', 20) >= 0.8) gained++;
      }
      expect(gained).to.be.above(30);
    });
  });

  it('npm run -s simulate -- --students MODULE prints a JSON last line with every policy', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--students', 'src/engine/sim/students/bkt.ts', '--n', '3', '--seed', '2'], { cwd: root });
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown> & { policies: Record<string, Record<string, unknown>> };
    expect(last).to.include({ students: 3, module: 'src/engine/sim/students/bkt.ts', seed: 2 });
    expect(Object.keys(last.policies)).to.deep.equal(['product', 'worksheet', 'three_in_a_row', 'random_mastery']);
    for (const p of Object.values(last.policies)) {
      expect(p).to.include.keys('questions_mean', 'finished_share', 'true_mastery_share', 'false_mastery_rate', 'retention_14d_share', 'efficiency_ratio_vs_worksheet');
    }
    expect(last.product_efficiency_ratio_vs_worksheet).to.equal(last.policies.product!.efficiency_ratio_vs_worksheet);
  });

  it('npm run -s simulate -- --refit adds product_refit, refit_accepted and the held-out figures, every other key as before', async () => {
    const root = path.resolve(import.meta.dirname, '..', '..');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/simulate.ts', '--n', '2', '--seed', '2', '--refit', '--refit-class', '30'], { cwd: root });
    const last = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown> & { policies: Record<string, Record<string, unknown>>; refit: Record<string, unknown> };
    expect(Object.keys(last.policies)).to.deep.equal(['product', 'product_refit', 'worksheet', 'three_in_a_row', 'random_mastery']);
    expect(last.refit_accepted).to.be.a('boolean');
    expect(last.refit).to.include({ first_class_students: 30, first_class_seed: 1002 });
    expect(last.refit).to.include.keys('heldout_loglik', 'baseline_loglik', 'delayed', 'reason', 'forgetting');
    expect(last.product_efficiency_ratio_vs_worksheet).to.equal(last.policies.product!.efficiency_ratio_vs_worksheet);
    expect(stdout).to.match(/Refit of a first class \(30 students, seed 1002/);
  });
});
