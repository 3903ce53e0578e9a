import { createRng } from '../rng.js';
import type { Rng } from '../types.js';

/** The engine's seeded generator (mulberry32), so fitting and fold splits are reproducible. */
export function seededRng(seed: number): Rng {
  return createRng(seed);
}
