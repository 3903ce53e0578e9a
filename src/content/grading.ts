/**
 * Grading of a student's response against a concrete item (a plain item, or a template instance's
 * item). Pure and deterministic: the same item and response always give the same result. A response
 * that cannot be read never throws; it comes back with `message` saying what to type instead.
 */
import type { MathNode } from 'mathjs';
import type { Item, ItemOf, WrongAnswer } from './content.schema.js';
import { evaluateNode, hashString, mulberry32, parseExpression, simplifyExpression } from './math.js';
import { isSimplified, NOT_A_NUMBER, parseNumber, type ParsedNumber } from './numbers.js';

/** What a student answered: a choice id, a list of ids (multiple choice, ordering) or typed text. */
export type Response = string | readonly string[];

/** The outcome of grading one response. */
export interface GradeResult {
  /** Fully right (score 1). */
  correct: boolean;
  /** Credit in [0, 1]; partial credit for multiple choice and ordering items that allow it. */
  score: number;
  /** Markdown feedback to show (the chosen option's, the matched wrong answer's, or the item's). */
  feedback: string;
  /**
   * Set when the response could not be read (not a number, unknown option, ...): a plain-text hint
   * on what to enter. Callers should let the student retry without counting an attempt.
   */
  message?: string;
}

/** Longest typed answer accepted (longer ones are refused with a message, never parsed). */
export const MAX_ANSWER_LENGTH = 500;

/** Grades a response to a concrete item. Throws only if handed an un-instantiated template. */
export function grade(item: Item, response: unknown): GradeResult {
  if (item.template) throw new Error(`item ${item.id} is a template: grade an instance (instantiate) instead`);
  switch (item.type) {
    case 'single_choice':
      return gradeSingleChoice(item, response);
    case 'multiple_choice':
      return gradeMultipleChoice(item, response);
    case 'numeric':
      return gradeNumeric(item, response);
    case 'short_text':
      return gradeShortText(item, response);
    case 'math_expression':
      return gradeMathExpression(item, response);
    case 'ordering':
      return gradeOrdering(item, response);
  }
}

/** The correct answer of a concrete item, as a response that `grade` marks correct. */
export function correctResponse(item: Item): Response {
  switch (item.type) {
    case 'single_choice':
      return item.choices.find((c) => c.correct)?.id ?? '';
    case 'multiple_choice':
      return item.choices.filter((c) => c.correct).map((c) => c.id);
    case 'numeric':
      return String(item.answer);
    case 'short_text':
      return item.answers[0] ?? '';
    case 'math_expression':
      return item.answer;
    case 'ordering':
      return item.entries.map((e) => e.id);
  }
}

/** The listed wrong responses of an item (distractor choices, wrong answers), each `grade` marks incorrect. */
export function distractorResponses(item: Item): Response[] {
  switch (item.type) {
    case 'single_choice':
      return item.choices.filter((c) => !c.correct).map((c) => c.id);
    case 'multiple_choice':
      return item.choices.filter((c) => !c.correct).map((c) => [c.id]);
    case 'numeric':
    case 'short_text':
    case 'math_expression':
      return item.wrongAnswers.map((w) => String(w.answer));
    case 'ordering':
      return item.entries.length > 1 ? [[...item.entries].reverse().map((e) => e.id)] : [];
  }
}

const unreadable = (message: string): GradeResult => ({ correct: false, score: 0, feedback: '', message });

function result(item: Item, score: number, specific?: string): GradeResult {
  // Imported fractions such as 33.33333% add up to just under 1.
  if (score > 1 - 1e-6) score = 1;
  const correct = score >= 1;
  const general = correct ? item.feedback.correct : item.feedback.incorrect;
  return { correct, score: clamp01(score), feedback: specific || general || '' };
}

function clamp01(x: number): number {
  return Math.min(1, Math.max(0, x));
}

