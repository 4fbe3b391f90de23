/**
 * Trained runs for the tests of `nnc evaluate` and `nnc predict`: a spec checked and trained in the test's
 * own process (quietly) and saved as `nnc train` saves it, so only the commands under test start a process.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { checkFile, type IrModel, type IrProgram, type IrTrain } from "../../src/compiler/index.js";
import { trainModel } from "../../src/runtime/index.js";
import { nnc } from "./cli.js";
import { userError as thrownUserError } from "./data-files.js";

export interface TrainedSpec {
  readonly program: IrProgram;
  readonly model: IrModel;
  readonly train: IrTrain;
}

/** Checks `spec` (its one train block) and trains it into `dir` for `epochs`. */
export async function trainRun(spec: string, dir: string, epochs?: number): Promise<TrainedSpec> {
  const { program, diagnostics } = checkFile(spec);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const train = program!.trains[0]!;
  const model = program!.models.find((m) => m.name === train.model)!;
  const output = { write: () => true } as unknown as NodeJS.WritableStream;
  // With a run folder, training saves the run there as `nnc train` does.
  const run = await trainModel(model, train, { output, runDir: dir, ...(epochs === undefined ? {} : { epochs }) });
  run.model.dispose();
  return { program: program!, model, train };
}

/** The one-line message of the NncUserError `action` throws, with `prefix` (a scratch folder) removed. */
export async function userError(action: () => unknown, prefix: string): Promise<string> {
  return (await thrownUserError(action)).format().replaceAll(prefix, "");
}

/** A fresh temporary folder and a function that writes a file into it and returns its path. */
export function scratchFolder(prefix: string): {
  dir: string;
  file: (name: string, content: string | Uint8Array) => string;
} {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return {
    dir,
    file: (name, content) => {
      writeFileSync(join(dir, name), content);
      return join(dir, name);
    },
  };
}

/** Runs `nnc args`, expects success without anything on stderr, and returns what it printed. */
export function succeeds(args: readonly string[]): string {
  const result = nnc(args);
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}
