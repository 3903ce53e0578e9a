/**
 * The selection policy: an ordered list of named rules, each `(view, rng) => step | null`; the first rule
 * that returns a step decides. A new rule is a new file and one line here.
 */
import { done } from './done.js';
import { practice } from './practice.js';
import { remediation } from './remediation.js';
import { reviewDue } from './review.js';
import { studentChoice } from './student-choice.js';
import type { Rule } from './view.js';

export { createView, rule, type PolicyView, type Rule } from './view.js';
export { EASIER_TARGET } from './remediation.js';
export { done, practice, remediation, reviewDue, studentChoice };

/** The product's policy, in order. */
export const POLICY: readonly Rule[] = [studentChoice, remediation, reviewDue, practice, done];
