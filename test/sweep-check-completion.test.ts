/**
 * The language server's completion inside a `sweep` (src/lsp/completion.ts), read from the table of sweep keys:
 * keys where a setting starts, samplers and pruners after their key, distributions in `space:`, argument names
 * inside a sampler's call. In process, on the same Analysis the server makes.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Analysis } from "../src/lsp/analysis.js";
import { complete } from "../src/lsp/completion.js";
import { fileSystemHost } from "../src/compiler/bind/workspace.js";
import { sweepKeys } from "../src/compiler/registry/sweep-keys.js";

const source = `model Net(units = 16) {
  input x: [4]
  dense(units, activation: relu)
  dense(3, activation: softmax)
}
train Net { data: csv("iris.csv", label: "species")  loss: categorical_crossentropy  optimizer: adam  epochs: 2  batch_size: 8 }
sweep Net {
  space: {
    units: <|>
  }
  <|>
  sampler: <|>
  pruner: median(<|>)
  objective: <|>
}
`;

function labelsAt(): string[][] {
  const offsets: number[] = [];
  let text = source;
  for (let at = text.indexOf("<|>"); at >= 0; at = text.indexOf("<|>")) {
    offsets.push(at);
    text = text.slice(0, at) + text.slice(at + 3);
  }
  const analysis = new Analysis(join(import.meta.dirname, "sweep.nn"), text, fileSystemHost);
  return offsets.map((offset) => complete(analysis, offset).map((item) => item.label));
}

describe("completion in a sweep", () => {
  const [distribution, key, sampler, prunerArgs, objective] = labelsAt();

  it("offers the distributions after a name in space:", () => {
    expect(distribution).toEqual(["choice", "int_range", "uniform", "log_uniform"]);
  });
  it("offers every key of the table and assert where a setting starts", () => {
    expect(key).toEqual(expect.arrayContaining([...sweepKeys.map((k) => k.name), "assert"]));
    expect(key).not.toContain("epochs");
  });
  it("offers the samplers, the pruner's arguments and the objective's directions", () => {
    expect(sampler).toEqual(["grid", "random", "tpe"]);
    expect(prunerArgs).toEqual(["warmup", "min_trials"]);
    expect(objective).toEqual(["minimize", "maximize"]);
  });
});
