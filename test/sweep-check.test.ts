/**
 * The `sweep` declaration as `nnc check` reads it (check/sweep.ts, check/sweep-space.ts, sweep/names.ts): each
 * problem a located diagnostic (code and marked span), and a valid sweep's IrSweep.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { marked } from "./helpers/marked.js";

const file = join(import.meta.dirname, "sweep.nn");

const model = `model Net(units = 16, rate = 0.2) {
  input x: [4]
  dense(units, activation: relu)
  dropout(rate)
  dense(3, activation: softmax)
}
`;
const train = `train Net {
  data: csv("iris.csv", label: "species")
  loss: categorical_crossentropy
  optimizer: adam(learning_rate: 1e-3)
  metrics: [accuracy]
  epochs: 2
  batch_size: 8
  validation_split: 0.2
}
`;

/** Every diagnostic of `source` (markers removed) as code and span, with the marked spans. */
function check(source: string) {
  const { text, spans } = marked(source);
  const result = checkSource(text, file);
  return { found: result.diagnostics.map((d) => ({ code: d.code, span: d.span })), spans, result };
}

/** Expects exactly one diagnostic, `code`, at the one marked span. */
function expectOne(source: string, code: string) {
  const { found, spans } = check(source);
  expect(found).toEqual([{ code, span: spans[0] }]);
}

const sweepOf = (body: string) => `${model}${train}sweep Net {\n${body}\n}\n`;

describe("a valid sweep", () => {
  it("becomes an IrSweep with every setting and the defaults", () => {
    const { result } = check(
      sweepOf(`  space: {
    units: choice([8, 16, relu_units]),
    rate: uniform(0.0, 0.5),
    "optimizer.learning_rate": log_uniform(1e-4, 1e-2),
    epochs: int_range(1, 5, step: 2),
  }
  objective: maximize(val_accuracy)
  sampler: tpe(trials: 20)
  pruner: median
  assert params < 1_000_000`),
    );
    expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const sweep = result.program!.sweeps![0]!;
    expect({ ...sweep, location: undefined, params: sweep.params.map((p) => [p.name, p.distribution]) }).toEqual({
      model: "Net",
      name: "Net-sweep",
      params: [
        ["units", { kind: "choice", values: ["8", "16", "relu_units"] }],
        ["rate", { kind: "uniform", low: 0, high: 0.5 }],
        ["optimizer.learning_rate", { kind: "log_uniform", low: 1e-4, high: 1e-2 }],
        ["epochs", { kind: "int_range", low: 1, high: 5, step: 2, log: false }],
      ],
      objective: { metric: "val_accuracy", direction: "maximize" },
      sampler: { kind: "tpe", trials: 20, startup: 10 },
      pruner: { kind: "median", warmupEpochs: 1, minTrials: 3 },
      seed: 0,
      parallel: 1,
      budgets: [{ subject: "params", op: "<", value: 1_000_000, location: expect.anything() }],
      location: undefined,
    });
  });

  it("defaults to a grid, no pruner, seed 0 and one trial at a time", () => {
    const { result } = check(sweepOf(`  space: { units: choice([8, 16]) }\n  objective: minimize(loss)`));
    expect(result.diagnostics).toEqual([]);
    const sweep = result.program!.sweeps![0]!;
    expect([sweep.sampler, sweep.pruner, sweep.seed, sweep.parallel]).toEqual([
      { kind: "grid" },
      { kind: "none" },
      0,
      1,
    ]);
  });

  it("makes `sweep Net` an occurrence of the model, as `train Net` is", async () => {
    const { parse } = await import("../src/compiler/syntax/index.js");
    const { bindFile, Workspace, fileSystemHost } = await import("../src/compiler/bind/index.js");
    const text = sweepOf(`  space: { units: choice([8, 16]) }\n  objective: minimize(loss)`);
    const workspace = new Workspace(fileSystemHost, parse);
    const source = workspace.add(file, text);
    const binding = bindFile(source, workspace.namespaceOf(source));
    const at = text.lastIndexOf("sweep Net") + "sweep ".length;
    const occurrence = binding.occurrenceAt(at)!;
    expect(occurrence.symbol.kind).toBe("model");
    expect(binding.referencesOf(occurrence.symbol)).toHaveLength(3);
  });
});

