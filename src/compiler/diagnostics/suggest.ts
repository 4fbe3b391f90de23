import { distance } from "fastest-levenshtein";
import type { Span } from "../base/span.js";
import type { Fix } from "./index.js";

/**
 * The closest candidate to a misspelled name, if it is close enough to be what was meant
 * (`dens` -> `dense`, `activaton` -> `activation`). A candidate that holds each part of a name of several `_`
 * parts, in order, as the start of one of its own (`val_acc`, `val_accuracy` -> `val_kind_accuracy`) is preferred to any
 * that does not, however few edits that one needs: the name is then a shortening, not a misspelling.
 */
export function closest(name: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  const lower = name.toLowerCase();
  // One edit in three characters; a one- or two-letter name only matches up to case (`x` is not `h`).
  const allowed = name.length < 3 ? 0 : Math.max(1, Math.floor(name.length / 3));
  for (const candidate of candidates) {
    const d = distance(lower, candidate.toLowerCase());
    const score = lower.includes("_") && holdsParts(candidate.toLowerCase(), lower) ? d - 1000 : d;
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best !== undefined && bestScore <= allowed ? best : undefined;
}

/** Whether each `_` part of `name` starts one of `candidate`'s parts, in order (`val_acc` in `val_kind_accuracy`). */
function holdsParts(candidate: string, name: string): boolean {
  const own = candidate.split("_");
  let at = 0;
  for (const part of name.split("_")) {
    while (at < own.length && !own[at]!.startsWith(part)) at++;
    if (at === own.length) return false;
    at++;
  }
  return true;
}

/** "did you mean 'dense'?" or undefined. */
export function didYouMean(name: string, candidates: Iterable<string>): string | undefined {
  const match = closest(name, candidates);
  return match === undefined ? undefined : `did you mean '${match}'?`;
}

/**
 * The did-you-mean hint for a name written at `span`, with the quick fix that replaces it by the match; without
 * a match, the hint `foreign` has for the name (registry/foreign-names.ts), if any.
 */
export function suggestion(
  name: string,
  candidates: Iterable<string>,
  span: Span,
  foreign: Readonly<Record<string, string>> = {},
): { hint?: string; fixes?: Fix[] } {
  const match = closest(name, candidates);
  if (match === undefined) return Object.hasOwn(foreign, name) ? { hint: foreign[name]! } : {};
  return {
    hint: `did you mean '${match}'?`,
    fixes: [{ title: `Change to '${match}'`, edits: [{ span, newText: match }] }],
  };
}
