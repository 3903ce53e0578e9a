/**
 * Choosing the next step: the bank's indexing and the step types; the decision itself is the ordered list of
 * named rules in policy/ (student choice, remediation, review due, practice with moving on, done). Within a
 * skill the item is the one whose predicted success for this student is closest to the wanted rate,
 * excluding the last `noRepeatWindow` items; exact ties are broken with the injected rng.
 */
import { POLICY, createView, type PolicyView, type Rule } from './policy/index.js';
import { reason as because, step as stepOf } from './policy/view.js';
import { type EngineConfig, type LearnerState, type ResolvedConfig, resolveConfig } from './state.js';
import type { Rng } from './types.js';

/** An item as the engine sees it: nothing about its content. */
export interface BankItem {
  id: string;
  skills: readonly string[];
  /** Calibrated logit-scale difficulty (difficulty.ts); 0 or absent = average. */
  difficulty?: number;
}

/** A skill of the graph and the skills that must be mastered before it opens. */
export interface SkillNode {
  id: string;
  prerequisites: readonly string[];
}

/** The content an assignment draws from. */
export interface Bank {
  items: readonly BankItem[];
  skills: readonly SkillNode[];
}

/** A bank indexed once for fast selection (prepareBank); nextStep also accepts a plain Bank. */
export interface PreparedBank {
  prepared: true;
  /** Skills in prerequisite (topological) order, declaration order among equals. */
  skills: readonly SkillNode[];
  byId: ReadonlyMap<string, SkillNode>;
  itemsBySkill: ReadonlyMap<string, readonly BankItem[]>;
}

/** Stable codes of the reasons, for the UI to translate. */
export type ReasonCode =
  | 'student_choice' | 'remediation_prerequisite' | 'worked_example' | 'easier_item' | 'review_due' | 'new_skill'
  | 'new_skill_prereqs_mastered' | 'practice_at_level' | 'moving_on' | 'all_mastered' | 'practice_paused' | 'no_items'
  | 'similar_question' | 'come_back_later';

/** Why this step was chosen. */
export interface StepReason {
  code: ReasonCode;
  /** The skill the step is about. */
  skill: string | null;
  /** A second skill the reason names (the struggling skill of a prerequisite step, the prerequisites mastered). */
  related: readonly string[];
  /** English text for the student; the UI may translate from code + skill + related instead. */
  text: string;
}

/** The engine's decision. */
export interface NextStep {
  kind: 'question' | 'worked_example' | 'done';
  itemId: string | null;
  /** The skill being practised (or reviewed, or remediated). */
  skill: string | null;
  /** Predicted P(correct) of the item for this student, when an item is chosen. */
  predictedSuccess: number | null;
  /** On remediation steps, the struggling skill: copy it to Attempt.remediates. */
  remediates: string | null;
  reason: StepReason;
}

/** What the student asked for, if anything. */
export interface StepRequest {
  /** A skill the student chose to practise. */
  skill?: string;
  /**
   * Items already shown in the student's session: no item comes back while a usable unseen item of its skill
   * remains (then the rules' usual choice, the no-repeat window included, applies).
   */
  avoid?: ReadonlySet<string>;
  /**
   * A worked example just studied: the next step is a similar question on its skill (the same template with new
   * numbers: `sameItem`, set by the caller for a template; else the unseen item of the skill closest in
   * difficulty), before the policy decides again.
   */
  followUp?: { skill: string; itemId: string; sameItem?: boolean };
}

/**
 * Index a bank: skills in topological order (Kahn's algorithm; skills named only on items or as
 * prerequisites are added without prerequisites) and items per skill. Throws on a prerequisite cycle.
 */
export function prepareBank(bank: Bank | PreparedBank): PreparedBank {
  if ('prepared' in bank) return bank;
  const nodes = new Map<string, SkillNode>();
  for (const s of bank.skills) nodes.set(s.id, s);
  for (const s of bank.skills) for (const p of s.prerequisites) if (!nodes.has(p)) nodes.set(p, { id: p, prerequisites: [] });
  for (const it of bank.items) for (const s of it.skills) if (!nodes.has(s)) nodes.set(s, { id: s, prerequisites: [] });
  const indegree = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const n of nodes.values()) {
    indegree.set(n.id, new Set(n.prerequisites).size);
    for (const p of new Set(n.prerequisites)) (dependents.get(p) ?? dependents.set(p, []).get(p)!).push(n.id);
  }
  const order: SkillNode[] = [];
  const queue = [...nodes.values()].filter((n) => indegree.get(n.id) === 0).map((n) => n.id);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    order.push(nodes.get(id)!);
    for (const d of dependents.get(id) ?? []) {
      const left = indegree.get(d)! - 1;
      indegree.set(d, left);
      if (left === 0) queue.push(d);
    }
  }
  if (order.length !== nodes.size) {
    const stuck = [...nodes.keys()].filter((id) => indegree.get(id)! > 0);
    throw new Error(`skill graph has a prerequisite cycle among: ${stuck.join(', ')}`);
  }
  const itemsBySkill = new Map<string, BankItem[]>();
  for (const it of bank.items) for (const s of new Set(it.skills)) (itemsBySkill.get(s) ?? itemsBySkill.set(s, []).get(s)!).push(it);
  return { prepared: true, skills: order, byId: nodes, itemsBySkill };
}

