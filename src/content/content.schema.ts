/**
 * The course-pack model: zod schemas for skills, items and item templates, and the types inferred
 * from them. The schema checks the shape of one document; cross-references (skill ids, prerequisite
 * cycles, duplicate ids, templates that cannot be instantiated) are checked by `validatePack` in
 * pack.ts, which needs the whole pack. See docs/content-format.md for the authoring guide.
 */
import { z } from 'zod';

/** Identifiers of skills, items, choices and media: short, URL-safe, stable across versions. */
export const idSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/, 'use letters, digits, ".", "_" or "-" (at most 100, starting with a letter or digit)');

/** Markdown with LaTeX math (`$...$`, `$$...$$`); raw HTML is not rendered. */
const markdown = z.string().max(20_000);
const nonEmptyMarkdown = markdown.min(1, 'must not be empty');

/**
 * A language a pack carries translations for: a BCP 47 tag such as `es` or `es-MX`. The student's
 * launch locale picks the exact tag first, then its base language; English (the pack's own text) is
 * the fallback, field by field.
 */
export const languageSchema = z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'use a BCP 47 language tag such as "es" or "es-MX"');

/** Translations of a skill's text. */
export const skillTranslationSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  description: markdown.optional(),
});

/** Translations of the pack's title and description. */
export const packTranslationSchema = z.strictObject({
  title: z.string().min(1).max(200).optional(),
  description: markdown.optional(),
});

/**
 * Translations of an item's text into one language. Every field is optional: what is missing is shown
 * in the pack's own language. In templates the same `{{expr}}` placeholders work, with the same values.
 */
export const itemTranslationSchema = z.strictObject({
  stem: nonEmptyMarkdown.optional(),
  /** Hints in the same order as the item's; a shorter list falls back for the rest. */
  hints: z.array(nonEmptyMarkdown).optional(),
  solution: markdown.optional(),
  feedback: z.strictObject({ correct: markdown.optional(), incorrect: markdown.optional() }).optional(),
  /** By choice id: the text, or `{text, feedback}`. */
  choices: z.record(idSchema, z.union([nonEmptyMarkdown, z.strictObject({ text: nonEmptyMarkdown.optional(), feedback: markdown.optional() })])).optional(),
  /** Ordering items: entry text by entry id. */
  entries: z.record(idSchema, nonEmptyMarkdown).optional(),
  /** Feedback of the item's `wrongAnswers`, in the same order (`''` keeps the original). */
  wrongAnswers: z.array(markdown).optional(),
  /** short_text items: more accepted answers in this language (accepted whatever the student's language). */
  answers: z.array(z.string().min(1)).optional(),
  /** Text alternatives of media by media id. */
  media: z.record(idSchema, z.string().min(1).max(500)).optional(),
});

/** Translations by language, e.g. `{ es: {...} }`. */
const translations = <T extends z.ZodType>(schema: T) => z.record(languageSchema, schema).optional();

/** A skill of the pack: a node of the prerequisite graph. */
export const skillSchema = z.strictObject({
  /** Stable id, referenced by items and prerequisites. */
  id: idSchema,
  /** Short name shown to students and instructors. */
  name: z.string().min(1).max(200),
  /** Longer Markdown description for instructors. */
  description: markdown.optional(),
  /** Standards codes such as `CCSS.MATH.CONTENT.4.NF.A.1`. */
  standards: z.array(z.string().min(1).max(100)).default([]),
  /** Skills that should be mastered first; together they must form a DAG. */
  prerequisites: z.array(idSchema).default([]),
  /** `{ es: { name, description } }`. */
  translations: translations(skillTranslationSchema),
});

