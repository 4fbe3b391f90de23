/**
 * What README.md shows of nnc's output is what nnc prints now (docs/ is kept by docs.test.ts and
 * docs-output.test.ts): every ```console block of the README is run, command by command, with the built CLI
 * in a scratch folder of its own (the examples it names copied in, the files the README invents written with
 * content that gives the lines it shows), and each command's output must be the lines shown under it. A block
 * with a command this test cannot run fails; blocks of commands whose output the README does not show are
 * ```sh, not ```console.
 *
 * Compared as shown, except for these, each narrow and explicit:
 * - the time an epoch took (`epoch 1/60 - 166ms - loss: ...`) is not compared: `NNNms` in an epoch line
 *   is read as `<ms>` in both texts (`timeless`);
 * - a line that is only `...` stands for lines left out: the shown lines around it must appear in that order,
 *   and the lines between them are skipped (`asShown`);
 * - `^C` is the terminal echoing the Ctrl-C the test sends, at the start of a line that nnc's next output then
 *   continues: it is taken off the start of its line (`interrupt`);
 * - stdout and stderr are two streams that a terminal merges: what a command prints to stderr must be shown as
 *   contiguous lines of its block (where among the stdout lines is not checked), and the remaining shown lines
 *   are compared with its stdout (`splitStreams`).
 *
 * The Ctrl-C transcript: the test sends a real SIGINT as soon as the epoch line shown before `^C` is printed;
 * nnc then finishes the epoch's checkpoint and stops after that epoch. Whether the signal lands before nnc
 * checks for it at the end of that epoch is timing (on a loaded machine about one run in fifteen stops one
 * epoch later, and says so): such a run is run again, at most `interruptAttempts` times in all, and every line
 * is compared for the run that stopped where the README shows. Not checked: the output on a terminal (each
 * epoch a progress bar there; the README shows, as it says, the output piped into a file); the second Ctrl-C;
 * and with @tensorflow/tfjs-node installed nnc trains on it, not on wasm, and the figures differ.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repo } from "./helpers/cli.js";
import {
  asShown,
  consoleBlocks,
  interrupt,
  lines,
  run,
  splitStreams,
  timeless,
  type Ran,
  type Step,
} from "./helpers/console-blocks.js";

const readme = readFileSync(join(repo, "README.md"), "utf8");

const scratch = mkdtempSync(join(tmpdir(), "nnc-readme-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * A folder for one block: the examples its commands name (examples/mistakes/ holds the specs whose errors it
 * shows; examples/data/flowers.csv is three flowers of iris.csv, lines 2, 52 and 102, without the label), and,
 * as in a project that has installed nnc and tfjs, node_modules and a package.json of type module for the
 * compiled module.
 */
function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(join(dir, "examples", "data"), { recursive: true });
  for (const file of ["iris.nn", "mnist_convnet.nn", "mistakes", join("data", "iris.csv"), join("data", "flowers.csv")])
    cpSync(join(repo, "examples", file), join(dir, "examples", file), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules", "nnc"));
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(dir, "node_modules", "@tensorflow", "tfjs"));
  return dir;
}

const blocks = consoleBlocks(readme);

/** The block that trains examples/iris.nn to its end: its folder's runs/Iris is the run the other blocks use. */
const training = blocks.find(({ steps }) =>
  steps.some(
    (step) =>
      step.command.endsWith("nnc train examples/iris.nn") && !step.shown.some((line) => line.startsWith(interrupt)),
  ),
);

/** Where Ctrl-C is sent in a step: when the line shown before `^C` is printed, read up to its time. */
function interruptAfter({ command, shown }: Step): string | undefined {
  const at = shown.findIndex((line) => line.startsWith(interrupt));
  if (at < 0) return undefined;
  const epochLine = at > 0 ? /^(epoch \d+\/\d+ - )/.exec(shown[at - 1]!)?.[1] : undefined;
  if (epochLine === undefined) throw new Error(`the line before ^C under "$ ${command}" is not an epoch line`);
  return epochLine;
}

/** Runs a block's commands in order in a folder of its own; the block that trains runs once, for all. */
async function runBlock(index: number): Promise<{ dir: string; results: Ran[] }> {
  const { steps } = blocks[index]!;
  const dir = folder(`block-${index + 1}`);
  // A block that uses runs/Iris without training it gets a copy of the training block's run (one run, reused).
  const usesRun = steps.some((step) => step.command.includes("--model runs/Iris"));
  if (usesRun && !steps.some((step) => step.command.includes("nnc train"))) {
    if (training === undefined) throw new Error("no console block trains examples/iris.nn for runs/Iris");
    cpSync(join((await trainedRun()).dir, "runs"), join(dir, "runs"), { recursive: true });
  }
  const results: Ran[] = [];
  for (const step of steps) {
    let result = await run(step.command, dir, interruptAfter(step));
    // Timing, not output: a SIGINT that landed after the next epoch began stops nnc later than shown; run again.
    for (let attempt = 1; attempt < interruptAttempts && !stoppedAsShown(step, result); attempt++) {
      rmSync(join(dir, "runs"), { recursive: true, force: true });
      result = await run(step.command, dir, interruptAfter(step));
    }
    results.push(result);
  }
  return { dir, results };
}

/** Runs of a Ctrl-C step at most: under load about one in fifteen SIGINTs lands in the next epoch. */
const interruptAttempts = 3;

/** Whether a step stopped by Ctrl-C stopped where its block shows (`stopped after epoch 20/60; ...`). */
function stoppedAsShown(step: Step, result: Ran): boolean {
  const stopped = step.shown.find((line) => line.startsWith("stopped "));
  return interruptAfter(step) === undefined || stopped === undefined || lines(result.stdout).includes(stopped);
}

let trained: ReturnType<typeof runBlock> | undefined;
const trainedRun = () => (trained ??= runBlock(blocks.indexOf(training!)));

/** A command's exit status and output against what its block shows. */
function expectAsShown(step: Step, result: Ran): void {
  const { command, shown } = step;
  const expectedStatus = interruptAfter(step) !== undefined ? 130 : command.startsWith("nnc check") ? 1 : 0;
  expect(result.status, `$ ${command}\n${result.stderr}`).toBe(expectedStatus);
  const stdoutShown = splitStreams(
    shown.map((line) => (line.startsWith(interrupt) ? line.slice(interrupt.length) : line)),
    lines(result.stderr),
  ).map(timeless);
  expect(asShown(lines(result.stdout).map(timeless), stdoutShown).join("\n"), `$ ${command}`).toBe(
    stdoutShown.join("\n"),
  );
}

describe("README.md", () => {
  it("has the console blocks this test runs (it would pass vacuously otherwise)", () => {
    const commands = blocks.flatMap(({ steps }) => steps.map((step) => step.command));
    for (const command of [
      "nnc check examples/mistakes/typo.nn",
      "npx nnc train examples/iris.nn",
      "nnc compile examples/iris.nn -o iris.ts",
    ])
      expect(commands).toContain(command);
    expect(training).toBeDefined();
  });

  // Concurrent: three blocks train for a few seconds each; the training block runs once, whoever asks first.
  blocks.forEach(({ heading, steps }, index) => {
    it.concurrent(`${heading}: $ ${steps.map((step) => step.command).join("; $ ")}`, async () => {
      const { results } = await (blocks[index] === training ? trainedRun() : runBlock(index));
      steps.forEach((step, i) => expectAsShown(step, results[i]!));
    });
  });
});