/** English reason texts; the UI translates from the code. */
export function reasonText(code: ReasonCode, skill: string | null, related: readonly string[] = []): string {
  switch (code) {
    case 'student_choice': return `You chose to practise ${skill}.`;
    case 'remediation_prerequisite': return `A few answers on ${related[0]} went wrong, so let's strengthen ${skill}, which it builds on.`;
    case 'worked_example': return `A few answers on ${skill} went wrong, so here is a worked example to study.`;
    case 'easier_item': return `Let's take a slightly easier question on ${skill} to get back on track.`;
    case 'review_due': return `Time to review ${skill}, so you keep what you mastered.`;
    case 'moving_on': return `You have practised ${related[0]} a lot for now; let's work on ${skill} and come back to it later.`;
    case 'new_skill': return `Let's start ${skill}.`;
    case 'new_skill_prereqs_mastered': return `You have mastered ${related.join(', ')}, so you can start ${skill}.`;
    case 'practice_at_level': return `More practice on ${skill}, at a level that suits you.`;
    case 'all_mastered': return 'You have mastered every skill of this assignment.';
    case 'practice_paused': return `You have practised ${related.join(', ')} a lot without mastering it yet; ask your teacher for help with it.`;
    case 'no_items': return 'There are no questions available for you right now.';
    case 'similar_question': return `You studied an example of ${skill}: now a similar question to try yourself.`;
    case 'come_back_later': return `Well done on ${related.join(', ')} for today. Come back tomorrow for a quick check: a right answer after a break shows it is learned.`;
  }
}

/**
 * Choose the next step for a student: a question (or a worked example) and the reason for it, by the first
 * rule of `policy` (default POLICY) that gives one. Pure: the same (state, bank, config, rng state, now,
 * request) always gives the same step.
 */
export function nextStep(
  state: LearnerState,
  bank: Bank | PreparedBank,
  config: EngineConfig | ResolvedConfig,
  rng: Rng,
  now: number,
  request: StepRequest = {},
  policy: readonly Rule[] = POLICY,
): NextStep {
  const prepared = prepareBank(bank);
  const cfg = resolveConfig(config);
  const base = createView(state, prepared, cfg, now, request);
  const v = request.avoid?.size ? avoidingSeen(base, request.avoid) : base;
  if (request.followUp) {
    const s = similarStep(v, request.followUp, rng);
    if (s) return s;
  }
  for (const r of policy) {
    const s = r(v, rng);
    if (s) return s;
  }
  return { kind: 'done', itemId: null, skill: null, predictedSuccess: null, remediates: null, reason: { code: 'no_items', skill: null, related: [], text: reasonText('no_items', null) } };
}

/**
 * The view with item choice that skips the items seen this session while the skill has usable unseen ones
 * (closest to the wanted success, ties by the rng); with none left, the view's own choice.
 */
function avoidingSeen(v: PolicyView, seen: ReadonlySet<string>): PolicyView {
  const pickItem: PolicyView['pickItem'] = (skill, rng, target) => {
    const recent = new Set(v.state.recent.slice(-v.cfg.noRepeatWindow));
    let best: BankItem[] = [];
    let bestScore = Infinity;
    for (const it of v.bank.itemsBySkill.get(skill) ?? []) {
      if (seen.has(it.id) || recent.has(it.id) || !v.usable(it)) continue;
      const score = Math.abs(v.predict(it) - target);
      if (score < bestScore - 1e-12) { best = [it]; bestScore = score; }
      else if (score <= bestScore + 1e-12) best.push(it);
    }
    if (best.length === 0) return v.pickItem(skill, rng, target);
    const item = best.length === 1 ? best[0]! : best[Math.min(Math.floor(rng() * best.length), best.length - 1)]!;
    return { item, p: v.predict(item) };
  };
  return { ...v, pickItem };
}

/**
 * The question after a studied worked example: the same item when the caller says it is a template (it gives
 * it new numbers), else the unseen usable item of the skill closest in difficulty.
 */
function similarStep(v: PolicyView, f: NonNullable<StepRequest['followUp']>, rng: Rng): NextStep | null {
  if (!v.inScope(f.skill) || !(v.isOpen(f.skill) || v.isMastered(f.skill))) return null;
  const items = v.bank.itemsBySkill.get(f.skill) ?? [];
  const example = items.find((it) => it.id === f.itemId);
  if (!example) return null;
  const want = v.predict(example);
  const seen = new Set(v.state.recent);
  let pick: BankItem | null = null;
  let gap = Infinity;
  for (const it of items) {
    if (it.id === f.itemId || seen.has(it.id) || v.request.avoid?.has(it.id) || !v.usable(it)) continue;
    const d = Math.abs(v.predict(it) - want) + rng() * 1e-9;
    if (d < gap) { gap = d; pick = it; }
  }
  const chosen = f.sameItem ? example : pick ?? v.pickItem(f.skill, rng, v.cfg.targetSuccess)?.item ?? null;
  if (!chosen) return null;
  return stepOf('question', { item: chosen, p: v.predict(chosen) }, f.skill, because('similar_question', f.skill));
}
