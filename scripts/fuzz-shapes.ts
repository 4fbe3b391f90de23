/**
 * Long differential runs of nnc against tfjs: `npm run fuzz:shapes -- --runs 20000 [--seed N]`.
 * Prints progress and a summary; on a disagreement, the shrunk model as `.nn` text and as a fixture.
 */
import { runFuzz } from "../test/differential/run.js";

function option(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value)) {
    console.error(`--${name} needs a whole number`);
    process.exit(2);
  }
  return value;
}

const runs = option("runs") ?? 1000;
const seed = option("seed") ?? Date.now() % 2 ** 31;
const ok = await runFuzz({ runs, seed, progress: true });
process.exit(ok ? 0 : 1);