describe("sweep diagnostics, each at its span", () => {
  const space = `  space: { units: choice([8, 16]) }`;
  const objective = `  objective: minimize(val_loss)`;

  it("NN2009: an unknown model", () => {
    expectOne(`${model}${train}sweep <|Nte|> {\n${space}\n${objective}\n}\n`, "NN2009");
  });
  it("NN4073: a model no train block trains", () => {
    expectOne(`${model}sweep <|Net|> {\n${space}\n${objective}\n}\n`, "NN4073");
  });
  it("NN4079: a second sweep of one model", () => {
    expectOne(sweepOf(`${space}\n${objective}`) + `sweep <|Net|> {\n${space}\n${objective}\n}\n`, "NN4079");
  });
  it("NN4070: an unknown setting", () => {
    expectOne(sweepOf(`${space}\n${objective}\n  <|trials|>: 3`), "NN4070");
  });
  it("NN1001 only for a space key written twice", () => {
    expectOne(sweepOf(`  space: { units: choice([8]), <|units|>: choice([16]) }\n${objective}`), "NN1001");
  });
  it("NN4070 only for a misspelled required key, not NN4071 too", () => {
    expectOne(`${model}${train}sweep Net {\n${space}\n  <|objectve|>: minimize(val_loss)\n}\n`, "NN4070");
  });
  it("NN4071: a missing space or objective, at the model's name", () => {
    expectOne(`${model}${train}sweep <|Net|> {\n${space}\n}\n`, "NN4071");
  });
  it("NN4072: a setting twice, a bad integer, a space that is no map, an objective that is no call", () => {
    expectOne(sweepOf(`${space}\n${objective}\n  seed: 1\n  <|seed|>: 2`), "NN4072");
    expectOne(sweepOf(`${space}\n${objective}\n  parallel: <|0|>`), "NN4072");
    expectOne(sweepOf(`  space: <|[units]|>\n${objective}`), "NN4072");
    expectOne(sweepOf(`${space}\n  objective: <|val_loss|>`), "NN4072");
  });
  it("NN4004: an unknown sampler or pruner; NN2003 an unknown argument", () => {
    expectOne(sweepOf(`${space}\n${objective}\n  sampler: <|bayes|>(trials: 3)`), "NN4004");
    expectOne(sweepOf(`${space}\n${objective}\n  pruner: <|hyperband|>`), "NN4004");
    expectOne(sweepOf(`${space}\n${objective}\n  sampler: tpe(trials: 9, <|warmup|>: 3)`), "NN2003");
  });
  it("NN4075: distributions that are not, or whose bounds make none", () => {
    expectOne(sweepOf(`  space: { units: <|64|> }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: <|choise|>([8]) }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: <|int_range(8, 8)|> }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: <|int_range(1.5, 8)|> }\n${objective}`), "NN4075");
    expectOne(
      sweepOf(`  space: { rate: <|log_uniform(0, 1)|> }\n  sampler: random(trials: 3)\n${objective}`),
      "NN4075",
    );
    expectOne(sweepOf(`  space: { units: choice(<|[]|>) }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: choice([8, <|8|>]) }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: choice([8, <|8.0|>]) }\n${objective}`), "NN4075");
    expectOne(sweepOf(`  space: { units: choice([1, <|01|>]) }\n${objective}`), "NN4075");
    // A log scale takes no step (R13): its skipped numbers' shares would go unevenly to their neighbours.
    expectOne(sweepOf(`  space: { units: int_range(2, 64, <|step: 4|>, log: true) }\n${objective}`), "NN4075");
    expect(check(sweepOf(`  space: { units: int_range(2, 64, step: 1, log: true) }\n${objective}`)).found).toEqual([]);
  });
  it("NN4076: a continuous distribution in a grid", () => {
    expectOne(sweepOf(`  space: { rate: <|uniform|>(0.1, 0.5) }\n${objective}`), "NN4076");
    // A wrong bound is wrong with any sampler: it is the error reported.
    expectOne(sweepOf(`  space: { rate: <|log_uniform(0, 0.1)|> }\n${objective}`), "NN4075");
  });
  it("NN4077: past the limits of a grid, trials, a choice and parallel", () => {
    expectOne(
      sweepOf(
        `  space: <|{ units: int_range(1, 200), rate: choice([0.1, 0.2, 0.3, 0.4, 0.5, 0.6]), epochs: int_range(1, 9) }|>\n${objective}`,
      ),
      "NN4077",
    );
    // Every count with its thousands separated, not 4000000 x 2 = 8,000,000 (R15).
    const huge = check(sweepOf(`  space: { units: int_range(1, 4_000_000), epochs: int_range(1, 2) }\n${objective}`));
    expect(huge.result.diagnostics.map((d) => d.message)).toEqual([
      "a grid of 4,000,000 x 2 = 8,000,000 configurations: more than the 10,000 a sweep takes",
    ]);
    expectOne(sweepOf(`${space}\n${objective}\n  sampler: random(trials: <|10_001|>)`), "NN4077");
    const values = Array.from({ length: 1001 }, (_, i) => i + 1).join(", ");
    expectOne(sweepOf(`  space: { units: choice(<|[${values}]|>) }\n${objective}`), "NN4077");
    expectOne(sweepOf(`${space}\n${objective}\n  parallel: <|65|>`), "NN4077");
  });
  it("NN4078: an objective the history will not have", () => {
    expectOne(sweepOf(`${space}\n  objective: maximize(<|val_auc|>)`), "NN4078");
    const noValidation = train.replace("  validation_split: 0.2\n", "");
    expectOne(`${model}${noValidation}sweep Net {\n${space}\n  objective: minimize(<|val_loss|>)\n}\n`, "NN4078");
  });
  it("NN2022: a budget of a shape or of no figure", () => {
    expectOne(sweepOf(`${space}\n${objective}\n  assert <|paramz|> < 10`), "NN2022");
    expectOne(sweepOf(`${space}\n${objective}\n  assert <|dense|>: [4]`), "NN2022");
  });
  it("NN2036: a space key --set does not take, at the key; NN4072 for one thing set under two names", () => {
    expectOne(sweepOf(`  space: { <|unit|>: choice([8, 16]) }\n${objective}`), "NN2036");
    expectOne(sweepOf(`  space: { units: choice([8]), <|"Net.units"|>: choice([16]) }\n${objective}`), "NN4072");
  });
});

