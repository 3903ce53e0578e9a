import { z } from 'zod';

/** The setup form moved to the assignments module (kept here for older imports). */
export { setupSchema, type SetupInput } from '../assignments/assignment.schema.js';

const submissionId = z.string({ error: 'The form is missing its submission id; reload the page.' }).regex(/^[A-Za-z0-9_-]{8,64}$/, 'The form is missing its submission id; reload the page.');

/** An answer form. `response` may be a string, several strings (multiple choice) or absent (ordering uses order_<id>). */
export const answerSchema = z.object({
  submission_id: submissionId,
  item_id: z.string().min(1).max(200),
  seed: z.coerce.number().int().min(0).max(2 ** 32),
  response: z.union([z.string().max(2000), z.array(z.string().max(2000)).max(50)]).optional(),
  /** When the page showing the question was made (ms since the epoch), for the time on question. */
  shown_at: z.coerce.number().int().min(0).optional().catch(undefined),
  /** The student's optional self-rating of confidence: 1 guessing, 2 unsure, 3 sure (anything else: none). */
  confidence: z.coerce.number().int().min(1).max(3).optional().catch(undefined),
});
export type AnswerInput = z.infer<typeof answerSchema>;

export const stepSchema = z.object({
  item_id: z.string().min(1).max(200),
  seed: z.coerce.number().int().min(0).max(2 ** 32),
});

export const chooseSchema = z.object({ skill: z.string().min(1).max(100).optional() });

/** The goal form: "questions:N", "minutes:N", "skill:<id>" or "none" (checked by session.ts parseGoal). */
export const goalSchema = z.object({ goal: z.string().min(1).max(140) });
