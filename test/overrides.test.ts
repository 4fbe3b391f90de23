/**
 * `--set NAME=VALUE` in the compiler (src/compiler/overrides): values read with the .nn grammar and located
 * inside the argument, each kind of name, replacement and same-line insertion, problems at the argument or on
 * the spec's line, and specs rebased to another folder. Codes and spans, not wording.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFile } from "../src/compiler/index.js";
import {
  applyOverrides,
  checkFileWithOverrides,
  parseOverride,
  rebasePaths,
  resolveOverrideName,
  valueText,
  type Override,
} from "../src/compiler/overrides/index.js";
import { originalSpan } from "../src/compiler/overrides/original-offsets.js";
import { overridesVaried } from "../src/compiler/sweep/index.js";
import { parse } from "../src/compiler/syntax/index.js";
import { renderDiagnostics } from "../src/compiler/diagnostics/render.js";
import { scratchFolder } from "./helpers/runs.js";

const { dir, file: write } = scratchFolder("nnc-overrides-");
writeFileSync(join(dir, "rows.csv"), "a,b,c,d,kind\n1,2,3,4,x\n2,3,4,5,y\n");

const spec = `block residual(filters, strides = 1)(x) {
  return x -> dense(filters) -> dense(strides)
}
model Net(units = 16, width = 4, rate) {
  input x: [width]
  reshape([2, 2])
  flatten()
  dense(units, activation: relu)
  residual(8)
  dense(2, activation: softmax)
}
train Net {
  data: csv("rows.csv", label: "kind")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  loss_weights: { kind: 1 }
  epochs: 2
}
`;
const netFile = write("net.nn", spec);

/** The span of `snippet`'s first occurrence in `text`. */
function at(text: string, snippet: string) {
  const start = text.indexOf(snippet);
  expect(start).toBeGreaterThanOrEqual(0);
  return { start, end: start + snippet.length };
}

function read(argument: string): Override {
  const parsed = parseOverride(argument);
  expect(parsed.diagnostics).toEqual([]);
  return parsed.value!;
}

/** The spec with `args` applied: its text, and the codes of any problem. */
function apply(args: readonly string[], text = spec) {
  const result = applyOverrides(text, netFile, args.map(read));
  return { text: result.value, codes: result.diagnostics.map((d) => d.code), diagnostics: result.diagnostics };
}

/** The lines of `edited` that differ from `spec`'s (both must have as many lines). */
function changedLines(edited: string, original = spec): string[] {
  const before = original.split("\n");
  const after = edited.split("\n");
  expect(after.length).toBe(before.length);
  return after.filter((line, i) => line !== before[i]);
}

describe("parseOverride", () => {
  it.each(["64", "3e-4", "relu", '"text"', "[64, 64]", "sgd(learning_rate: 0.1)", "{ kind: 1, price: 0.5 }", "-2"])(
    "reads %s as one .nn value",
    (value) => {
      const override = read(`units=${value}`);
      expect(override.name).toBe("units");
      expect(override.value).toBe(value);
      expect(override.source.slice(override.valueSpan.start, override.valueSpan.end)).toBe(value);
    },
  );

  it("is NN2032 at the whole argument without '=', and at the value when it is not one value", () => {
    const missing = parseOverride("units").diagnostics;
    expect(missing.map((d) => [d.code, d.file, d.span])).toEqual([["NN2032", "--set units", { start: 6, end: 11 }]]);
    const two = parseOverride("epochs=3; batch_size: 4").diagnostics;
    expect(two.map((d) => [d.code, d.span])).toEqual([["NN2032", { start: 13, end: 29 }]]);
  });

  it("says what the shell may have done to a value that does not parse, and where a value ends early", () => {
    const unquoted = parseOverride("data.images=foo.gz").diagnostics[0]!;
    expect([unquoted.code, unquoted.hint]).toEqual([
      "NN1002",
      `a string value needs its quotes, kept from the shell: --set 'data.images="foo.gz"'`,
    ]);
    const two = parseOverride("units=64 depth=2").diagnostics[0]!;
    expect([two.code, two.hint]).toEqual(["NN1001", "one setting per --set: --set units=64 --set depth=2"]);
    const early = parseOverride("optimizer=sgd(learning_rate:").diagnostics[0]!;
    expect(early.message).not.toContain("'}'");
    const doubled = parseOverride("units==3").diagnostics;
    expect(doubled.map((d) => [d.code, d.span])).toEqual([["NN2032", { start: 12, end: 13 }]]);
  });

  it("locates a syntax error of the value inside the argument", () => {
    const [d] = parseOverride("units=[64, 64").diagnostics;
    expect(d!.code).toBe("NN1001");
    expect(d!.file).toBe("--set units=[64, 64");
    // At the value's end, where the ']' is missing.
    expect(d!.span.start).toBe("--set units=[64, 64".length);
  });
});

