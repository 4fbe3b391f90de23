/** How nnc writes counts for people: one helper, so a summary, a diagnostic and a lint agree. */

/**
 * `1234567` -> `1,234,567`, as Keras prints counts. Not with Intl.NumberFormat: setting up ICU's formatter
 * takes tens of milliseconds, a good part of what `nnc check` may take from start to exit.
 */
export function groupThousands(n: number | bigint): string {
  return typeof n === "bigint" || Number.isSafeInteger(n) ? String(n).replace(/\B(?=(\d{3})+$)/g, ",") : String(n);
}