/** A typed response as a string, or null when it is not text. */
function asText(response: unknown): string | null {
  if (typeof response === 'string') return response;
  if (typeof response === 'number' && Number.isFinite(response)) return String(response);
  if (Array.isArray(response) && response.length === 1 && typeof response[0] === 'string') return response[0];
  return null;
}

/** A list-of-ids response, or null when it is not one. */
function asIds(response: unknown): string[] | null {
  if (typeof response === 'string') return response === '' ? [] : [response];
  if (Array.isArray(response) && response.every((r) => typeof r === 'string')) return response as string[];
  return null;
}

function gradeSingleChoice(item: ItemOf<'single_choice'>, response: unknown): GradeResult {
  const ids = asIds(response);
  if (!ids || ids.length !== 1) return unreadable('Choose one of the options.');
  const choice = item.choices.find((c) => c.id === ids[0]);
  if (!choice) return unreadable('Choose one of the options.');
  return result(item, choice.correct ? 1 : Math.max(0, choice.credit ?? 0), choice.feedback);
}

function gradeMultipleChoice(item: ItemOf<'multiple_choice'>, response: unknown): GradeResult {
  const ids = asIds(response);
  if (!ids) return unreadable('Select one or more of the options.');
  const picked = new Set(ids);
  if (picked.size === 0) return unreadable('Select at least one option.');
  if ([...picked].some((id) => !item.choices.some((c) => c.id === id))) return unreadable('Select only the options shown.');
  const right = item.choices.filter((c) => c.correct);
  const rightPicked = right.filter((c) => picked.has(c.id)).length;
  const wrongPicked = item.choices.filter((c) => !c.correct && picked.has(c.id)).length;
  const exact = rightPicked === right.length && wrongPicked === 0;
  let score: number;
  if (item.scoring === 'weighted') {
    score = item.choices.filter((c) => picked.has(c.id)).reduce((sum, c) => sum + (c.credit ?? (c.correct ? 1 : -1) / right.length), 0);
  } else score = exact ? 1 : item.scoring === 'partial' ? Math.max(0, (rightPicked - wrongPicked) / right.length) : 0;
  const specific = item.choices
    .filter((c) => picked.has(c.id) && c.feedback)
    .map((c) => c.feedback)
    .join('\n\n');
  return result(item, score, specific);
}

/** Reads the reference answer of a numeric item (validated at import, so failure is a pack bug). */
export function numericAnswerValue(answer: string | number): number {
  if (typeof answer === 'number') return answer;
  const parsed = parseNumber(answer);
  if (!parsed.ok) throw new Error(`not a number: ${answer}`);
  return parsed.number.value;
}

function withinTolerance(item: ItemOf<'numeric'>, got: number, expected: number, own?: WrongAnswer['tolerance']): boolean {
  const tolerance = own ?? item.tolerance;
  const abs = tolerance?.absolute;
  const rel = tolerance?.relative;
  const allowed = abs === undefined && rel === undefined ? 1e-9 : Math.max(abs ?? 0, (rel ?? 0) * Math.abs(expected));
  return Math.abs(got - expected) <= allowed + 1e-12;
}

function sameUnit(a: string, b: string): boolean {
  return a.replace(/\s+/g, ' ').toLowerCase() === b.replace(/\s+/g, ' ').toLowerCase();
}

function gradeNumeric(item: ItemOf<'numeric'>, response: unknown): GradeResult {
  const text = asText(response);
  if (text === null) return unreadable(NOT_A_NUMBER);
  if (text.length > MAX_ANSWER_LENGTH) return unreadable('That answer is too long. ' + NOT_A_NUMBER);
  const parsed = parseNumber(text);
  if (!parsed.ok) return unreadable(parsed.message);
  const n: ParsedNumber = parsed.number;
  if (n.unit !== undefined) {
    if (item.units.length === 0) return unreadable('Enter just the number, without a unit.');
    if (!item.units.some((u) => sameUnit(u, n.unit!))) return unreadable(`Use one of these units: ${item.units.join(', ')}.`);
  } else if (item.unitRequired) {
    return unreadable(`Include the unit (${item.units.join(', ')}).`);
  }
  if (withinTolerance(item, n.value, numericAnswerValue(item.answer))) {
    if (item.requireSimplified && !isSimplified(n)) {
      return { correct: false, score: 0, feedback: 'That is equal to the answer, but write the fraction in simplest form.' };
    }
    return result(item, 1);
  }
  const wrong = item.wrongAnswers.find((w) => {
    const v = typeof w.answer === 'number' ? w.answer : parseNumber(w.answer);
    const value = typeof v === 'number' ? v : v.ok ? v.number.value : NaN;
    return withinTolerance(item, n.value, value, w.tolerance);
  });
  return result(item, wrong?.credit ?? 0, wrong?.feedback);
}

