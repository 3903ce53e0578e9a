import crypto from 'node:crypto';

/** The time source of a service (ms since the epoch); tests pass their own. */
export interface Clock {
  now(): number;
}

/** The random source of a service: integers in [min, max) and fresh ids; tests may pass a seeded one. */
export interface Random {
  int(min: number, max: number): number;
  uuid(): string;
}

export const systemClock: Clock = { now: () => Date.now() };

export const systemRandom: Random = {
  int: (min, max) => crypto.randomInt(min, max),
  uuid: () => crypto.randomUUID(),
};

/** A clock from a bare `now` function (older constructors took one). */
export const clockOf = (now?: () => number): Clock => (now ? { now } : systemClock);
