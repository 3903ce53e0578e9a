/**
 * The simulation harness (docs/simulation.md): runs policies on the same simulated students and measures what
 * each achieved by the students' TRUE chances, never by a policy's own beliefs.
 *
 * Clock: a student comes once a day and takes up to `perDay` steps (questions or worked examples), one every
 * `minutesPerStep` minutes, at most `maxQuestions` steps in all. The class practises together: on each day every
 * student still practising takes their steps in turn (student 0 first), and after each student's day the
 * policy may refresh what it shares across students (the product's item calibration).
 */
import { randomMasteryPolicy, threeInARowPolicy, worksheetPolicy } from './baselines.js';
import type { Policy } from './policy.js';
import { type ProductOptions, msAt, productMasteryRule, productPolicy } from './product.js';
import type { CreateStudents, SimItem, SimSkill, StudentPopulation } from './types.js';
import { defaultLearnerModel } from '../state.js';
import type { ItemStat } from '../difficulty.js';
import { LearnerModel } from '../learner.js';
import type { LearnerLogEntry } from '../learner-fit.js';
import { type DelayedCalibration, refitFromLog } from '../refit.js';

export interface SimulationOptions {
  skills: readonly SimSkill[];
  items: readonly SimItem[];
  createStudents: CreateStudents;
  /** Students (default 1000). */
  n?: number;
  /** Seed of the students (passed to createStudents) and of the policies' random choices (default 1). */
  seed?: number;
  perDay?: number;
  maxQuestions?: number;
  minutesPerStep?: number;
  /** Days a student may keep coming back (a policy saying 'later' every day); then the student stops, not finished (default 120). */
  maxDays?: number;
  /** Days after the end at which retention is measured (default 14). */
  retentionDays?: number;
  /** True chance at which a skill counts as truly mastered (default 0.8). */
  masteredLevel?: number;
  /** A mastery verdict given while the true chance is below this is false (default 0.7). */
  falseLevel?: number;
  /** Settings of the product's assignment. */
  product?: ProductOptions;
  /** Policies to run (default: product, worksheet, three_in_a_row, random_mastery). The worksheet is the reference of efficiency. */
  policies?: (world: { skills: readonly SimSkill[]; items: readonly SimItem[] }, seed: number) => Policy[];
  /**
   * A tenant's refit (`simulate --refit`): a first class of other students (seed + 1000) practises with the
   * product first; its attempt log is refitted exactly as `model refit` does (refit.ts refitFromLog), and the
   * measured students practise with the result as the extra policy `product_refit`.
   */
  refit?: RefitScenarioOptions;
}

export interface RefitScenarioOptions {
  /** Students of the first class (default 300). */
  firstClass?: number;
  /** Answers from which the whole stack is refitted (default: refit.ts MIN_ANSWERS_FULL_FIT, as the product). */
  minAnswersFullFit?: number;
}

/** What the first class's refit gave (the JSON line's `refit`). */
export interface RefitFigures {
  first_class_students: number;
  first_class_seed: number;
  answers: number;
  learners: number;
  fit: 'full' | 'skills' | null;
  refit_accepted: boolean;
  reason: string | null;
  heldout_loglik: number | null;
  baseline_loglik: number | null;
  forgetting: { phi: number; tau: number; spacing: number } | null;
  delayed: { candidate: DelayedCalibration; current: DelayedCalibration } | null;
}

/** What happened to one student under one policy. */
export interface StudentOutcome {
  questions: number;
  answers: number;
  workedExamples: number;
  finished: boolean;
  endDays: number;
  verdicts: number;
  falseVerdicts: number;
  declared: number;
  trueStart: number;
  trueEnd: number;
  retained: number;
}

/** The figures of one policy (the JSON line's keys). */
export interface PolicyFigures {
  questions_mean: number;
  answers_mean: number;
  worked_examples_mean: number;
  days_mean: number;
  finished_share: number;
  true_mastery_start_share: number;
  true_mastery_share: number;
  declared_mastery_share: number;
  verdicts_per_student: number;
  false_mastery_rate: number | null;
  retention_14d_share: number;
  mastered_per_10_questions: number;
  efficiency_ratio_vs_worksheet: number | null;
}

export interface SimulationResult {
  students: number;
  seed: number;
  skills: number;
  items: number;
  policies: Record<string, PolicyFigures>;
  outcomes: Record<string, StudentOutcome[]>;
  /** With options.refit: the first class's refit. */
  refit?: RefitFigures;
}

export function defaultPolicies(world: { skills: readonly SimSkill[]; items: readonly SimItem[] }, seed: number, product: ProductOptions = {}): Policy[] {
  return [
    productPolicy(world, { seed, ...product }),
    worksheetPolicy(world),
    threeInARowPolicy(world),
    randomMasteryPolicy(world, productMasteryRule(world, product), seed),
  ];
}

