/**
 * What docs/data.md shows of nnc's output is what nnc prints now: every ```console block of the page is run,
 * command by command, with the built CLI in a scratch folder holding a copy of examples/ (the specs and data
 * its commands name), and each command's output must be the lines shown under it, compared as
 * readme-output.test.ts compares the README's (helpers/console-blocks.ts). A command whose shown output has an
 * error line (`error NN4047: ...`) must fail; the others must succeed.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repo } from "./helpers/cli.js";
import { asShown, consoleBlocks, failsAsShown, lines, run, splitStreams, timeless } from "./helpers/console-blocks.js";

const page = readFileSync(join(repo, "docs", "data.md"), "utf8");
const blocks = consoleBlocks(page);

const scratch = mkdtempSync(join(tmpdir(), "nnc-data-doc-"));
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

describe("docs/data.md", () => {
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