/** Applies the item's whitespace and case rules to typed text. */
function normaliseText(item: ItemOf<'short_text'>, text: string): string {
  let t = text.normalize('NFC');
  if (item.whitespace === 'collapse') t = t.trim().replace(/\s+/g, ' ');
  else if (item.whitespace === 'ignore') t = t.replace(/\s+/g, '');
  return item.caseSensitive ? t : t.toLocaleLowerCase();
}

function gradeShortText(item: ItemOf<'short_text'>, response: unknown): GradeResult {
  const text = asText(response);
  if (text === null || text.trim() === '') return unreadable('Type your answer in the box.');
  if (text.length > MAX_ANSWER_LENGTH) return unreadable(`Keep your answer under ${MAX_ANSWER_LENGTH} characters.`);
  const got = normaliseText(item, text);
  const matches = (w: string) => normaliseText(item, w) === got;
  // Answers a translation adds (`translations.es.answers`) are right in whatever language the student uses.
  let ok = item.answers.some(matches) || Object.values(item.translations ?? {}).some((t) => t.answers?.some(matches) ?? false);
  if (!ok && item.regex) {
    ok = new RegExp(`^(?:${item.regex})$`, item.caseSensitive ? 'u' : 'iu').test(got);
  }
  if (ok) return result(item, 1);
  const wrong = item.wrongAnswers.find((w) => matches(String(w.answer)));
  return result(item, wrong?.credit ?? 0, wrong?.feedback);
}

/** Functions a student's expression may call. */
const ALLOWED_FUNCTIONS = new Set(['sqrt', 'cbrt', 'abs', 'exp', 'log', 'log10', 'sin', 'cos', 'tan', 'nthRoot']);
const CONSTANTS = new Set(['pi', 'e']);

/** The variables an expression uses (symbols that are neither constants nor called functions). */
export function expressionVariables(node: MathNode): string[] {
  const names = new Set<string>();
  node.traverse((n, path, parent) => {
    if (n.type === 'SymbolNode' && !(parent?.type === 'FunctionNode' && path === 'fn')) {
      const name = (n as unknown as { name: string }).name;
      if (!CONSTANTS.has(name)) names.add(name);
    }
  });
  return [...names].sort();
}

/** Parses a student's expression, allowing only numbers, variables, operators, brackets and a few functions. */
function readExpression(text: string, variables: readonly string[]): { node: MathNode } | { message: string } {
  const example = variables.length ? `such as 2(${variables[0]} + 1)` : 'such as 3/4 + 1';
  let node: MathNode;
  try {
    node = parseExpression(text.replace(/\u2212/g, '-').replace(/[×·]/g, '*').replace(/÷/g, '/'));
  } catch {
    return { message: `That expression could not be read. Enter an expression ${example}.` };
  }
  let bad: string | null = null;
  node.traverse((n, path, parent) => {
    if (bad) return;
    if (n.type === 'FunctionNode') {
      const name = (n as unknown as { fn: { name?: string } }).fn.name ?? '';
      if (!ALLOWED_FUNCTIONS.has(name)) bad = `The function ${name || '(unknown)'} is not allowed here.`;
    } else if (n.type === 'SymbolNode') {
      const name = (n as unknown as { name: string }).name;
      const isFn = parent?.type === 'FunctionNode' && path === 'fn';
      if (!isFn && !CONSTANTS.has(name) && !variables.includes(name)) {
        bad = variables.length ? `Use only the variable${variables.length > 1 ? 's' : ''} ${variables.join(', ')} (not ${name}).` : `Unknown name ${name}: enter a number or an expression of numbers.`;
      }
    } else if (!['ConstantNode', 'OperatorNode', 'ParenthesisNode'].includes(n.type)) {
      bad = `Enter an expression ${example}.`;
    }
  });
  if (bad) return { message: bad };
  return { node };
}

