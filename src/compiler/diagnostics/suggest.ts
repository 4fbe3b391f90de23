import { distance } from "fastest-levenshtein";
import type { Span } from "../base/span.js";
import type { Fix } from "./index.js";

/**
 * The closest candidate to a misspelled name, if it is close enough to be what was meant
 * (`dens` -> `dense`, `activaton` -> `activation`).
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  // One edit in three characters; a one- or two-letter name only matches up to case (`x` is not `h`).
  const allowed = name.length < 3 ? 0 : Math.max(1, Math.floor(name.length / 3));
  return best !== undefined && bestDistance <= allowed ? best : undefined;
}

/** "did you mean 'dense'?" or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean '${match}'?`;
}

/** The did-you-mean hint for a name written at `span`, with the quick fix that replaces it by the match. */
export function suggestion(name: string, candidates: Iterable<string>, span: Span): { hint?: string; fixes?: Fix[] } {
  const match = closest(name, candidates);
  if (match === undefined) return {};
  return {
    hint: `did you mean '${match}'?`,
    fixes: [{ title: `Change to '${match}'`, edits: [{ span, newText: match }] }],
  };
}
