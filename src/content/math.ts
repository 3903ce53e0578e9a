/**
 * The one mathjs instance content code uses, locked down as the mathjs security guide advises
 * (no `import`, `createUnit`, `evaluate`, `parse`, `simplify`, `derivative` from inside an
 * expression), plus a tiny seeded PRNG. Expressions come from pack authors (templates) and from
 * students (math answers); students' expressions are further limited to a node allow-list in grading.
 */
import { all, create, type MathNode } from 'mathjs';
import { createRng } from '../engine/rng.js';

const math = create(all, { number: 'number' });
const parse = math.parse;
const simplify = math.simplify;
const disabled = (name: string) => () => {
  throw new Error(`function ${name} is not available`);
};
math.import(
  Object.fromEntries(['import', 'createUnit', 'evaluate', 'parse', 'simplify', 'derivative', 'resolve', 'reviver', 'compile'].map((n) => [n, disabled(n)])),
  { override: true },
);

/** Parses a mathjs expression; throws a mathjs SyntaxError on bad input. */
export function parseExpression(text: string): MathNode {
  return parse(text);
}

/** Simplifies an expression tree (mathjs rules) without evaluating it. */
export function simplifyExpression(node: MathNode): MathNode {
  return simplify(node);
}

const compiled = new Map<string, { evaluate(scope: Record<string, unknown>): unknown }>();

/**
 * Evaluates an author's expression (template variables, constraints, `{{...}}` placeholders) with
 * the given variables. Compiled forms are cached by text, since each template is instantiated often.
 */
export function evaluateExpression(text: string, scope: Record<string, unknown>): unknown {
  let fn = compiled.get(text);
  if (!fn) {
    fn = parse(text).compile();
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(text, fn);
  }
  return fn.evaluate({ ...scope });
}

/** Evaluates a parsed expression with the given variables. */
export function evaluateNode(node: MathNode, scope: Record<string, unknown>): unknown {
  return node.compile().evaluate({ ...scope });
}

/** Formats a computed number for display: up to 12 significant digits, so 0.1 + 0.2 shows as 0.3. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return math.format(value, { precision: 12 });
}

/**
 * mulberry32: the engine's 32-bit seeded PRNG, used for drawing template values and test points. The
 * same seed always yields the same sequence, which makes template instances reproducible.
 */
export function mulberry32(seed: number): () => number {
  return createRng(seed);
}

/** A 32-bit hash of a string (FNV-1a), to derive a seed from text such as an item id. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