describe("applyOverrides", () => {
  it("replaces a model parameter's default, bare or qualified, and moves no line", () => {
    expect(changedLines(apply(["units=64"]).text)).toEqual(["model Net(units = 64, width = 4, rate) {"]);
    expect(changedLines(apply(["Net.units=64"]).text)).toEqual(["model Net(units = 64, width = 4, rate) {"]);
  });

  it("gives a model parameter without a default one (NN2031 otherwise)", () => {
    expect(changedLines(apply(["rate=0.5"]).text)).toEqual(["model Net(units = 16, width = 4, rate = 0.5) {"]);
  });

  it("replaces a block parameter's default, and refuses one without a default (NN2039)", () => {
    expect(changedLines(apply(["residual.strides=3"]).text)).toEqual(["block residual(filters, strides = 3)(x) {"]);
    expect(apply(["residual.filters=3"]).codes).toEqual(["NN2039"]);
  });

  it("replaces a train key, and inserts a missing one on the train block's first line", () => {
    expect(changedLines(apply(["epochs=5"]).text)).toEqual(["  epochs: 5"]);
    expect(changedLines(apply(["train.batch_size=8"]).text)).toEqual(["train Net { batch_size: 8;"]);
    expect(changedLines(apply(["seed=1", "shuffle=false"]).text)).toEqual(["train Net { shuffle: false; seed: 1;"]);
  });

  it.each(["train Net // note: {braces}\n{", "train Net /* { */ {"])(
    "inserts a missing train key inside the block's brace, not a brace in a comment before it (%j)",
    (header) => {
      const commented = spec.replace("train Net {", header);
      const edited = apply(["batch_size=8"], commented);
      expect(edited.codes).toEqual([]);
      expect(edited.text).toBe(commented.replace(header, `${header} batch_size: 8;`));
      expect(parse(edited.text, netFile).diagnostics).toEqual([]);
    },
  );

  it("finds a positional argument by the callable's signature, and inserts a missing named one", () => {
    expect(changedLines(apply(["optimizer.learning_rate=3e-4"]).text)).toEqual(["  optimizer: adam(3e-4)"]);
    expect(changedLines(apply(["optimizer.beta_1=0.8"]).text)).toEqual(["  optimizer: adam(0.01, beta_1: 0.8)"]);
    const bare = spec.replace("adam(0.01)", "adam");
    expect(changedLines(apply(["optimizer.beta_1=0.8"], bare).text, bare)).toEqual(["  optimizer: adam(beta_1: 0.8)"]);
    expect(changedLines(apply(["data.normalize=true"]).text)).toEqual([
      '  data: csv("rows.csv", label: "kind", normalize: true)',
    ]);
  });

  it("replaces and inserts map entries", () => {
    expect(changedLines(apply(["loss_weights.kind=2"]).text)).toEqual(["  loss_weights: { kind: 2 }"]);
    expect(changedLines(apply(["loss_weights.price=0.5"]).text)).toEqual(["  loss_weights: { kind: 1, price: 0.5 }"]);
  });

  it("applies one override at a time: a later one edits inside an earlier one's value", () => {
    const edited = apply(["optimizer=sgd(learning_rate: 0.1)", "optimizer.momentum=0.9"]);
    expect(edited.codes).toEqual([]);
    expect(changedLines(edited.text)).toEqual(["  optimizer: sgd(learning_rate: 0.1, momentum: 0.9)"]);
  });

  it("is NN2036 for an unknown name, at the argument's name, with the closest settable name", () => {
    const [d] = apply(["unitz=3"]).diagnostics;
    expect([d!.code, d!.file, d!.span]).toEqual(["NN2036", "--set unitz=3", { start: 6, end: 11 }]);
    expect(d!.hint).toContain("'units'");
    expect(apply(["optimizer.lerning_rate=1"]).diagnostics[0]!.hint).toContain("'optimizer.learning_rate'");
    expect(apply(["learning_rate=1e-3"]).diagnostics[0]!.hint).toMatch(/^did you mean 'optimizer\.learning_rate'\?/);
  });

  it("is NN2037 for a bare name that is both a model parameter and a train key", () => {
    const both = spec.replace("model Net(units = 16,", "model Net(epochs = 3, units = 16,");
    expect(apply(["epochs=4"], both).codes).toEqual(["NN2037"]);
    expect(apply(["Net.epochs=4", "train.epochs=5"], both).codes).toEqual([]);
  });

  it("is NN2038 for a name set twice, however spelled", () => {
    const result = apply(["units=3", "Net.units=4"]);
    expect(result.codes).toEqual(["NN2038"]);
    expect(result.diagnostics[0]!.file).toBe("--set Net.units=4");
  });

  it("is NN2039 for a path into a setting the block does not give", () => {
    expect(apply(["lr_schedule.decay_rate=0.5"]).codes).toEqual(["NN2039"]);
    expect(apply(["epochs.x=1"]).codes).toEqual(["NN2039"]);
  });
});

