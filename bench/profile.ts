/**
 * `npm run profile`: where a training step's time goes, per bench model (issue 17).
 *
 *   npm run profile [-- --model mlp|convnet|lstm|text[,...]] [-- --steps N] [-- --json]
 *
 * Each model is profiled in a fresh process (bench/profile-worker.ts): `nnc train`'s path (`trainModel` on
 * synthetic `.npy` data, as bench/train-worker.ts measures it) against bare `trainOnBatch` on one fixed batch
 * of the same model, the kernels by op, the optimizer's share, tfjs's dispatch overhead, nnc's batch
 * preparation, garbage collection and the tensor count. The MLP and the convnet by default; a model that fails
 * prints one line and the others go on. `--json` prints the figures as JSON instead of the table.
 */
import { fileURLToPath } from "node:url";
import { loadNow, machine, num, runWorker } from "./lib.js";
import { modelNames, type ModelName } from "./models.js";
import type { GcFigures, StepProfile } from "./profile-worker.js";

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const json = args.includes("--json");
const steps = Number(valueOf("--steps") ?? 30);
if (!Number.isInteger(steps) || steps < 2) throw new Error(`--steps takes a whole number of at least 2`);
const models = (valueOf("--model") ?? "mlp,convnet").split(",").filter((m) => m !== "");
const unknown = models.find((m) => !modelNames.includes(m as ModelName));
if (unknown) throw new Error(`--model takes ${modelNames.join(", ")}, not ${unknown}`);

const worker = fileURLToPath(new URL("./profile-worker.ts", import.meta.url));
const results: (StepProfile | { model: string; error: string })[] = [];
if (!json) process.stdout.write(`${machine()}\nload average at start: ${loadNow()}\n\n`);
for (const model of models) {
  const run = await runWorker<StepProfile>(process.execPath, ["--import", "tsx", worker, model, String(steps)], 600);
  if (!run.ok || !run.value) {
    results.push({ model, error: run.why ?? "no result" });
    if (!json) process.stdout.write(`${model}: failed: ${run.why}\n\n`);
    continue;
  }
  results.push(run.value);
  if (!json) process.stdout.write(table(run.value) + `load average after: ${loadNow()}\n\n`);
}
if (json) process.stdout.write(JSON.stringify(results, null, 2) + "\n");

function ms(value: number): string {
  return `${value.toFixed(2)} ms`;
}

function gc(figures: GcFigures): string {
  const major = `${figures.majorCount.toFixed(2)} full, ${figures.majorMs.toFixed(2)} ms`;
  return `${figures.count.toFixed(2)} collections, ${figures.ms.toFixed(2)} ms (${major})`;
}

function share(part: number, whole: number): string {
  return `${Math.round((100 * part) / whole)}%`;
}

/** One model's profile as aligned rows: figure, value, what it is. */
function table(p: StepProfile): string {
  const { nnc, bare, kernels, feeding } = p;
  // From the profiled steps themselves, so that a change of load between two measurements does not enter it;
  // profiling's bookkeeping makes it an upper bound.
  const dispatch = kernels.wallMs - kernels.ms;
  const rows: [string, string, string][] = [
    ["nnc train step", ms(nnc.stepMs), `${num(nnc.samplesPerSecond)} samples/s (trainModel, ${p.steps} steps/epoch)`],
    ["  cpu time", ms(nnc.cpuMs), "this process's, all threads"],
    ["  inside trainOnBatch", ms(nnc.trainOnBatchMs), share(nnc.trainOnBatchMs, nnc.stepMs)],
    ["  between steps", ms(nnc.betweenStepsMs), "batch preparation, figures, callbacks"],
    ["  epoch end", ms(nnc.epochEndMs / p.steps), `${ms(nnc.epochEndMs)} per epoch: figures, checkpoint, shuffle`],
    ["  gc", gc(nnc.gc), "per step"],
    ["  tensors", `${nnc.tensors[0]} -> ${nnc.tensors[1]}`, `over ${nnc.epochsMeasured} epochs`],
    ["bare trainOnBatch step", ms(bare.stepMs), `${num(bare.samplesPerSecond)} samples/s (one fixed batch)`],
    ["  cpu time", ms(bare.cpuMs), "this process's, all threads"],
    ["  kernels", ms(kernels.ms), `${num(kernels.calls)} calls (tf.profile over ${kernels.profiledSteps} steps)`],
    [
      "  dispatch/engine",
      ms(dispatch),
      `${share(dispatch, kernels.wallMs)} of the profiled steps' ${ms(kernels.wallMs)} (wall - kernel time)`,
    ],
    [
      "  optimizer update",
      ms(bare.optimizerMs),
      `wall in applyGradients; kernels ${ms(kernels.optimizerMs)}, ${num(kernels.optimizerCalls)} calls`,
    ],
    ["  gc", gc(bare.gc), "per step"],
    ["  tensors", `${bare.tensors[0]} -> ${bare.tensors[1]}`, `over ${p.steps} steps`],
    ["batch preparation", ms(feeding.ms), `TrainingBatches.training alone; cpu ${ms(feeding.cpuMs)}`],
    ["  gc", gc(feeding.gc), "per step"],
    ["nnc - bare", ms(nnc.stepMs - bare.stepMs), share(nnc.stepMs - bare.stepMs, nnc.stepMs) + " of nnc's step"],
    ["  in cpu time", ms(nnc.cpuMs - bare.cpuMs), share(nnc.cpuMs - bare.cpuMs, nnc.cpuMs) + " of nnc's cpu time"],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const valueWidth = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map(([a, b, c]) => `${a.padEnd(width)}  ${b.padStart(valueWidth)}  ${c}`);
  const ops = kernels.byOp.slice(0, 12).map((op) => {
    return `  ${op.name.padEnd(24)} ${op.ms.toFixed(3).padStart(8)} ms  ${num(op.calls).padStart(5)} calls`;
  });
  const rest = kernels.byOp.slice(12);
  if (rest.length > 0) {
    const restMs = rest.reduce((sum, op) => sum + op.ms, 0);
    const restCalls = rest.reduce((sum, op) => sum + op.calls, 0);
    ops.push(
      `  ${`(${rest.length} more)`.padEnd(24)} ${restMs.toFixed(3).padStart(8)} ms  ${num(restCalls).padStart(5)} calls`,
    );
  }
  return [
    `${p.title} [${p.model}, ${p.backend}], per step`,
    ...lines,
    "kernels by op, per step (bare trainOnBatch):",
    ...ops,
    "",
  ].join("\n");
}
