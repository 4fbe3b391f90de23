/**
 * The front-end fuzzer, run longer than in `npm test`:
 * `npm run fuzz -- --runs 100000 [--seed N] [--slow MS] [--long-max N] [--heavy W] [--trace]`.
 * Runs every case (no stop at the first failure) and prints each distinct failure with the first case that
 * showed it, and the cases slower than `--slow` milliseconds. Exit code 1 when any property failed.
 * test/fuzz.test.ts's run is `--runs 2000 --seed 20261206 --long-max 10000 --heavy 1`.
 */
import { runFrontEndFuzz } from "../test/fuzz/properties.js";
import { wholeNumberOption as option } from "./options.js";

const runs = option("runs") ?? 20_000;
const seed = option("seed") ?? Date.now() % 2 ** 31;
const slowMs = option("slow") ?? 2_000;
// By default long inputs up to 10^5 lines, terms or characters, and chains of blocks, each kind in one case of 25.
const longMax = option("long-max") ?? 100_000;
const heavyWeight = option("heavy") ?? 15;
console.log(
  `fuzz: ${runs} cases, seed ${seed} (replay with --seed ${seed} --runs ${runs} --long-max ${longMax} --heavy ${heavyWeight})`,
);
let last = 0;
const report = runFrontEndFuzz({
  runs,
  seed,
  slowMs,
  longMax,
  heavyWeight,
  stopAtFirst: false,
  // --trace names each case before it runs (a case that hangs is the last one printed).
  ...(process.argv.includes("--trace") ? { onCase: (d: string) => console.log(`case: ${d.split("\n")[0]}`) } : {}),
  onSlow: (description, ms) => console.log(`  slow (${ms.toFixed(0)} ms): ${description.split("\n")[0]}`),
  onProgress: (done, seconds) => {
    if (seconds - last < 10) return;
    last = seconds;
    console.log(`  ${done} cases, ${seconds.toFixed(0)} s`);
  },
});
console.log(
  `${report.cases} cases in ${report.seconds.toFixed(1)} s, ${report.failures.length} distinct failures, ${report.slow.length} slower than ${slowMs} ms`,
);
const kinds = [...report.kinds].map(([kind, n]) => `${kind} ${n}`).join(", ");
console.log(
  `mutations: ${kinds}\n${report.clean} clean programs summarized, ${report.formatted} files formatted twice`,
);
for (const { failure, description, count } of report.failures) {
  console.log(`\nFAILED ${failure.property} (${count} cases): ${failure.message}\n  first case: ${description}`);
  if (failure.stack) console.log(failure.stack.replace(/^/gm, "    "));
}
for (const { description, ms } of report.slow) console.log(`\nSLOW ${ms.toFixed(0)} ms: ${description}`);
process.exit(report.failures.length > 0 ? 1 : 0);
