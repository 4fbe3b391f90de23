/**
 * Lints (NN5xxx): each fires on the mistake it names, at the offending call, and stays quiet on the usual
 * correct model; `allow`, `deny` and `// nnc-allow` switch them. Also assertions (`assert`, `expect`).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource, type LintOptions } from "../src/compiler/index.js";
import { nnc } from "./helpers/cli.js";
import { marked } from "./helpers/marked.js";

const train = (model: string, loss: string) =>
  `train ${model} {\n  data: csv("d.csv", label: "y")\n  loss: ${loss}\n  optimizer: adam\n  epochs: 1\n  batch_size: 8\n}\n`;

/** [code, marked text] for every diagnostic, and the marked spans' texts. */
function lint(source: string, lints: LintOptions = {}) {
  const { text, spans } = marked(source);
  const result = checkSource(text, "/tmp/lint.nn", undefined, { lints });
  return {
    result,
    found: result.diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)]),
    marks: spans.map((s) => text.slice(s.start, s.end)),
  };
}

describe("lints", () => {
  it("a usual classifier gets no lint", () => {
    const { found } = lint(
      "model M {\n  input x: [28, 28, 1]\n  conv2d(8, 3, activation: relu)\n  max_pooling2d(2)\n  flatten()\n" +
        "  dropout(0.5)\n  dense(64, activation: relu)\n  dense(10, activation: softmax)\n}\n" +
        train("M", "categorical_crossentropy"),
    );
    expect(found).toEqual([]);
  });

  it.each([
    ["softmax with binary_crossentropy", "dense(1, activation: softmax)", "binary_crossentropy"],
    ["sigmoid over classes with categorical_crossentropy", "dense(3, activation: sigmoid)", "categorical_crossentropy"],
    ["logits with a crossentropy", "dense(3)", "sparse_categorical_crossentropy"],
  ])("NN5001: %s", (_, last, loss) => {
    const { found, marks } = lint(`model M {\n  input x: [4]\n  <|${last}|>\n}\n${train("M", loss)}`);
    expect(found).toEqual([["NN5001", marks[0]]]);
  });

  it("NN5001 stays quiet for fitting pairs and regression", () => {
    for (const [last, loss] of [
      ["dense(1, activation: sigmoid)", "binary_crossentropy"],
      ["dense(3, activation: softmax)", "sparse_categorical_crossentropy"],
      ["dense(1)", "mse"],
    ]) {
      expect(lint(`model M {\n  input x: [4]\n  ${last}\n}\n${train("M", loss)}`).found).toEqual([]);
    }
  });

  it("NN5002 at a dense without activation that feeds a dense", () => {
    const { found, marks } = lint("model M {\n  input x: [4]\n  <|dense(8)|>\n  dense(2)\n}");
    expect(found).toEqual([["NN5002", marks[0]]]);
  });

  it("NN5003 at dropout as the last layer", () => {
    const { found, marks } = lint("model M {\n  input x: [4]\n  dense(2, activation: relu)\n  <|dropout(0.2)|>\n}");
    expect(found).toEqual([["NN5003", marks[0]]]);
  });

  it("NN5004 and NN5005 at an unused layer and an unused input", () => {
    const { found, marks } = lint(
      "model M {\n  input x: [4]\n  input <|y|>: [2]\n  a = x -> <|dense(2, activation: relu)|>\n  b = x -> dense(3, activation: relu)\n  output b\n}",
    );
    expect(found).toEqual([
      ["NN5005", marks[0]],
      ["NN5004", marks[1]],
    ]);
  });

  it("NN5006 is an info at batch_normalization after a biased layer, quiet with use_bias: false", () => {
    const body = (bias: string) =>
      `model M {\n  input x: [8, 8, 3]\n  conv2d(4, 3${bias})\n  <|batch_normalization()|>\n}`;
    const { result, found, marks } = lint(body(""));
    expect(found).toEqual([["NN5006", marks[0]]]);
    expect(result.diagnostics[0]!.severity).toBe("info");
    expect(lint(body(", use_bias: false")).found).toEqual([]);
  });

  it("NN5007 at a dense of over 10M parameters after flatten", () => {
    const { found, marks } = lint(
      "model M {\n  input x: [128, 128, 8]\n  flatten()\n  <|dense(100, activation: relu)|>\n}",
    );
    expect(found).toEqual([["NN5007", marks[0]]]);
    expect(lint("model M {\n  input x: [16, 16, 8]\n  flatten()\n  dense(100, activation: relu)\n}").found).toEqual([]);
  });

  it("NN5008 names flatten() for dense on an image trained as a classifier", () => {
    const { result, found, marks } = lint(
      `model M {\n  input x: [28, 28, 1]\n  <|dense(10, activation: softmax)|>\n}\n${train("M", "categorical_crossentropy")}`,
    );
    expect(found).toEqual([["NN5008", marks[0]]]);
    expect(result.diagnostics[0]!.hint).toContain("flatten()");
  });

  it("NN5009 flags a softmax or recurrent layer that tfjs hands an embedding's mask it cannot use", () => {
    const head = "model M {\n  input ids: [20] int32\n  embedding(100, 8, mask_zero: true)\n";
    // The mask stops at lstm(16) (no return_sequences), but tfjs hands it to the softmax anyway.
    const stale = lint(`${head}  lstm(16)\n  dense(3)\n  <|softmax()|>\n}`);
    expect(stale.found).toEqual([["NN5009", stale.marks[0]]]);
    expect(stale.result.diagnostics[0]!.related?.[0]?.message).toBe("the mask comes from this embedding");
    const later = lint(`${head}  lstm(16)\n  repeat_vector(20)\n  <|gru(4)|>\n}`);
    expect(later.found).toEqual([["NN5009", later.marks[0]]]);
    // Its own mask on [steps, features]: tfjs's softmax adds a [20] mask to [20, 4] without broadcasting.
    const own = lint(`${head}  lstm(16, return_sequences: true)\n  time_distributed(dense(4))\n  <|softmax()|>\n}`);
    expect(own.found).toEqual([["NN5009", own.marks[0]]]);
    expect(own.result.diagnostics[0]!.message).toContain("of shape [20], which does not fit its input [20, 4]");
    // The usual masked text classifiers are fine: the mask reaches the recurrent layers it belongs to.
    const fine = [
      `${head}  bidirectional(lstm(16, return_sequences: true))\n  lstm(8)\n  dense(3, activation: softmax)\n}`,
      `${head}  lstm(16)\n  dense(3)\n  softmax()\n}`.replace("mask_zero: true", "mask_zero: false"),
    ];
    for (const source of fine) expect(lint(source).found).toEqual([]);
  });

  it("NN5008 spares a per-step classifier trained from npy, whose targets may have the output's shape", () => {
    const model =
      "model M {\n  input s: [5, 3]\n  lstm(8, return_sequences: true)\n  <|time_distributed(dense(7, activation: softmax))|>\n}\n";
    const npy = `train M {\n  data: npy(x: "x.npy", y: "y.npy")\n  loss: categorical_crossentropy\n  optimizer: adam\n  epochs: 1\n  batch_size: 8\n}\n`;
    expect(lint(model + npy).found).toEqual([]);
    const csv = lint(model + train("M", "categorical_crossentropy"));
    expect(csv.found).toEqual([["NN5008", csv.marks[0]]]);
  });

  it("NN5010 flags a tfjs layer given one tensor twice when other layers read that tensor too", () => {
    const head = "model M {\n  input x: [4]\n  h = x -> dense(4)\n";
    const reused = lint(`${head}  a = <|add(h, h)|>\n  b = add(a, h)\n  output b\n}`);
    expect(reused.found).toEqual([["NN5010", reused.marks[0]]]);
    // Nothing else reads h, or the second use is a copy: nothing is freed early.
    expect(lint(`${head}  add(h, h)\n}`).found).toEqual([]);
    expect(
      lint(`${head}  h2 = h -> activation(linear)\n  a = add(h, h2)\n  b = add(a, h)\n  output b\n}`).found,
    ).toEqual([]);
  });

  it("a layer inside a block called twice is linted once", () => {
    const { found } = lint(
      "block twice()(x) {\n  return x -> dense(4) -> dense(4, activation: relu)\n}\nmodel M {\n  input x: [4]\n  twice()\n  twice()\n}",
    );
    expect(found.map(([code]) => code)).toEqual(["NN5002"]);
  });

  it("lints wait until the program has no errors", () => {
    const { found } = lint("model M {\n  input x: [4]\n  dense(8)\n  dense(2)\n  dens(2)\n}");
    expect(found.map(([code]) => code)).toEqual(["NN2001"]);
  });
});