function toReal(v: unknown): number {
  return typeof v === 'number' ? v : NaN;
}

/**
 * Whether two expressions are equal for all values of their variables: both are evaluated at
 * seeded pseudo-random points (so grading stays deterministic); when too few points are defined
 * for both, mathjs `simplify` of their difference decides.
 */
export function equivalent(a: MathNode, b: MathNode, variables: readonly string[]): boolean {
  const rng = mulberry32(hashString(a.toString() + '|' + variables.join(',')));
  let checked = 0;
  for (let attempt = 0; attempt < 40 && checked < 8; attempt++) {
    const scope: Record<string, number> = {};
    for (const v of variables) scope[v] = (rng() < 0.5 ? -1 : 1) * (0.3 + rng() * 4.7);
    let ea: number;
    let eb: number;
    try {
      ea = toReal(evaluateNode(a, scope));
      eb = toReal(evaluateNode(b, scope));
    } catch {
      continue;
    }
    if (!Number.isFinite(ea)) continue;
    if (!Number.isFinite(eb)) return false;
    if (Math.abs(ea - eb) > 1e-8 * Math.max(1, Math.abs(ea), Math.abs(eb))) return false;
    checked++;
  }
  if (checked >= 3) return true;
  try {
    const diff = simplifyExpression(parseExpression(`(${a.toString()}) - (${b.toString()})`));
    return diff.type === 'ConstantNode' && Number((diff as unknown as { value: unknown }).value) === 0;
  } catch {
    return false;
  }
}

/** The variables a math item's answers may use: declared, or those of its answer. */
export function mathItemVariables(item: ItemOf<'math_expression'>): string[] {
  return item.variables ?? expressionVariables(parseExpression(item.answer));
}

function gradeMathExpression(item: ItemOf<'math_expression'>, response: unknown): GradeResult {
  const variables = mathItemVariables(item);
  const text = asText(response);
  if (text === null || text.trim() === '') return unreadable(`Enter an expression${variables.length ? ` in ${variables.join(', ')}` : ''}.`);
  if (text.length > 200) return unreadable('That expression is too long.');
  const read = readExpression(text, variables);
  if ('message' in read) return unreadable(read.message);
  if (equivalent(parseExpression(item.answer), read.node, variables)) return result(item, 1);
  const wrong = item.wrongAnswers.find((w: WrongAnswer) => {
    try {
      return equivalent(parseExpression(String(w.answer)), read.node, variables);
    } catch {
      return false;
    }
  });
  return result(item, wrong?.credit ?? 0, wrong?.feedback);
}

function gradeOrdering(item: ItemOf<'ordering'>, response: unknown): GradeResult {
  const ids = asIds(response);
  const expected = item.entries.map((e) => e.id);
  const isPermutation = ids !== null && ids.length === expected.length && new Set(ids).size === ids.length && ids.every((id) => expected.includes(id));
  if (!isPermutation) return unreadable('Put every entry in order, each exactly once.');
  const pos = new Map(ids.map((id, i) => [id, i]));
  let pairs = 0;
  let inOrder = 0;
  for (let i = 0; i < expected.length; i++) {
    for (let j = i + 1; j < expected.length; j++) {
      pairs++;
      if (pos.get(expected[i]!)! < pos.get(expected[j]!)!) inOrder++;
    }
  }
  const exact = inOrder === pairs;
  const score = exact ? 1 : item.scoring === 'partial' ? inOrder / pairs : 0;
  return result(item, score);
}