/** A media reference: an image, audio or video an item can show, and its text alternative. */
export const mediaSchema = z.strictObject({
  /** Referenced from Markdown as `![alt](media:ID)`. */
  id: idSchema,
  kind: z.enum(['image', 'audio', 'video']).default('image'),
  /** An https URL or a path on our own origin (starting with `/`). */
  url: z.string().regex(/^(https:\/\/|\/(?!\/))[^\s"'<>]+$/, 'must be an https URL or a path starting with "/"'),
  /** Text alternative, required for accessibility. */
  alt: z.string().min(1).max(500),
});

/** A template variable: an integer (or stepped) range, a list of choices, or a computed expression. */
export const variableSchema = z.union([
  z.strictObject({
    /** Lower bound: a number or an expression over earlier variables. */
    min: z.union([z.number(), z.string().min(1)]),
    /** Upper bound (inclusive): a number or an expression over earlier variables. */
    max: z.union([z.number(), z.string().min(1)]),
    /** Spacing of values from `min`; 1 (integers) unless given. */
    step: z.number().positive().optional(),
  }),
  z.strictObject({
    /** Values to pick from uniformly. */
    choices: z.array(z.union([z.number(), z.string()])).min(1),
  }),
  z.strictObject({
    /** A mathjs expression over earlier variables, e.g. `a * d / gcd(a, d)`. */
    expr: z.string().min(1),
  }),
]);

/** Makes an item a template: variables drawn from a seed, and constraints every instance satisfies. */
export const templateSchema = z.strictObject({
  /** Variables in dependency order (each may use the ones declared before it). */
  variables: z.record(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'variable names are letters, digits and "_"'), variableSchema),
  /** Boolean mathjs expressions, e.g. `b != 0`, `isInteger(a / b)`, `gcd(n, d) == 1`. */
  constraints: z.array(z.string().min(1)).default([]),
});

/** Fields shared by every item type. */
const itemBase = {
  /** Stable id, unique in the pack. */
  id: idSchema,
  /** The question, Markdown with math. In templates `{{expr}}` inserts a computed value. */
  stem: nonEmptyMarkdown,
  /** Skills this item practises (at least one). */
  skills: z.array(idSchema).min(1, 'an item needs at least one skill'),
  /** Prior difficulty on the logit scale (IRT b): 0 is average, +2 hard, -2 easy. */
  difficulty: z.number().min(-6).max(6).optional(),
  /** Hints shown one at a time, in this order. */
  hints: z.array(nonEmptyMarkdown).default([]),
  /** A worked solution shown after the attempt. */
  solution: markdown.optional(),
  /** Feedback shown when no more specific feedback applies. */
  feedback: z
    .strictObject({ correct: markdown.optional(), incorrect: markdown.optional() })
    .default({}),
  /** Images, audio or video the Markdown refers to as `media:ID`. */
  media: z.array(mediaSchema).default([]),
  /** Present when the item is a parameterised template. */
  template: templateSchema.optional(),
  /** The item's text in other languages: `{ es: { stem, hints, solution, feedback, choices, ... } }`. */
  translations: translations(itemTranslationSchema),
};

/** A choice of a single- or multiple-choice item. */
export const choiceSchema = z.strictObject({
  id: idSchema,
  text: nonEmptyMarkdown,
  /** True for the right choice(s). */
  correct: z.boolean().default(false),
  /** Feedback when this choice is selected (e.g. the misconception behind a distractor). */
  feedback: markdown.optional(),
  /**
   * Share of the item's credit for picking this choice, from -1 to 1 (imported banks carry such
   * fractions). Single choice: a wrong choice may give partial credit. Multiple choice with
   * `scoring: weighted`: the score is the sum over the picked choices, clamped to [0, 1].
   */
  credit: z.number().min(-1).max(1).optional(),
});

/** Feedback for a common wrong answer to a free-response item. */
export const wrongAnswerSchema = z.strictObject({
  /** The wrong answer, in the same form as the correct one (compared the same way). */
  answer: z.union([z.string().min(1), z.number()]),
  feedback: nonEmptyMarkdown,
  /** Partial credit for this answer, in (0, 1); none (0) unless given. */
  credit: z.number().gt(0).lt(1).optional(),
  /** Numeric items: accepted distance from this answer, instead of the item's tolerance. */
  tolerance: z
    .strictObject({ absolute: z.number().nonnegative().optional(), relative: z.number().nonnegative().optional() })
    .optional(),
});

const singleChoice = z.strictObject({
  ...itemBase,
  type: z.literal('single_choice'),
  choices: z.array(choiceSchema).min(2, 'needs at least two choices'),
  /** Show choices in a per-student order (seeded), rather than as written. */
  shuffle: z.boolean().default(false),
});

const multipleChoice = z.strictObject({
  ...itemBase,
  type: z.literal('multiple_choice'),
  choices: z.array(choiceSchema).min(2, 'needs at least two choices'),
  /**
   * `all_or_nothing`: exactly the right set; `partial`: (right picked - wrong picked) / right, floored at 0;
   * `weighted`: the sum of the picked choices' `credit` (right ones without credit 1/right, wrong ones
   * -1/right), clamped to [0, 1] (Moodle's multiple-answer grading).
   */
  scoring: z.enum(['all_or_nothing', 'partial', 'weighted']).default('all_or_nothing'),
  shuffle: z.boolean().default(false),
});

const numeric = z.strictObject({
  ...itemBase,
  type: z.literal('numeric'),
  /** The answer: a number, or text such as `3/4`, `1 1/2`, `0.75` (templates: `{{n}}/{{d}}`). */
  answer: z.union([z.number(), z.string().min(1)]),
  /** Accepted distance from the answer; exact (1e-9) unless given. */
  tolerance: z
    .strictObject({ absolute: z.number().nonnegative().optional(), relative: z.number().nonnegative().optional() })
    .optional(),
  /** Accepted units, e.g. `[cm, centimeters]`. An answer may then carry one of them. */
  units: z.array(z.string().min(1)).default([]),
  /** The answer must carry one of `units`. */
  unitRequired: z.boolean().default(false),
  /** A fraction answer must be in lowest terms (an equivalent unsimplified one is marked incorrect). */
  requireSimplified: z.boolean().default(false),
  wrongAnswers: z.array(wrongAnswerSchema).default([]),
});

const shortText = z.strictObject({
  ...itemBase,
  type: z.literal('short_text'),
  /** Accepted answers (compared after the case and whitespace rules). */
  answers: z.array(z.string().min(1)).default([]),
  caseSensitive: z.boolean().default(false),
  /** `collapse`: trim and collapse runs of spaces; `ignore`: remove all whitespace; `exact`. */
  whitespace: z.enum(['collapse', 'ignore', 'exact']).default('collapse'),
  /** A JavaScript regular expression the whole (normalised) answer must match, as an alternative. */
  regex: z.string().min(1).optional(),
  wrongAnswers: z.array(wrongAnswerSchema).default([]),
});

const mathExpression = z.strictObject({
  ...itemBase,
  type: z.literal('math_expression'),
  /** The expected expression, e.g. `2x + 2`; any equivalent expression is accepted. */
  answer: z.string().min(1),
  /** Variables the answer may use; inferred from `answer` unless given. */
  variables: z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/)).optional(),
  wrongAnswers: z.array(wrongAnswerSchema).default([]),
});