/** Runs one policy on students 0..n-1 of the population. */
export function runPolicy(policy: Policy, population: StudentPopulation, skills: readonly SimSkill[], o: Required<Pick<SimulationOptions, 'n' | 'perDay' | 'maxQuestions' | 'minutesPerStep' | 'retentionDays' | 'masteredLevel' | 'falseLevel'>> & { maxDays?: number }): StudentOutcome[] {
  const maxDays = o.maxDays ?? 120;
  const students = Array.from({ length: o.n }, (_, i) => population.student(i));
  const sessions = Array.from({ length: o.n }, (_, i) => policy.session(i));
  const countTrue = (i: number, t: number) => skills.reduce((c, s) => c + (students[i]!.pCorrect(s.id, t) >= o.masteredLevel ? 1 : 0), 0);
  const outs: StudentOutcome[] = students.map((_, i) => ({
    questions: 0, answers: 0, workedExamples: 0, finished: false, endDays: 0, verdicts: 0, falseVerdicts: 0, declared: 0,
    trueStart: countTrue(i, 0), trueEnd: 0, retained: 0,
  }));
  let active = students.map((_, i) => i);
  const stopped = new Set<number>();
  for (let day = 0; active.length > 0 && day < maxDays; day++) {
    for (const i of active) {
      const student = students[i]!;
      const session = sessions[i]!;
      const out = outs[i]!;
      for (let j = 0; j < o.perDay; j++) {
        const t = day + (j * o.minutesPerStep) / 1440;
        if (out.questions >= o.maxQuestions) {
          out.finished = session.next(t) === null;
          stopped.add(i);
          break;
        }
        const step = session.next(t);
        if (!step) { out.finished = true; break; }
        // Nothing today: the student comes back tomorrow.
        if (step === 'later') break;
        let correct = false;
        if (step.kind === 'question') { correct = student.answer(step.item, t); out.answers++; }
        else { student.study?.(step.item, t); out.workedExamples++; }
        session.record(step, correct, t);
        out.questions++;
        out.endDays = t;
        for (const s of session.verdicts()) {
          out.verdicts++;
          if (student.pCorrect(s, t) < o.falseLevel) out.falseVerdicts++;
        }
      }
      policy.afterStudentDay?.();
    }
    active = active.filter((i) => !outs[i]!.finished && !stopped.has(i));
  }
  outs.forEach((out, i) => {
    out.declared = sessions[i]!.mastered().length;
    out.trueEnd = countTrue(i, out.endDays);
    out.retained = countTrue(i, out.endDays + o.retentionDays);
  });
  return outs;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

type RunOptions = Parameters<typeof runPolicy>[3];

/**
 * The refit scenario: a first class practises with the product (options.product: the shipped model unless
 * given), its log (first tries, as the attempts table keeps them) is refitted by refitFromLog with the class's
 * live item calibration, and the returned policy `product_refit` is the product as the next class meets it:
 * the refit model and its fitted item difficulties when accepted, else the current model and the item
 * calibration the first class left (model.service.ts refitModel does the same to item_stats).
 */
export function refitScenario(options: SimulationOptions, o: RunOptions): { policy: Policy; figures: RefitFigures; model: LearnerModel; itemStats: ReadonlyMap<string, ItemStat> } {
  const seed = (options.seed ?? 1) + 1000;
  const n1 = options.refit?.firstClass ?? 300;
  const world = { skills: options.skills, items: options.items };
  const current = options.product?.model ?? defaultLearnerModel();
  const population = options.createStudents({ skills: options.skills, items: options.items, seed });
  const log: LearnerLogEntry[] = [];
  const logged: StudentPopulation = {
    student(i) {
      const s = population.student(i);
      return {
        pCorrect: (skill, t) => s.pCorrect(skill, t),
        ...(s.study ? { study: (item: SimItem, t: number) => s.study!(item, t) } : {}),
        answer(item, t) {
          const c = s.answer(item, t);
          log.push({ learner: `first ${i}`, itemId: item.id, skills: item.skills, y: c ? 1 : 0, at: msAt(t), authored: item.difficulty ?? 0 });
          return c;
        },
      };
    },
  };
  const first = productPolicy(world, { ...options.product, seed });
  runPolicy(first, logged, options.skills, { ...o, n: n1 });
  const liveDifficulty = new Map([...first.itemStats].map(([id, st]) => [id, st.difficulty]));
  const fit = refitFromLog(current, log, {
    liveDifficulty, source: `simulated refit on ${log.length} answers`,
    ...(options.refit?.minAnswersFullFit !== undefined ? { minAnswersFullFit: options.refit.minAnswersFullFit } : {}),
  });
  const accepted = fit.outcome === 'accepted' && fit.params !== null;
  const stats = new Map(first.itemStats);
  if (accepted) for (const d of fit.drift) stats.set(d.itemId, { difficulty: d.difficulty, answers: stats.get(d.itemId)?.answers ?? 0 });
  const policy = productPolicy(world, {
    seed: options.seed ?? 1, ...options.product, model: accepted ? new LearnerModel(fit.params!) : current, itemStats: stats, name: 'product_refit',
  });
  const f = fit.params?.forgetting;
  return {
    policy,
    model: accepted ? new LearnerModel(fit.params!) : current,
    itemStats: stats,
    figures: {
      first_class_students: n1, first_class_seed: seed, answers: fit.answers, learners: fit.learners, fit: fit.kind, refit_accepted: accepted,
      reason: fit.reason, heldout_loglik: fit.heldOutLogLik === null ? null : Math.round(fit.heldOutLogLik * 1e4) / 1e4,
      baseline_loglik: fit.baselineLogLik === null ? null : Math.round(fit.baselineLogLik * 1e4) / 1e4,
      forgetting: f ? { phi: f.phi, tau: f.tau, spacing: f.spacing } : null, delayed: fit.delayed,
    },
  };
}

export function figures(outs: readonly StudentOutcome[], skills: number, worksheetPerQuestion: number | null): PolicyFigures {
  const n = outs.length;
  const sum = (f: (o: StudentOutcome) => number) => outs.reduce((a, o) => a + f(o), 0);
  const questions = sum((o) => o.questions);
  const verdicts = sum((o) => o.verdicts);
  const perQuestion = sum((o) => o.trueEnd) / Math.max(questions, 1);
  return {
    questions_mean: r3(questions / n),
    answers_mean: r3(sum((o) => o.answers) / n),
    worked_examples_mean: r3(sum((o) => o.workedExamples) / n),
    days_mean: r3(sum((o) => (o.questions ? Math.floor(o.endDays) + 1 : 0)) / n),
    finished_share: r3(sum((o) => (o.finished ? 1 : 0)) / n),
    true_mastery_start_share: r3(sum((o) => o.trueStart) / (n * skills)),
    true_mastery_share: r3(sum((o) => o.trueEnd) / (n * skills)),
    declared_mastery_share: r3(sum((o) => o.declared) / (n * skills)),
    verdicts_per_student: r3(verdicts / n),
    false_mastery_rate: verdicts ? r3(sum((o) => o.falseVerdicts) / verdicts) : null,
    retention_14d_share: r3(sum((o) => o.retained) / (n * skills)),
    mastered_per_10_questions: r3(10 * perQuestion),
    efficiency_ratio_vs_worksheet: worksheetPerQuestion ? r3(perQuestion / worksheetPerQuestion) : null,
  };
}

/** Runs every policy on the same students; figures per policy, efficiency relative to the worksheet. */
export function simulate(options: SimulationOptions): SimulationResult {
  const o = {
    n: options.n ?? 1000, perDay: options.perDay ?? 25, maxQuestions: options.maxQuestions ?? 400,
    minutesPerStep: options.minutesPerStep ?? 1.5, maxDays: options.maxDays ?? 120, retentionDays: options.retentionDays ?? 14,
    masteredLevel: options.masteredLevel ?? 0.8, falseLevel: options.falseLevel ?? 0.7,
  };
  const seed = options.seed ?? 1;
  const world = { skills: options.skills, items: options.items };
  const population = options.createStudents({ skills: options.skills, items: options.items, seed });
  const policies = options.policies ? options.policies(world, seed) : defaultPolicies(world, seed, options.product);
  let refit: RefitFigures | undefined;
  if (options.refit) {
    const scenario = refitScenario(options, o);
    refit = scenario.figures;
    const at = policies.findIndex((p) => p.name === 'product');
    policies.splice(at < 0 ? policies.length : at + 1, 0, scenario.policy);
  }
  const outcomes: Record<string, StudentOutcome[]> = {};
  for (const p of policies) outcomes[p.name] = runPolicy(p, population, options.skills, o);
  const K = options.skills.length;
  const sheet = outcomes.worksheet;
  const sheetPerQuestion = sheet ? sheet.reduce((a, x) => a + x.trueEnd, 0) / Math.max(sheet.reduce((a, x) => a + x.questions, 0), 1) : null;
  const figs: Record<string, PolicyFigures> = {};
  for (const p of policies) figs[p.name] = figures(outcomes[p.name]!, K, sheetPerQuestion);
  return { students: o.n, seed, skills: K, items: options.items.length, policies: figs, outcomes, ...(refit ? { refit } : {}) };
}