describe("resolveOverrideName", () => {
  it("answers a sweep's space key at the key's own span", () => {
    const source = parse(spec, netFile).value;
    const at = { file: netFile, span: { start: 5, end: 9 } };
    expect("found" in resolveOverrideName(source, "Net", "optimizer.learning_rate", at)).toBe(true);
    const unknown = resolveOverrideName(source, "Net", "depth", at);
    expect("diagnostic" in unknown && [unknown.diagnostic.code, unknown.diagnostic.span]).toEqual(["NN2036", at.span]);
  });
});

/** The spec made valid (a default for rate, a batch size, no per-output weights for its one output). */
const validSpec = spec.replace("rate)", "rate = 0.1)").replace("  loss_weights: { kind: 1 }\n", "  batch_size: 2\n");

describe("checkFileWithOverrides", () => {
  const valid = write("valid.nn", validSpec);

  it("checks the edited text like the file, with the file's own data paths", () => {
    const result = checkFileWithOverrides(valid, [read("units=32"), read("epochs=3")]);
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(result.program!.trains[0]!.epochs).toBe(3);
    expect(result.program!.models[0]!.layers.find((l) => l.kind === "dense")?.outputShapes[0]).toEqual([32]);
  });

  it("reports a problem inside an overridden value at its --set argument", () => {
    const epochs = read("epochs=0");
    const [d] = checkFileWithOverrides(valid, [epochs]).diagnostics;
    expect([d!.code, d!.file, d!.span]).toEqual(["NN4003", "--set epochs=0", epochs.valueSpan]);
    const rate = read("optimizer=sgd(learning_rate: -1)");
    const [bad] = checkFileWithOverrides(valid, [rate]).diagnostics;
    expect([bad!.code, bad!.file]).toEqual(["NN2005", rate.source]);
    expect(rate.source.slice(bad!.span.start, bad!.span.end)).toBe("-1");
  });

  it("reports a shape error an override causes at the layer in the spec as written, whatever the values' lengths", () => {
    const result = checkFileWithOverrides(valid, [read("units=1234567"), read("width=5")]);
    const errors = result.diagnostics.filter((d) => d.severity === "error");
    expect(errors.map((d) => [d.code, d.file, d.span])).toEqual([["NN3004", valid, at(validSpec, "[2, 2]")]]);
    expect(result.sources.get(valid)).toBe(validSpec);
  });

  it("maps a problem on the line of a longer value to its own column", () => {
    const header = "rate = 0.1) {\n  input x: [width]\n  reshape([2, 2])\n";
    const text = validSpec.replace(header, "rate = 0.1) { input x: [width]; reshape([2, 2])\n");
    const result = checkFileWithOverrides(write("one-line.nn", text), [read("units=1234567"), read("width=5")]);
    const errors = result.diagnostics.filter((e) => e.severity === "error");
    expect(errors.map((d) => [d.code, d.span])).toEqual([["NN3004", at(text, "[2, 2]")]]);
  });

  it("names a long argument's source by its first 80 characters, its text whole", () => {
    const long = read(`optimizer=sgd(learning_rate: -1, momentum: ${"0".repeat(60_000)})`);
    expect(long.source).toBe(`--set ${long.argument.slice(0, 80)}…`);
    const result = checkFileWithOverrides(valid, [long]);
    expect(result.sources.get(long.source)).toBe(`--set ${long.argument}`);
    const [d] = result.diagnostics;
    expect([d!.code, d!.file, result.sources.get(long.source)!.slice(d!.span.start, d!.span.end)]).toEqual([
      "NN2005",
      long.source,
      "-1",
    ]);
  });

  it("shows the argument's text as its source, for the renderer, its name as written", () => {
    const result = checkFileWithOverrides(valid, [read("epochs=0")]);
    expect(result.sources.get("--set epochs=0")).toBe("--set epochs=0");
    const dotted = read('data=idx(images: "a/../b", labels: 3)');
    const shown = renderDiagnostics(checkFileWithOverrides(valid, [dotted]).diagnostics, new Map(), { color: false });
    expect(shown.startsWith(`${dotted.source}:1:`)).toBe(true);
  });
});