const ordering = z.strictObject({
  ...itemBase,
  type: z.literal('ordering'),
  /** The entries in their correct order; students see them shuffled. */
  entries: z.array(z.strictObject({ id: idSchema, text: nonEmptyMarkdown })).min(2, 'needs at least two entries'),
  /** `all_or_nothing`, or `partial`: the share of pairs in the right relative order. */
  scoring: z.enum(['all_or_nothing', 'partial']).default('all_or_nothing'),
});

/** Any item (or item template), discriminated by `type`. */
export const itemSchema = z.discriminatedUnion('type', [singleChoice, multipleChoice, numeric, shortText, mathExpression, ordering]);

/** Pack metadata: exactly one file of a pack carries it. */
export const packMetaSchema = z.strictObject({
  id: idSchema,
  title: z.string().min(1).max(200),
  description: markdown.optional(),
  /** Semantic or date version chosen by the author; import replaces the stored pack with the same id. */
  version: z.string().min(1).max(50).default('1'),
  /** BCP 47 language of the text, e.g. `en`. */
  locale: z.string().min(2).max(35).default('en'),
  /** Grade levels, e.g. `[4, 5]`. */
  grades: z.array(z.union([z.number().int(), z.string()])).default([]),
  /** `{ es: { title, description } }`. */
  translations: translations(packTranslationSchema),
});

/**
 * Translations kept apart from the items, in any file of a pack (a translator's file):
 * `{ es: { pack: {title}, skills: { ID: {name} }, items: { ID: {stem, hints, ...} } } }`. They are
 * merged into the pack, skills and items by `parsePack` (fields written on the item itself win).
 */
export const fileTranslationsSchema = z.record(
  languageSchema,
  z.strictObject({
    pack: packTranslationSchema.optional(),
    skills: z.record(idSchema, skillTranslationSchema).optional(),
    items: z.record(idSchema, itemTranslationSchema).optional(),
  }),
);

/** One file of a pack: any of `pack` (metadata), `skills` and `items`. */
export const packFileSchema = z.strictObject({
  pack: packMetaSchema.optional(),
  skills: z.array(skillSchema).default([]),
  items: z.array(itemSchema).default([]),
  translations: fileTranslationsSchema.optional(),
});

/** A whole pack (what `parsePack` returns, and what JSON export writes as a single file). */
export const packSchema = z.strictObject({
  pack: packMetaSchema,
  skills: z.array(skillSchema),
  items: z.array(itemSchema),
});

/** A skill as validated (defaults applied). */
export type Skill = z.infer<typeof skillSchema>;
/** A media reference of an item. */
export type Media = z.infer<typeof mediaSchema>;
/** One template variable: range, choices or computed expression. */
export type Variable = z.infer<typeof variableSchema>;
/** The `template` block of a parameterised item. */
export type Template = z.infer<typeof templateSchema>;
/** A choice of a choice item. */
export type Choice = z.infer<typeof choiceSchema>;
/** A common wrong answer with its feedback. */
export type WrongAnswer = z.infer<typeof wrongAnswerSchema>;
/** Any item or template, discriminated by `type`. */
export type Item = z.infer<typeof itemSchema>;
/** The six item types. */
export type ItemType = Item['type'];
/** An item's text in one language. */
export type ItemTranslation = z.infer<typeof itemTranslationSchema>;
/** A skill's text in one language. */
export type SkillTranslation = z.infer<typeof skillTranslationSchema>;
/** Pack metadata (id, title, version, locale, grades). */
export type PackMeta = z.infer<typeof packMetaSchema>;
/** A whole validated pack. */
export type Pack = z.infer<typeof packSchema>;
/** The item of the given type. */
export type ItemOf<T extends ItemType> = Extract<Item, { type: T }>;
/** Item types in a stable order (for docs, UIs and tests). */
export const ITEM_TYPES: readonly ItemType[] = ['single_choice', 'multiple_choice', 'numeric', 'short_text', 'math_expression', 'ordering'];
