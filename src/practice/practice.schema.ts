import { z } from 'zod';

/** The setup form of an assignment (instructors), with the limits the engine needs. */
export const setupSchema = z.object({
  skills: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().min(1).max(100)).min(1, 'Choose at least one skill.').max(100)),
  threshold: z.coerce.number({ error: 'The mastery threshold must be a number.' }).min(0.5, 'The mastery threshold must be between 0.5 and 0.99.').max(0.99, 'The mastery threshold must be between 0.5 and 0.99.').default(0.85),
  target: z.coerce.number({ error: 'The target success rate must be a number.' }).min(0.5, 'The target success rate must be between 0.5 and 0.95.').max(0.95, 'The target success rate must be between 0.5 and 0.95.').default(0.75),
  points: z.coerce.number({ error: 'Points must be a number.' }).gt(0, 'Points must be more than 0.').max(10000, 'Points must be at most 10000.').default(100),
  allow_choice: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
  per_skill: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
});
export type SetupInput = z.infer<typeof setupSchema>;

const submissionId = z.string({ error: 'The form is missing its submission id; reload the page.' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'The form is missing its submission id; reload the page.');

/** An answer form. `response` may be a string, several strings (multiple choice) or absent (ordering uses order_<id>). */
export const answerSchema = z.object({
  submission_id: submissionId,
  item_id: z.string().min(1).max(200),
  seed: z.coerce.number().int().min(0).max(2 ** 32),
  response: z.union([z.string().max(2000), z.array(z.string().max(2000)).max(50)]).optional(),
  /** When the page showing the question was made (ms since the epoch), for the time on question. */
  shown_at: z.coerce.number().int().min(0).optional().catch(undefined),
});
export type AnswerInput = z.infer<typeof answerSchema>;

export const stepSchema = z.object({
  item_id: z.string().min(1).max(200),
  seed: z.coerce.number().int().min(0).max(2 ** 32),
});

export const chooseSchema = z.object({ skill: z.string().min(1).max(100).optional() });
