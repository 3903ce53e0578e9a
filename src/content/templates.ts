/**
 * Parameterised item templates. A template is an item with a `template` block (variables and
 * constraints) whose text fields hold `{{expr}}` placeholders. `instantiate(template, seed)` draws the
 * variables with a seeded PRNG (rejecting draws that break a constraint or make a malformed question),
 * fills in every placeholder, and returns a concrete item. The result depends only on the template
 * and the seed, so a stored (item id, seed) re-renders and re-grades identically.
 */
import type { Item, Template } from './content.schema.js';
import { AppError } from '../http/errors.js';
import { correctResponse, distractorResponses, grade } from './grading.js';
import { evaluateExpression, formatNumber, hashString, mulberry32, parseExpression } from './math.js';

/** A concrete question drawn from a template. */
export interface ItemInstance {
  /** Id of the template it came from (also `item.id`). */
  templateId: string;
  /** The seed that determines it. */
  seed: number;
  /** The drawn and computed variable values. */
  values: Record<string, number | string>;
  /** The concrete item (no `template` block), ready to render and grade. */
  item: Item;
}

/** A template that cannot produce an instance (bad expression, unsatisfiable constraints). */
export class TemplateError extends AppError {
  constructor(
    readonly itemId: string,
    message: string,
  ) {
    super('template_invalid', 422, `template ${itemId}: ${message}`);
  }
}

/** Draws per seed before giving up on a template's constraints. */
export const MAX_DRAWS = 1000;

/** Placeholders: `{{ expr }}` where expr has no braces, so `\frac{{{a}}}{{{b}}}` works in LaTeX. */
const PLACEHOLDER = /\{\{([^{}]+)\}\}/g;

/** True if the item is a template (has a `template` block). */
export function isTemplate(item: Item): boolean {
  return item.template !== undefined;
}

/** Stable key of an instance, e.g. for storing attempts: `add-like-t1#42`. */
export function instanceKey(itemId: string, seed: number): string {
  return `${itemId}#${seed >>> 0}`;
}

/** Renders a computed value into text. */
function show(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && 'toString' in value) return String(value);
  return '';
}

