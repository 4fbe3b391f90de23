/**
 * Reproducible training from a `seed`. tfjs draws every random number it needs (weight initialisers,
 * dropout masks, the per-epoch shuffle in `fit`) from a generator seeded by `Math.random()` unless a seed is
 * passed per call, and the Layers API offers no global seed. So while a seeded run builds and trains, and
 * only then, `Math.random` is a seeded generator.
 */

/** A seeded generator whose position can be read and set, so a checkpoint can resume its sequence. */
export interface SeededRandom {
  (): number;
  /** The generator's whole state: the next numbers depend on nothing else. */
  state: number;
}

/** mulberry32: a small, fast generator with a 32-bit state; plenty for shuffles and initial weights. */
export function seededRandom(seed: number): SeededRandom {
  const random = (() => {
    random.state = (random.state + 0x6d2b79f5) >>> 0;
    let t = random.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }) as SeededRandom;
  random.state = seed >>> 0;
  return random;
}

/** Runs `task` with `Math.random` replaced by `random`, restoring it afterwards however `task` ends. */
export async function withRandom<T>(random: (() => number) | null, task: () => Promise<T>): Promise<T> {
  return random === null ? task() : withReplaced(Math, "random", random, task);
}

/** `withRandom` for a task that does not wait: a preview's augmentation draws. */
export function withRandomSync<T>(random: (() => number) | null, task: () => T): T {
  return random === null ? task() : withReplaced(Math, "random", random, task);
}

/**
 * Runs `task` with `owner[key]` set to `value`, restoring it when `task` returns, throws, or (for a promise)
 * settles: how a seeded `Math.random` or a silenced `console.warn` lasts exactly as long as the task.
 */
export function withReplaced<O extends object, K extends keyof O, T>(owner: O, key: K, value: O[K], task: () => T): T {
  const original = owner[key];
  owner[key] = value;
  const restore = () => void (owner[key] = original);
  let result: T;
  try {
    result = task();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The numbers 0..n-1 in a random order (Fisher-Yates). */
export function permutation(n: number, random: () => number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}
