/**
 * Seeded pseudo-random numbers for the engine and its simulations. The engine itself never creates an
 * Rng: callers pass one in, so every decision is reproducible from (inputs, seed).
 */
import type { Rng } from './types.js';

/**
 * Mulberry32: a small, fast 32-bit generator (Tommy Ettinger, public domain). Good enough for
 * tie-breaking and simulations; not for anything security-related.
 */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw in [lo, hi). */
export function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng();
}

/** A standard normal draw (Box-Muller), for simulated item difficulties. */
export function normal(rng: Rng, mean = 0, sd = 1): number {
  const u = Math.max(rng(), 1e-12);
  const v = rng();
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}