describe("switching lints", () => {
  const source = "model M {\n  input x: [4]\n  dense(8)\n  dense(2, activation: relu)\n  dropout(0.1)\n}";

  it("allow removes a lint, deny makes it an error and the program null", () => {
    expect(lint(source, { allow: ["NN5002"] }).found.map(([c]) => c)).toEqual(["NN5003"]);
    const denied = lint(source, { deny: ["NN5003"] }).result;
    expect(denied.diagnostics.map((d) => [d.code, d.severity])).toEqual([
      ["NN5002", "warning"],
      ["NN5003", "error"],
    ]);
    expect(denied.program).toBeNull();
    expect(lint(source, { deny: ["warnings"] }).result.diagnostics.every((d) => d.severity === "error")).toBe(true);
    expect(lint(source, { deny: ["warnings"], allow: ["NN5002", "NN5003"] }).result.program).not.toBeNull();
  });

  it("// nnc-allow covers its line and the next; before the first declaration, the whole file", () => {
    const onLine = source.replace("dense(8)", "dense(8) // nnc-allow NN5002");
    expect(lint(onLine).found.map(([c]) => c)).toEqual(["NN5003"]);
    const above = source.replace("  dropout(0.1)", "  // nnc-allow NN5003\n  dropout(0.1)");
    expect(lint(above).found.map(([c]) => c)).toEqual(["NN5002"]);
    expect(lint(`// nnc-allow NN5002, NN5003\n${source}`).found).toEqual([]);
    // An allow comment names lints only; a line elsewhere does not cover another line.
    const elsewhere = `${source}\n// nnc-allow NN5002`;
    expect(lint(elsewhere).found.map(([c]) => c)).toEqual(["NN5002", "NN5003"]);
  });

  it("nnc check --allow/--deny, and a one-line error for a code that is not a lint", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnc-lints-"));
    const file = join(dir, "m.nn");
    writeFileSync(file, source);
    expect(nnc(["check", file]).status).toBe(0);
    const denied = nnc(["check", "--deny", "warnings", "--allow", "NN5002", file]);
    expect(denied.status).toBe(1);
    expect(denied.stdout).toContain("error NN5003");
    expect(denied.stdout).not.toContain("NN5002");
    const bad = nnc(["check", "--allow", "NN2001", file]);
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split("\n")).toHaveLength(1);
    expect(nnc(["check", "--allow", "NN5099", file]).stderr).toContain("did you mean");
  });
});