function evaluate(itemId: string, expr: string, scope: Record<string, unknown>, what: string): unknown {
  try {
    return evaluateExpression(expr, scope);
  } catch (err) {
    throw new TemplateError(itemId, `${what} "${expr}": ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Names an expression may use besides the template's variables (and functions it calls). */
const CONSTANTS = new Set(['pi', 'e', 'true', 'false', 'Infinity', 'NaN']);

/** The names an expression reads (not the functions it calls); throws TemplateError if it does not parse. */
function namesIn(itemId: string, expr: string, what: string): string[] {
  let node;
  try {
    node = parseExpression(expr);
  } catch (err) {
    throw new TemplateError(itemId, `${what} "${expr}": ${err instanceof Error ? err.message : String(err)}`);
  }
  const names: string[] = [];
  node.traverse((n, path, parent) => {
    if (n.type === 'SymbolNode' && !(parent?.type === 'FunctionNode' && path === 'fn')) names.push((n as unknown as { name: string }).name);
  });
  return names;
}

/** Every text field of an item (or template) that may hold `{{...}}` placeholders. */
function placeholders(node: unknown, key?: string, out: string[] = []): string[] {
  if (typeof node === 'string') {
    if (key !== 'id') for (const m of node.matchAll(PLACEHOLDER)) out.push(m[1]!.trim());
  } else if (Array.isArray(node)) {
    for (const n of node) placeholders(n, key === 'skills' ? 'id' : undefined, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) if (k !== 'template') placeholders(v, k, out);
  }
  return out;
}

/** Checked template: the order to draw variables in. */
const analysed = new WeakMap<Item, string[]>();

/**
 * The order to draw a template's variables: each after the variables its bounds or expression use,
 * ties by name, so the result does not depend on how keys were ordered in the file or in storage
 * (PostgreSQL jsonb, for one, reorders them). Also refuses unknown names anywhere in the template
 * (mathjs would otherwise read an undefined `b` as the unit "bit") and dependency cycles.
 */
function drawOrder(item: Item): string[] {
  const cached = analysed.get(item);
  if (cached) return cached;
  const template = item.template!;
  const vars = Object.keys(template.variables);
  const known = (name: string) => vars.includes(name) || CONSTANTS.has(name);
  const deps = new Map<string, Set<string>>();
  for (const [name, spec] of Object.entries(template.variables)) {
    const exprs: [string, string][] = 'expr' in spec ? [[spec.expr, `variable ${name}`]] : 'choices' in spec ? [] : [spec.min, spec.max].filter((b): b is string => typeof b === 'string').map((b) => [b, `bound of ${name}`]);
    const used = new Set<string>();
    for (const [expr, what] of exprs) {
      for (const n of namesIn(item.id, expr, what)) {
        if (!known(n)) throw new TemplateError(item.id, `${what} "${expr}": unknown name ${n}`);
        if (n === name) throw new TemplateError(item.id, `${what} "${expr}" uses itself`);
        if (vars.includes(n)) used.add(n);
      }
    }
    deps.set(name, used);
  }
  for (const c of template.constraints) for (const n of namesIn(item.id, c, 'constraint')) if (!known(n)) throw new TemplateError(item.id, `constraint "${c}": unknown name ${n}`);
  for (const p of placeholders(item)) for (const n of namesIn(item.id, p, 'placeholder')) if (!known(n)) throw new TemplateError(item.id, `placeholder "{{${p}}}": unknown name ${n}`);

  const order: string[] = [];
  const pending = new Set(vars);
  while (pending.size) {
    const ready = [...pending].filter((v) => [...deps.get(v)!].every((d) => !pending.has(d))).sort();
    if (!ready.length) throw new TemplateError(item.id, `variables depend on each other in a cycle: ${[...pending].sort().join(', ')}`);
    order.push(ready[0]!);
    pending.delete(ready[0]!);
  }
  analysed.set(item, order);
  return order;
}

/** One draw of all variables, or null when a range is empty or a value is not finite. */
function drawValues(itemId: string, template: Template, order: readonly string[], rng: () => number): Record<string, number | string> | null {
  const values: Record<string, number | string> = {};
  for (const name of order) {
    const spec = template.variables[name]!;
    if ('choices' in spec) {
      values[name] = spec.choices[Math.floor(rng() * spec.choices.length)]!;
    } else if ('expr' in spec) {
      const v = evaluate(itemId, spec.expr, values, `variable ${name}`);
      if (typeof v === 'number' && !Number.isFinite(v)) return null;
      if (typeof v !== 'number' && typeof v !== 'string') {
        if (typeof v === 'boolean') values[name] = v ? 1 : 0;
        else throw new TemplateError(itemId, `variable ${name} "${spec.expr}" is not a number or text`);
      } else values[name] = v;
    } else {
      const bound = (b: number | string, which: string): number => {
        const v = typeof b === 'number' ? b : evaluate(itemId, b, values, `${which} of ${name}`);
        if (typeof v !== 'number') throw new TemplateError(itemId, `${which} of ${name} is not a number`);
        return v;
      };
      const min = bound(spec.min, 'min');
      const max = bound(spec.max, 'max');
      const step = spec.step ?? 1;
      const count = Math.floor((max - min) / step + 1e-9) + 1;
      if (!(count >= 1) || !Number.isFinite(count)) return null;
      values[name] = Number((min + Math.floor(rng() * count) * step).toPrecision(12));
    }
  }
  return values;
}

/** Replaces every `{{expr}}` in every text field (not ids, types or the template block). */
function fill(itemId: string, node: unknown, scope: Record<string, unknown>, key?: string): unknown {
  if (typeof node === 'string') {
    if (key === 'id' || !node.includes('{{')) return node;
    return node.replace(PLACEHOLDER, (_, expr: string) => show(evaluate(itemId, expr.trim(), scope, 'placeholder')));
  }
  if (Array.isArray(node)) return node.map((n) => fill(itemId, n, scope, key === 'skills' ? 'id' : undefined));
  if (node && typeof node === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === 'template') continue;
      out[k] = fill(itemId, v, scope, k);
    }
    return out;
  }
  return node;
}

/** Why a filled-in item is not a fair question (identical choices, own answer wrong, a distractor right), or null. */
function problem(item: Item): string | null {
  if (item.type === 'single_choice' || item.type === 'multiple_choice') {
    const texts = item.choices.map((c) => c.text.trim());
    if (new Set(texts).size !== texts.length) return 'two choices have the same text';
  }
  try {
    const own = grade(item, correctResponse(item));
    if (!own.correct) return `its own answer is not graded correct${own.message ? ` (${own.message})` : ''}`;
    for (const r of distractorResponses(item)) {
      const g = grade(item, r);
      if (g.correct || g.message !== undefined) return `the distractor ${JSON.stringify(r)} is ${g.correct ? 'graded correct' : 'unreadable'}`;
    }
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  return null;
}

/**
 * The concrete item for (template, seed). Deterministic: the PRNG is seeded from the seed and the
 * template id. Draws that break a constraint, or would make a malformed question (a distractor equal
 * to the answer, two identical choices), are redrawn. Plain items are returned as they are.
 * Throws `TemplateError` when an expression is wrong or no draw works within `MAX_DRAWS`.
 */
export function instantiate(template: Item, seed: number): ItemInstance {
  const seed32 = seed >>> 0;
  if (!template.template) return { templateId: template.id, seed: seed32, values: {}, item: template };
  const spec = template.template;
  const order = drawOrder(template);
  const rng = mulberry32(seed32 ^ hashString(template.id));
  let lastProblem = 'no draw satisfied the constraints';
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const values = drawValues(template.id, spec, order, rng);
    if (!values) continue;
    const ok = spec.constraints.every((c) => {
      const v = evaluate(template.id, c, values, 'constraint');
      if (typeof v !== 'boolean' && typeof v !== 'number') throw new TemplateError(template.id, `constraint "${c}" is not true/false`);
      return Boolean(v);
    });
    if (!ok) continue;
    const item = fill(template.id, template, values) as Item;
    const why = problem(item);
    if (why) {
      lastProblem = why;
      continue;
    }
    return { templateId: template.id, seed: seed32, values, item };
  }
  throw new TemplateError(template.id, `no well-formed instance after ${MAX_DRAWS} draws (last: ${lastProblem})`);
}
