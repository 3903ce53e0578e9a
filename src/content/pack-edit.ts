/**
 * What an instructor changes in a stored pack, as pure functions over the pack model (no I/O): skills
 * renamed, merged, ordered and linked by prerequisites ("X needs Y", cycles refused), one question's
 * text, answer, hints and feedback edited, and the difference between a pack and its new version (which
 * questions keep their students' progress). Every result is checked with the pack's own validation.
 */
import { AppError } from '../http/errors.js';
import { itemSchema, type Item, type Pack, type Skill } from './content.schema.js';
import { formatIssue, validatePack } from './pack.js';
import { findCycle } from './skills.js';

/** A change the pack refuses, with a message for the instructor. */
export class EditRefused extends AppError {
  constructor(message: string) {
    super('edit_refused', 422, message);
  }
}

const clone = <T>(v: T): T => structuredClone(v);

function skillOf(pack: Pack, id: string): Skill {
  const s = pack.skills.find((k) => k.id === id);
  if (!s) throw new EditRefused(`There is no skill "${id}" in this pack.`);
  return s;
}

/** Refuses a pack its validation finds problems in (the first few named). */
export function checked(pack: Pack): Pack {
  const issues = validatePack(pack);
  if (issues.length) throw new EditRefused(issues.slice(0, 5).map(formatIssue).join('; '));
  return pack;
}

/** Renames a skill. */
export function renameSkill(pack: Pack, skillId: string, name: string): Pack {
  const next = clone(pack);
  const n = name.trim();
  if (!n || n.length > 200) throw new EditRefused('A skill name needs 1 to 200 characters.');
  skillOf(next, skillId).name = n;
  return checked(next);
}

/**
 * Merges skills into one: their questions practise `into` instead, their standards and prerequisites
 * join its own, skills that needed them need `into`, and they are removed.
 */
export function mergeSkills(pack: Pack, into: string, from: readonly string[]): Pack {
  const next = clone(pack);
  const target = skillOf(next, into);
  const gone = new Set(from.filter((id) => id !== into));
  if (!gone.size) throw new EditRefused('Choose at least one other skill to merge into this one.');
  for (const id of gone) skillOf(next, id);
  const map = (id: string) => (gone.has(id) ? into : id);
  for (const s of next.skills) {
    if (gone.has(s.id)) {
      for (const code of s.standards) if (!target.standards.includes(code)) target.standards.push(code);
      for (const p of s.prerequisites) if (!target.prerequisites.includes(p)) target.prerequisites.push(p);
    }
  }
  next.skills = next.skills.filter((s) => !gone.has(s.id));
  for (const s of next.skills) s.prerequisites = [...new Set(s.prerequisites.map(map))].filter((p) => p !== s.id);
  for (const i of next.items) i.skills = [...new Set(i.skills.map(map))];
  if (findCycle(next.skills)) throw new EditRefused(`Merging would make a prerequisite cycle through "${target.name}".`);
  return checked(next);
}

/** Moves a skill one place up or down in the pack's order (the order students and teachers see). */
export function moveSkill(pack: Pack, skillId: string, direction: 'up' | 'down'): Pack {
  const next = clone(pack);
  const i = next.skills.findIndex((s) => s.id === skillId);
  if (i < 0) throw new EditRefused(`There is no skill "${skillId}" in this pack.`);
  const j = direction === 'up' ? i - 1 : i + 1;
  if (j < 0 || j >= next.skills.length) return next;
  [next.skills[i], next.skills[j]] = [next.skills[j]!, next.skills[i]!];
  return next;
}

/** "X needs Y": Y becomes a prerequisite of X. A link that would close a cycle is refused, naming it. */
export function addPrerequisite(pack: Pack, skillId: string, needs: string): Pack {
  const next = clone(pack);
  const x = skillOf(next, skillId);
  const y = skillOf(next, needs);
  if (x.id === y.id) throw new EditRefused(`"${x.name}" cannot need itself.`);
  if (x.prerequisites.includes(y.id)) return next;
  x.prerequisites.push(y.id);
  const cycle = findCycle(next.skills);
  if (cycle) {
    const names = cycle.map((id) => next.skills.find((s) => s.id === id)?.name ?? id);
    throw new EditRefused(`"${x.name}" cannot need "${y.name}": that would make a cycle (${names.join(' needs ')}).`);
  }
  return checked(next);
}

/** Removes the arrow "X needs Y". */
export function removePrerequisite(pack: Pack, skillId: string, needs: string): Pack {
  const next = clone(pack);
  const x = skillOf(next, skillId);
  x.prerequisites = x.prerequisites.filter((p) => p !== needs);
  return next;
}

