/**
 * What docs/sweeps.md shows of nnc's output is what nnc prints now: every ```console block of the page is run,
 * command by command, with the built CLI in a scratch folder holding a copy of examples/ (the specs and data its
 * commands name), and each command's output must be the lines shown under it, compared as
 * readme-output.test.ts compares the README's (helpers/console-blocks.ts). A command whose shown output has an
 * error line (`error NN3008: ...`) must exit with 1; the others must succeed. The spec files the page invents are
 * its ```nn file=NAME blocks, written into each block's folder.
 *
 * Compared as readme-output.test.ts compares, plus one narrow rule: a sweep's ranked table has a `time` column
 * (how long each trial ran), which differs from run to run; in the table's header and rows, that column with
 * the spaces that align it is read as ` <time>` (`sweepTimeless`).
 *
 * Its sweep keys' table is the one scripts/docs-tables.ts prints from the registry (as docs/language.md's), and
 * its Fashion-MNIST spec is examples/fashion_sweep.nn.
 *
 * The page keeps its console blocks cheap (checks, the configurations a sweep would train, one-epoch trials of
 * the iris example): the full Fashion-MNIST sweep it describes takes minutes and is shown as a measured run in
 * prose, not as a console block.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generatedTables } from "../scripts/docs-tables.js";
import { repo } from "./helpers/cli.js";
import { asShown, consoleBlocks, failsAsShown, lines, run, splitStreams, timeless } from "./helpers/console-blocks.js";

const page = readFileSync(join(repo, "docs", "sweeps.md"), "utf8");
const blocks = consoleBlocks(page);

const scratch = mkdtempSync(join(tmpdir(), "nnc-sweeps-doc-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The page's ```nn file=NAME blocks: the specs its commands name that are not examples. */
const invented = [...page.matchAll(/^```nn file=(\S+)\n([\s\S]*?)^```$/gm)].map((m) => [m[1]!, m[2]!] as const);

/**
 * A folder for one block: a copy of examples/, the page's invented specs, and node_modules with tfjs as in a
 * project that installed nnc.
 */
function folder(name: string): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  cpSync(join(repo, "examples"), join(dir, "examples"), { recursive: true });
  for (const [file, text] of invented) writeFileSync(join(dir, file), text);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ private: true, type: "module" }));
  mkdirSync(join(dir, "node_modules", "@tensorflow"), { recursive: true });
  symlinkSync(repo, join(dir, "node_modules", "nnc"));
  symlinkSync(join(repo, "node_modules", "@tensorflow", "tfjs"), join(dir, "node_modules", "@tensorflow", "tfjs"));
  return dir;
}

/** A ranked table's header (`rank  trial  ...  time  state`) or row (`   1      4  ...  5.3s  complete`). */
const rankedTableLine = /^(rank  trial  | *(\d+|-) +\d+  )/;

/** A ranked table's line with its `time` column (a duration, or the header's `time`) read as ` <time>`. */
export const sweepTimeless = (line: string) =>
  rankedTableLine.test(line) ? line.replace(/ +(\d+\.\ds|\d+m \d\ds|\d+h \d\dm|time)(?=  \S)/, " <time>") : line;

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
        const read = (line: string) => sweepTimeless(timeless(line));
        const stdoutShown = splitStreams(step.shown, lines(result.stderr)).map(read);
        expect(asShown(lines(result.stdout).map(read), stdoutShown).join("\n"), `$ ${step.command}`).toBe(
          stdoutShown.join("\n"),
        );
      }
    });
  });
});

describe("docs/sweeps.md's example", () => {
  it("reads a ranked table's time column, and only that, as <time>", () => {
    expect(sweepTimeless("rank  trial  units  val_loss  params   time  state")).toBe(
      "rank  trial  units  val_loss  params <time>  state",
    );
    expect(sweepTimeless("   1      4     16    0.2999     131  13.7s  complete")).toBe(
      "   1      4     16    0.2999     131 <time>  complete",
    );
    expect(sweepTimeless("  12      3     16    0.2999     131  1m 05s  pruned at epoch 2")).toBe(
      "  12      3     16    0.2999     131 <time>  pruned at epoch 2",
    );
    const live = "trial 2 complete: val_loss 0.5883 at epoch 2 (5.3s)";
    expect(sweepTimeless(live)).toBe(live);
  });

  it("shows the sweep keys' table that scripts/docs-tables.ts prints from registry/sweep-keys.ts", () => {
    const shown = /<!-- sweep-keys:start -->\n([\s\S]*?)<!-- sweep-keys:end -->/.exec(page)?.[1];
    expect(shown).toBe(`${generatedTables["sweep-keys"]!()}\n`);
  });

  it("is examples/fashion_sweep.nn, from its model on", () => {
    const shown = /^## A sweep in one file$[\s\S]*?^```nn\n([\s\S]*?)^```$/m.exec(page)?.[1];
    const file = readFileSync(join(repo, "examples", "fashion_sweep.nn"), "utf8");
    expect(shown).toBeDefined();
    expect(file.slice(file.indexOf("\nmodel ") + 1)).toBe(shown);
  });
});