describe("resolveOverrideName's wording", () => {
  const source = parse(spec, netFile).value;
  const at = { file: netFile, span: { start: 5, end: 9 } };
  const problem = (name: string, by?: "a space key", text = source) => {
    const resolved = resolveOverrideName(text, "Net", name, at, by);
    return "diagnostic" in resolved ? resolved.diagnostic : undefined;
  };

  it("words a space key's problems for the space, not for --set", () => {
    expect(problem("unit", "a space key")!.message).toMatch(/^a space key cannot set 'unit'/);
    expect(problem("unit", "a space key")!.hint).toContain("names a space key can set here");
    expect(problem("lr_schedule.decay_rate", "a space key")!.hint).toBe("vary it whole: a space key 'lr_schedule'");
    expect(problem("lr_schedule.decay_rate")!.hint).toBe("set it whole: --set lr_schedule=...");
  });

  it("suggests another model's parameter by its qualified name, and --model where a command has it", () => {
    const two = parse(
      `${spec}model Other(u = 4) {\n  input x: [4]\n  dense(u)\n}\ntrain Other {\n  epochs: 1\n}\n`,
      netFile,
    );
    const other = resolveOverrideName(two.value, undefined, "u", at);
    expect("diagnostic" in other && [other.diagnostic.code, other.diagnostic.hint]).toEqual([
      "NN2036",
      expect.stringMatching(/^did you mean 'Other\.u'\?/),
    ]);
    const epochs = resolveOverrideName(two.value, undefined, "epochs", at);
    expect("diagnostic" in epochs && [epochs.diagnostic.code, epochs.diagnostic.hint]).toEqual([
      "NN2039",
      expect.stringContaining("--model (trained here: Net, Other)"),
    ]);
  });
});

describe("overridesVaried", () => {
  const swept = `${spec}sweep Net {\n  space: { units: choice([8, 16]), optimizer: choice([adam, sgd]) }\n  objective: minimize(loss)\n}\n`;
  const source = parse(swept, netFile).value;
  const keyAt = (key: string) => at(swept, `${key}: choice`).start;

  it("is NN2040 at a --set of what a space key varies, however spelled, with the key as related", () => {
    const overrides = ["Net.units=4", "epochs=3", "optimizer.learning_rate=0.1"].map(read);
    const found = overridesVaried(source, "Net", overrides);
    expect(found.map((d) => [d.code, d.file, d.span, d.related?.[0]?.span.start])).toEqual([
      ["NN2040", "--set Net.units=4", overrides[0]!.nameSpan, keyAt("units")],
      ["NN2040", "--set optimizer.learning_rate=0.1", overrides[2]!.nameSpan, keyAt("optimizer")],
    ]);
  });

  it("lets a --set give a whole value whose part the space varies", () => {
    const inside = parse(
      swept.replace("optimizer: choice([adam, sgd])", '"optimizer.beta_1": choice([0.8, 0.9])'),
      netFile,
    );
    expect(overridesVaried(inside.value, "Net", [read("optimizer=adam(0.1)")])).toEqual([]);
  });
});

