/**
 * How long parsing takes on noise: random tokens, 256 KiB and 1000 KiB of them (1 MiB is the most nnc reads),
 * and valid specs of the same sizes for comparison. Recovery from syntax errors stops after
 * limits.syntaxErrors errors, so noise costs about as much per byte at each size (the time grows about
 * linearly with the length, not with its square).
 *
 * Measured at 07:25 UTC on 2026-12-06 (2 cores, load 11), before and after the cap (commit 22cf1ef):
 *   random tokens 256 KiB: 9,338 ms, 12,537 diagnostics -> 747 ms, 101 diagnostics
 *   random tokens 1000 KiB: 44,247 ms, 48,980 diagnostics -> 1,624 ms, 101 diagnostics
 *   valid layers 256 KiB / 1000 KiB: 3,684 / 7,220 ms -> 3,339 / 9,353 ms (unchanged: no errors to recover from)
 *
 *     npx esbuild bench/parse-recovery.ts --bundle --platform=node --format=esm --outfile=/tmp/pr.mjs && node /tmp/pr.mjs
 *
 * (bundled, as the CLI is: tsx wraps every closure the grammar creates and triples the time).
 */
import { parse } from "../src/compiler/syntax/index.js";

const words = ["model", "block", "train", "input", "output", "repeat", "x", "dense", "(", ")", "[", "]", "{", "}"];
words.push(",", ":", "=", "->", "+", "-", "*", "/", "1", "2.5", '"s"', "?", ";", "\n", "<", "==", "@");
let seed = 1;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

/** Random tokens; an opening bracket past 8 open ones is replaced by a closing one (no NN1005 at once). */
function noise(bytes: number): string {
  const out: string[] = [];
  let open = 0;
  for (let n = 0; n < bytes;) {
    let word = words[Math.floor(random() * words.length)]!;
    if ("([{".includes(word) && open >= 8) word = ")";
    open = Math.max(0, open + ("([{".includes(word) ? 1 : ")]}".includes(word) ? -1 : 0));
    out.push(word);
    n += word.length + 1;
  }
  return out.join(" ");
}

function layers(bytes: number): string {
  const line = "  dense(10, activation: relu)\n";
  return `model M {\n  input x: [4]\n${line.repeat(Math.floor(bytes / line.length))}}\n`;
}

parse(noise(16 * 1024), "warm-up.nn");
for (const [name, make] of [
  ["random tokens", noise],
  ["valid layers", layers],
] as const) {
  for (const kib of [256, 1000]) {
    const text = make(kib * 1024);
    const start = performance.now();
    const result = parse(text, "bench.nn");
    const ms = Math.round(performance.now() - start);
    console.log(`${name}, ${kib} KiB: ${ms} ms, ${result.diagnostics.length} diagnostics`);
  }
}