describe("syntax errors of a sweep, at the token", () => {
  it("NN1001: `sweep Net` without its `{` says so, as `train Net` does", () => {
    const { result, spans } = check(`${model}${train}sweep Net<||>`);
    const errors = result.diagnostics.filter((d) => d.code === "NN1001");
    expect(errors.map((d) => [d.span, d.message])).toEqual([[spans[0], "expected '{' but found the end of the file"]]);
  });
  it("NN1001: an unexpected word at the top level is shown at the word, with sweep among what may start there", () => {
    const { result, spans } = check(`${model}<|swep|> Net {\n}\n`);
    const first = result.diagnostics[0]!;
    expect([first.code, first.span]).toEqual(["NN1001", spans[0]]);
    expect(first.message).toContain("'sweep'");
  });
  it("NN1001: an unfinished `assert` is reported at the next line's token, not after its own", () => {
    const { found, spans } = check(
      sweepOf(
        `  space: { units: choice([8, 16]) }\n  objective: minimize(val_loss)\n  assert params\n  <|assert|> params < 5`,
      ),
    );
    expect(found.filter((d) => d.code === "NN1001")).toEqual([{ code: "NN1001", span: spans[0] }]);
  });
});

describe("quoted keys of a sweep or train block", () => {
  it("NN1001: one error at each quoted key, read as the name it spells, with nothing else", () => {
    const { found, spans, result } = check(
      `${model}${train.replace("  epochs: 2", '  <|"epochs"|>: 2')}sweep Net {\n` +
        `  <|"space"|>: { "units": choice([8, 16]) }\n  <|"objective"|>: minimize(val_loss)\n}\n`,
    );
    expect(found).toEqual(spans.map((span) => ({ code: "NN1001", span })));
    expect(result.diagnostics[1]!.hint).toBe("write space: (the keys of the map inside may stay quoted)");
  });
});