describe("originalSpan", () => {
  // "a = 16; b = 4" with 16 -> 1234567 (in turn, as edited text), then b's 4 -> 55.
  const edits = [
    { from: { start: 4, end: 6 }, length: 7 },
    { from: { start: 17, end: 18 }, length: 2 },
  ];

  it("maps offsets before, between and after the edits back to the text as written", () => {
    expect(originalSpan(edits, { start: 0, end: 1 })).toEqual({ start: 0, end: 1 });
    // "b" at 13 in "a = 1234567; b = 55", at 8 in "a = 16; b = 4"; the end at 19, at 13.
    expect(originalSpan(edits, { start: 13, end: 14 })).toEqual({ start: 8, end: 9 });
    expect(originalSpan(edits, { start: 19, end: 19 })).toEqual({ start: 13, end: 13 });
  });

  it("maps a span around or into an edit to one around what it replaced", () => {
    expect(originalSpan(edits, { start: 0, end: 19 })).toEqual({ start: 0, end: 13 });
    expect(originalSpan(edits, { start: 6, end: 15 })).toEqual({ start: 4, end: 10 });
  });
});

describe("rebasePaths", () => {
  it("rewrites import and data paths so the text means the same in another folder", () => {
    mkdirSync(join(dir, "lib"), { recursive: true });
    writeFileSync(join(dir, "lib", "blocks.nn"), "block twice(n = 2)(x) {\n  return x -> dense(n) -> dense(n)\n}\n");
    const main = write(
      "main.nn",
      validSpec.replace("block residual", 'import { twice } from "./lib/blocks.nn"\nblock residual'),
    );
    expect(checkFile(main).diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const target = join(dir, "runs", "sweep", "best.nn");
    const rebased = rebasePaths(readFileSync(main, "utf8"), main, target);
    expect(rebased).toContain('from "../../lib/blocks.nn"');
    expect(rebased).toContain('csv("../../rows.csv"');
    mkdirSync(join(dir, "runs", "sweep"), { recursive: true });
    writeFileSync(target, rebased);
    const moved = checkFile(target);
    expect(moved.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(moved.program!.trains[0]!.data).toEqual(checkFile(main).program!.trains[0]!.data);
  });

  it("rewrites from_run's run and a model call's weights, and leaves callbacks' run-folder paths", () => {
    const text = [
      "model Base(units = 4) {\n  input x: [4]\n  dense(units)\n}",
      'model Top {\n  input x: [4]\n  Base(weights: "runs/Base")\n}',
      'train Top { data: csv("rows.csv", label: "kind") init: from_run("runs/Base") callbacks: [csv_logger("log.csv")] }',
    ].join("\n");
    const rebased = rebasePaths(text, netFile, join(dir, "runs", "sweep", "best.nn"));
    expect(rebased).toContain('Base(weights: "../Base")');
    expect(rebased).toContain('from_run("../Base")');
    expect(rebased).toContain('csv("../../rows.csv"');
    expect(rebased).toContain('csv_logger("log.csv")');
  });

  it("leaves absolute paths as they are", () => {
    const text = spec.replace('"rows.csv"', JSON.stringify(join(dir, "rows.csv")));
    expect(rebasePaths(text, netFile, join(dir, "a", "b.nn"))).toBe(text);
  });
});

describe("valueText", () => {
  it.each([64, 3e-4, 1e21, 1e-7, -0.5, 0.1 + 0.2])("writes %s as .nn text that reads back the same", (n) => {
    const override = read(`rate=${valueText(n)}`);
    const source = parse(`model M(rate = ${override.value}) {\n}\n`, "m.nn").value;
    const decl = source.declarations[0]!;
    expect(decl.kind).toBe("model");
    const value = decl.kind === "model" ? decl.params[0]!.defaultValue! : undefined;
    const number = value?.kind === "negate" && value.operand.kind === "number" ? -value.operand.value : value;
    expect(typeof number === "number" ? number : value?.kind === "number" ? value.value : undefined).toBe(n);
  });
});
