/**
 * Commands nnc prints for the user to paste (`resume with: nnc train ...`, the ranked table's `train it again
 * with`): one quoting rule, so every such line reads back the same in a POSIX shell.
 */

/** An argument as a POSIX shell reads it back: as it is when it holds only safe characters, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
