/**
 * Long differential runs of nnc against tfjs: `npm run fuzz:shapes -- --runs 20000 [--seed N]`.
 * Prints progress and a summary; on a disagreement, the shrunk model as `.nn` text and as a fixture.
 */
import { runFuzz } from "../test/differential/run.js";
import { wholeNumberOption as option } from "./options.js";

const runs = option("runs") ?? 1000;
const seed = option("seed") ?? Date.now() % 2 ** 31;
const ok = await runFuzz({ runs, seed, progress: true });
process.exit(ok ? 0 : 1);
