/**
 * The random numbers of a sweep's samplers. Each trial draws from its own stream, started from the sweep's
 * `seed` and the trial's number, so trial N's configuration does not depend on how many numbers other trials
 * drew (a grid has none, a rejected configuration re-drawn takes more): a seeded sweep samples the same
 * trials whatever the order in which they were re-drawn, run or resumed.
 *
 * The generator is mulberry32, the one seeded training already uses (`runtime/random.ts`); a stream's start
 * is murmur3's 32-bit finalizer (fmix32) over the seed's words and the trial number, so neighbouring seeds
 * and trials start far apart on mulberry32's sequence instead of one step apart. Pure arithmetic, no tfjs:
 * `nnc sweep`'s own process samples without loading it.
 */
import { seededRandom } from "../random.js";

/** A stream of random numbers with the draws the samplers need. */
export interface SweepRng {
  /** A number in [0, 1). */
  uniform(): number;
  /** A whole number in [low, high], both included, each equally likely. */
  int(low: number, high: number): number;
  /** A draw from the standard normal distribution (mean 0, standard deviation 1). */
  normal(): number;
}

/**
 * The stream of trial `trial` (1-based) of a sweep seeded `seed` (any safe integer, negative too). A re-draw
 * of a rejected configuration of that trial goes on with the same stream: its next positions.
 */
export function trialRng(seed: number, trial: number): SweepRng {
  const low = seed >>> 0;
  const high = Math.floor(seed / 2 ** 32) >>> 0;
  const next = seededRandom(fmix32(fmix32(fmix32(low) ^ high) ^ trial));
  return {
    uniform: next,
    // The min keeps b for a draw just below 1 whose product rounds up in a range wider than 2^21.
    int: (a, b) => a + Math.min(b - a, Math.floor(next() * (b - a + 1))),
    // Box-Muller; 1 - u is in (0, 1], so the logarithm is finite.
    normal: () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
  };
}

/** murmur3's finalizer: every input bit flips each output bit with probability about 1/2. */
function fmix32(value: number): number {
  let h = value >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
