import { z } from 'zod';

/** The setup form of an assignment (instructors), with the limits the engine needs. */
export const setupSchema = z.object({
  /** The pack to practise (absent: the assignment's pack, else the demo pack). */
  pack: z.string().min(1).max(100).optional(),
  skills: z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.string().min(1).max(100)).min(1, 'Choose at least one skill.').max(100)),
  threshold: z.coerce.number({ error: 'The mastery threshold must be a number.' }).min(0.5, 'The mastery threshold must be between 0.5 and 0.99.').max(0.99, 'The mastery threshold must be between 0.5 and 0.99.').default(0.85),
  target: z.coerce.number({ error: 'The target success rate must be a number.' }).min(0.5, 'The target success rate must be between 0.5 and 0.95.').max(0.95, 'The target success rate must be between 0.5 and 0.95.').default(0.75),
  points: z.coerce.number({ error: 'Points must be a number.' }).gt(0, 'Points must be more than 0.').max(10000, 'Points must be at most 10000.').default(100),
  allow_choice: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
  per_skill: z.preprocess((v) => v === 'on' || v === '1' || v === 'true' || v === true, z.boolean()),
});
export type SetupInput = z.infer<typeof setupSchema>;
