/**
 * What docs/pytorch.md shows is what nnc and the script it emits print now: its ```console blocks are run in
 * order, command by command, in one scratch folder holding the iris example (a reader following the page: the
 * later blocks import the run the earlier ones trained), with the built CLI, Debian's python3 and torchrun; and
 * its ```python block is a piece of what `nnc compile examples/mnist_convnet.nn --target pytorch` prints; and the
 * layer kinds it says the target has no form of are those the target refuses (layers.ts's `torchLayer`).
 *
 * Compared as readme-output.test.ts compares the README's blocks (helpers/console-blocks.ts), plus two narrow
 * rules: an epoch line's time is read as `<ms>` also behind torchrun's `[default0]:` prefix, and trailing spaces
 * are dropped (torchrun's warning ends its line with one, which Markdown editors strip). Blocks that run python3
 * or torchrun, and those after them, need PyTorch (`describe.runIf(hasTorch)`); the others run everywhere.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { torchLayer } from "../src/compiler/emit/pytorch/layers.js";
import type { IrLayer } from "../src/compiler/ir/index.js";
import { layerKinds } from "../src/compiler/registry/layers/index.js";
import { nnc, repo } from "./helpers/cli.js";
import { asShown, consoleBlocks, failsAsShown, lines, run, splitStreams, timeless } from "./helpers/console-blocks.js";
import { hasTorch } from "./helpers/torch.js";

// torchrun looks at its workers every --monitor_interval seconds, 5 by default: it would idle up to 5 s after they
// end. Its PET_ variable sets it for the shown command; the interval changes nothing torchrun or the script prints.
process.env["PET_MONITOR_INTERVAL"] = "0.2";

const page = readFileSync(join(repo, "docs", "pytorch.md"), "utf8");
const blocks = consoleBlocks(page);

const scratch = mkdtempSync(join(tmpdir(), "nnc-pytorch-doc-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
mkdirSync(join(scratch, "examples", "data"), { recursive: true });
for (const file of ["iris.nn", "fashion_augmented.nn", join("data", "iris.csv"), join("data", "flowers.csv")])
  cpSync(join(repo, "examples", file), join(scratch, "examples", file));

/** A shown or printed line as compared: the epoch's time read as `<ms>` (behind a rank's prefix too), no trailing spaces. */
const read = (line: string) => {
  const rank = /^\[default\d+\]:/.exec(line)?.[0] ?? "";
  return (rank + timeless(line.slice(rank.length))).trimEnd();
};

const runsPython = (command: string) => /^(python3|torchrun) /.test(command);

/**
 * Whether the target has no PyTorch form of a layer kind whatever its arguments: `torchLayer` refuses it before
 * looking at them (a kind it has a form of is built, or fails on the empty layer given here).
 */
function refused(kind: string): boolean {
  const location = { file: "example.nn", span: { start: 0, end: 0 } };
  const layer = {
    name: kind,
    kind,
    tfjs: { config: {} },
    inputs: [],
    outputShapes: [],
    location,
  } as unknown as IrLayer;
  try {
    const made = torchLayer(layer, []);
    return "unsupported" in made && /has no PyTorch form/.test(made.unsupported);
  } catch {
    return false;
  }
}

describe("docs/pytorch.md", () => {
  it("has console blocks (the test would pass vacuously otherwise)", () => {
    expect(blocks.length).toBeGreaterThan(3);
  });

  it("shows the module nnc compile --target pytorch emits for examples/mnist_convnet.nn", () => {
    const shown = [...page.matchAll(/^```python\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
    expect(shown).toHaveLength(1);
    const compiled = nnc(["compile", "examples/mnist_convnet.nn", "--target", "pytorch"]);
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain(shown[0]);
  });

  it("names the layer kinds the target has no form of, and no other", () => {
    const listed = /<!-- pytorch-refused:start -->([\s\S]*?)<!-- pytorch-refused:end -->/.exec(page)?.[1];
    expect(listed, "the list between its markers").toBeDefined();
    const names = [...listed!.matchAll(/`([a-z0-9_]+)`/g)].map((m) => m[1]!);
    expect(names.sort()).toEqual(
      layerKinds
        .map((k) => k.name)
        .filter(refused)
        .sort(),
    );
  });
});

/** Whether a block needs PyTorch: it runs python3 or torchrun, or comes after one that does (and reads its run). */
const needsTorch = blocks.map((_, i) =>
  blocks.slice(0, i + 1).some(({ steps }) => steps.some((s) => runsPython(s.command))),
);

for (const [index, { heading, steps }] of blocks.entries()) {
  describe.runIf(hasTorch || !needsTorch[index])(`docs/pytorch.md, block ${index + 1}`, () => {
    it(`${heading}: $ ${steps.map((step) => step.command).join("; $ ")}`, async () => {
      for (const step of steps) {
        const result = await run(step.command, scratch);
        expect(result.status, `$ ${step.command}\n${result.stderr}`).toBe(failsAsShown(step) ? 1 : 0);
        const stdoutShown = splitStreams(step.shown.map(read), lines(result.stderr).map(read));
        expect(asShown(lines(result.stdout).map(read), stdoutShown).join("\n"), `$ ${step.command}`).toBe(
          stdoutShown.join("\n"),
        );
      }
    });
  });
}