describe("assert and expect", () => {
  const model = (lines: string) =>
    `model M {\n  input x: [28, 28, 1]\n  conv1 = x -> conv2d(32, 3, activation: relu)\n  flatten()\n  dense(10, activation: softmax)\n${lines}}`;

  it("hold quietly when true", () => {
    const { found } = lint(
      model(
        "  expect conv1: [26, 26, 32]\n  expect params == 216_650\n  assert params <= 216_650\n  assert trainable_params > 1000\n" +
          "  expect non_trainable_params == 0\n  assert macs < 600_000_000\n  expect dense: [10]\n",
      ),
    );
    expect(found).toEqual([]);
  });

  it("a failed one is an error at the statement, with the actual figure", () => {
    const { result, found, marks } = lint(model("  <|assert params < 30_000|>\n  expect conv1: <|[24, 24, 32]|>\n"));
    expect(found).toEqual([
      ["NN3008", marks[0]],
      ["NN3009", marks[1]],
    ]);
    expect(result.diagnostics[0]!.message).toBe("params is 216,650, expected < 30,000");
    expect(result.diagnostics[1]!.message).toBe("'conv1' has shape [26, 26, 32], expected [24, 24, 32]");
  });

  it("an unknown figure or tensor is an error with a suggestion", () => {
    const { result, found, marks } = lint(
      model("  assert <|parms|> < 3\n  expect <|conv2|>: [1]\n  expect <|conv1|> == 3\n"),
    );
    expect(found).toEqual([
      ["NN2022", marks[0]],
      ["NN2002", marks[1]],
      ["NN2022", marks[2]],
    ]);
    expect(result.diagnostics.map((d) => d.hint)).toEqual([
      "did you mean 'params'?",
      "did you mean 'conv1'?",
      "to check the shape of 'conv1', write expect conv1: [...]",
    ]);
  });

  it("macs of a model with a symbolic size is not available", () => {
    const { found, marks } = lint("model M {\n  input x: [seq, 4]\n  lstm(8)\n  assert <|macs|> < 10\n}");
    expect(found).toEqual([["NN2023", marks[0]]]);
  });

  it("assert and expect stay usable as names", () => {
    const { result } = lint(
      "block expect(n)(x) {\n  return x -> dense(n, activation: relu)\n}\nmodel M {\n  input assert: [4]\n" +
        "  expect = assert -> expect(3)\n  output expect\n}",
    );
    expect(result.diagnostics).toEqual([]);
    expect(result.program?.models[0]?.outputs).toHaveLength(1);
  });

  it("are not allowed in a block, and are skipped when the model has other errors", () => {
    const inBlock = lint("block b()(x) {\n  <|assert|> params < 3\n  return x\n}\nmodel M {\n  input x: [4]\n  b()\n}");
    expect(inBlock.found).toEqual([["NN2021", inBlock.marks[0]]]);
    const broken = lint("model M {\n  input x: [4]\n  dens(3)\n  assert params < 1\n}");
    expect(broken.found.map(([c]) => c)).toEqual(["NN2001"]);
  });
});