/** The fields of one question an instructor edits (absent: unchanged). */
export interface ItemEdit {
  stem?: string;
  /** Hints in order (empty entries dropped). */
  hints?: string[];
  solution?: string;
  feedbackCorrect?: string;
  feedbackIncorrect?: string;
  /** Choice items: text, correct and feedback per choice id. */
  choices?: { id: string; text: string; correct: boolean; feedback: string }[];
  /** numeric, math_expression: the answer. */
  answer?: string;
  /** short_text: accepted answers. */
  answers?: string[];
  /** ordering: entry texts by id, in the correct order. */
  entries?: { id: string; text: string }[];
}

/** Applies an edit to one item of the pack and validates the item and the whole pack. */
export function editItem(pack: Pack, itemId: string, edit: ItemEdit): { pack: Pack; item: Item } {
  const next = clone(pack);
  const k = next.items.findIndex((i) => i.id === itemId);
  if (k < 0) throw new EditRefused(`There is no question "${itemId}" in this pack.`);
  const raw = clone(next.items[k]!) as Record<string, unknown> & Item;
  const opt = (v: string | undefined) => (v === undefined ? undefined : v.trim() === '' ? undefined : v.trim());
  if (edit.stem !== undefined) raw.stem = edit.stem.trim();
  if (edit.hints !== undefined) raw.hints = edit.hints.map((h) => h.trim()).filter(Boolean);
  if (edit.solution !== undefined) raw.solution = opt(edit.solution);
  if (edit.feedbackCorrect !== undefined || edit.feedbackIncorrect !== undefined) {
    raw.feedback = {
      ...(opt(edit.feedbackCorrect ?? raw.feedback.correct) ? { correct: opt(edit.feedbackCorrect ?? raw.feedback.correct) } : {}),
      ...(opt(edit.feedbackIncorrect ?? raw.feedback.incorrect) ? { incorrect: opt(edit.feedbackIncorrect ?? raw.feedback.incorrect) } : {}),
    };
  }
  if ((raw.type === 'single_choice' || raw.type === 'multiple_choice') && edit.choices) {
    const byId = new Map(raw.choices.map((c) => [c.id, c]));
    for (const c of edit.choices) {
      const own = byId.get(c.id);
      if (!own) throw new EditRefused(`There is no choice "${c.id}" in this question.`);
      own.text = c.text.trim();
      own.correct = c.correct;
      const fb = opt(c.feedback);
      if (fb) own.feedback = fb;
      else delete own.feedback;
    }
    const right = raw.choices.filter((c) => c.correct).length;
    if (raw.type === 'single_choice' && right !== 1) throw new EditRefused('A single-choice question needs exactly one correct choice.');
    if (raw.type === 'multiple_choice' && right < 1) throw new EditRefused('A multiple-choice question needs at least one correct choice.');
  }
  if (edit.answer !== undefined && (raw.type === 'numeric' || raw.type === 'math_expression')) {
    const a = edit.answer.trim();
    (raw as { answer: unknown }).answer = raw.type === 'numeric' && /^-?\d+(\.\d+)?$/.test(a) ? Number(a) : a;
  }
  if (edit.answers !== undefined && raw.type === 'short_text') raw.answers = edit.answers.map((a) => a.trim()).filter(Boolean);
  if (edit.entries !== undefined && raw.type === 'ordering') {
    const byId = new Map(raw.entries.map((e) => [e.id, e]));
    for (const e of edit.entries) {
      const own = byId.get(e.id);
      if (!own) throw new EditRefused(`There is no entry "${e.id}" in this question.`);
      own.text = e.text.trim();
    }
  }
  const parsed = itemSchema.safeParse(raw);
  if (!parsed.success) {
    throw new EditRefused(parsed.error.issues.map((i) => `${i.path.join('.') || 'question'}: ${i.message}`).join('; '));
  }
  next.items[k] = parsed.data;
  const issues = validatePack(next).filter((i) => i.itemId === itemId);
  if (issues.length) throw new EditRefused(issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`).join('; '));
  return { pack: next, item: parsed.data };
}

/** How a new version of a pack differs from the stored one, by item id (progress follows item and skill ids). */
export interface PackDiff {
  unchanged: string[];
  changed: string[];
  added: string[];
  removed: string[];
  /** Skills of the old version the new one lacks. */
  removedSkills: string[];
}

/** Deterministic JSON (keys sorted, undefined fields dropped) for comparing items and packs. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The difference between the stored version of a pack and a new one. */
export function diffPacks(before: Pack, after: Pack): PackDiff {
  const old = new Map(before.items.map((i) => [i.id, canonical(i)]));
  const now = new Map(after.items.map((i) => [i.id, canonical(i)]));
  const diff: PackDiff = { unchanged: [], changed: [], added: [], removed: [], removedSkills: [] };
  for (const [id, body] of now) {
    const was = old.get(id);
    if (was === undefined) diff.added.push(id);
    else if (was === body) diff.unchanged.push(id);
    else diff.changed.push(id);
  }
  for (const id of old.keys()) if (!now.has(id)) diff.removed.push(id);
  const skills = new Set(after.skills.map((s) => s.id));
  diff.removedSkills = before.skills.map((s) => s.id).filter((id) => !skills.has(id));
  return diff;
}
