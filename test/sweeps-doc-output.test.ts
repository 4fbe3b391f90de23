/**
 * What docs/sweeps.md shows of nnc's output is what nnc prints now: every ```console block of the page is run,
 * command by command, with the built CLI in a scratch folder holding a copy of examples/ (the specs and data its
 * commands name), and each command's output must be the lines shown under it, compared as
 * readme-output.test.ts compares the README's (helpers/console-blocks.ts). A command whose shown output has an
 * error line (`error NN3008: ...`) must exit with 1; the others must succeed.
 *
 * The page keeps its console blocks cheap (checks, the configurations a sweep would train, one-epoch trials of
 * the iris example): the full Fashion-MNIST sweep it describes takes minutes and is shown as a measured run in
 * prose, not as a console block.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repo } from "./helpers/cli.js";
import { asShown, consoleBlocks, lines, run, splitStreams, timeless, type Step } from "./helpers/console-blocks.js";

const page = readFileSync(join(repo, "docs", "sweeps.md"), "utf8");
const blocks = consoleBlocks(page);

const scratch = mkdtempSync(join(tmpdir(), "nnc-sweeps-doc-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder for one block: a copy of examples/, and node_modules with tfjs as in a project that installed nnc. */
function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(repo, "examples"), join(dir, "examples"), { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules", "nnc"));
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(dir, "node_modules", "@tensorflow", "tfjs"));
  return dir;
}

/** Whether a step's shown output reports an error, so that the command must exit with 1. */
const failsAsShown = (step: Step) => step.shown.some((line) => /\berror NN\d{4}\b/.test(line));

describe("docs/sweeps.md", () => {
  it("has console blocks (the test would pass vacuously otherwise)", () => {
    expect(blocks.length).toBeGreaterThan(0);
  });

  blocks.forEach(({ heading, steps }, index) => {
    it.concurrent(`${heading}: $ ${steps.map((step) => step.command).join("; $ ")}`, async () => {
      const dir = folder(`block-${index + 1}`);
      for (const step of steps) {
        const result = await run(step.command, dir);
        expect(result.status, `$ ${step.command}\n${result.stderr}`).toBe(failsAsShown(step) ? 1 : 0);
        const stdoutShown = splitStreams(step.shown, lines(result.stderr)).map(timeless);
        expect(asShown(lines(result.stdout).map(timeless), stdoutShown).join("\n"), `$ ${step.command}`).toBe(
          stdoutShown.join("\n"),
        );
      }
    });
  });
});

describe("docs/sweeps.md's example", () => {
  it("is examples/fashion_sweep.nn, from its model on", () => {
    const shown = /^## A sweep in one file$[\s\S]*?^```nn\n([\s\S]*?)^```$/m.exec(page)?.[1];
    const file = readFileSync(join(repo, "examples", "fashion_sweep.nn"), "utf8");
    expect(shown).toBeDefined();
    expect(file.slice(file.indexOf("\nmodel ") + 1)).toBe(shown);
  });
});
