/**
 * Array helpers for arrays whose length a user controls (layers after expansion, diagnostics, comments).
 * `target.push(...items)` and `Math.max(...items)` pass every item as an argument, and past some 100,000
 * items that overflows the stack; these loop instead.
 */

/** Appends every item to `target`, in order; returns `target`. */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) target.push(item);
  return target;
}

/** The smallest of `items`, or `start` when it is smaller or there are none. */
export function minOf(items: Iterable<number>, start = Infinity): number {
  let min = start;
  for (const item of items) if (item < min) min = item;
  return min;
}

/** The largest of `items`, or `start` when it is larger or there are none. */
export function maxOf(items: Iterable<number>, start = -Infinity): number {
  let max = start;
  for (const item of items) if (item > max) max = item;
  return max;
}
