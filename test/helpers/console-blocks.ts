/**
 * The ```console blocks of a Markdown page (README.md, docs/data.md), command by command, and how their shown
 * output is compared with what the built CLI prints: readme-output.test.ts and data-doc-output.test.ts read
 * them. See readme-output.test.ts's header for the rules of the comparison.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { expect } from "vitest";
import { repo } from "./cli.js";

/** One `$ command` of a console block and the lines shown under it, up to the next `$` or the block's end. */
export interface Step {
  readonly command: string;
  readonly shown: readonly string[];
}

/** A page's ```console blocks, each as its steps, with the heading it is under. */
export function consoleBlocks(markdown: string): { heading: string; steps: Step[] }[] {
  const found: { heading: string; steps: Step[] }[] = [];
  for (const match of markdown.matchAll(/^```console\n([\s\S]*?)^```$/gm)) {
    const heading = [...markdown.slice(0, match.index).matchAll(/^#+ (.*)$/gm)].at(-1)?.[1] ?? "";
    const steps: { command: string; shown: string[] }[] = [];
    for (const line of match[1]!.replace(/\n$/, "").split("\n")) {
      if (line.startsWith("$ ")) steps.push({ command: line.slice(2), shown: [] });
      else if (steps.length === 0) throw new Error(`a console block under "${heading}" starts with output: ${line}`);
      else steps.at(-1)!.shown.push(line);
    }
    found.push({ heading, steps });
  }
  return found;
}

/** The terminal's echo of Ctrl-C, where the test sends SIGINT: not printed by nnc, which continues its line. */
export const interrupt = "^C";

/** An epoch line's time, which differs from run to run, read as `<ms>`. */
export const timeless = (line: string) => line.replace(/^(epoch \d+\/\d+ - )\d+ms( - )/, "$1<ms>$2");

export const isOmission = (line: string) => line.trim() === "...";

/**
 * `actual` as the README would show it: each run of lines that a `...` of `shown` stands for (up to the next
 * shown line, or to the end when `...` ends the block) becomes that `...`. Equal to `shown` exactly when the
 * shown lines appear in order with only the omitted ones between; otherwise the difference says which line.
 */
export function asShown(actual: readonly string[], shown: readonly string[]): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < shown.length; i++) {
    if (!isOmission(shown[i]!)) {
      if (at < actual.length) out.push(actual[at++]!);
      continue;
    }
    out.push(shown[i]!);
    const next = shown[i + 1];
    if (next === undefined) at = actual.length;
    else if (actual.indexOf(next, at) > at) at = actual.indexOf(next, at);
  }
  return [...out, ...actual.slice(at)];
}

/** The shown lines nnc printed to stdout: those of `stderr` (contiguous, as a terminal shows them) taken out. */
export function splitStreams(shown: readonly string[], stderr: readonly string[]): string[] {
  if (stderr.length === 0) return [...shown];
  const start = shown.findIndex((_, i) => stderr.every((line, j) => shown[i + j] === line));
  expect(start, `what nnc printed to stderr is shown in the block:\n${stderr.join("\n")}`).toBeGreaterThanOrEqual(0);
  return [...shown.slice(0, start), ...shown.slice(start + stderr.length)];
}

/** Whether a step's shown output reports an error, so that the command must exit with 1. */
export const failsAsShown = (step: Step) => step.shown.some((line) => /\berror NN\d{4}\b/.test(line));

export const lines = (text: string) => (text === "" ? [] : text.replace(/\n$/, "").split("\n"));

export interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a shown command in `cwd` as a user would (`nnc`/`npx nnc` is the built bin/nnc.js, `npx tsx` the
 * repository's tsx, `python3` and `torchrun` Debian's in /usr/bin, which have PyTorch, as helpers/torch.ts says),
 * without colour. With `interruptAfter`, sends one SIGINT when a line of stdout starts so.
 */
export function run(command: string, cwd: string, interruptAfter?: string): Promise<Ran> {
  const words = command.split(" ");
  const program =
    words[0] === "nnc"
      ? [process.execPath, join(repo, "bin", "nnc.js"), ...words.slice(1)]
      : words[0] === "npx" && words[1] === "nnc"
        ? [process.execPath, join(repo, "bin", "nnc.js"), ...words.slice(2)]
        : words[0] === "npx" && words[1] === "tsx"
          ? [join(repo, "node_modules", ".bin", "tsx"), ...words.slice(2)]
          : words[0] === "python3" || words[0] === "torchrun"
            ? [join("/usr/bin", words[0]), ...words.slice(1)]
            : undefined;
  if (program === undefined) throw new Error(`a console block shows a command the test cannot run: ${command}`);
  const child = spawn(program[0]!, program.slice(1), {
    cwd,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" },
  });
  let stdout = "";
  let stderr = "";
  let interrupted = false;
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (interruptAfter !== undefined && !interrupted && lines(stdout).some((line) => line.startsWith(interruptAfter))) {
      interrupted = true;
      child.kill("SIGINT");
    }
  });
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const timer = setTimeout(() => child.kill("SIGKILL"), 100_000);
  return new Promise((resolve) =>
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    }),
  );
}
