/**
 * The language server on model parameters and sweeps (issue 15): hover of a parameter, the sweep in the
 * outline, completion of settable names in `space:`, of figures in `minimize(`, and nothing in `choice([`.
 * In process, on the same Analysis the server makes.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Analysis } from "../../src/lsp/analysis.js";
import { complete } from "../../src/lsp/completion.js";
import { hover } from "../../src/lsp/hover.js";
import { documentSymbols } from "../../src/lsp/outline.js";
import { spaceKeySpans } from "../../src/lsp/model-params.js";
import { fileSystemHost } from "../../src/compiler/bind/workspace.js";

const source = `block stack(width = 8)(x) {
  return x -> dense(wid<|>th)
}
model Net(un<|>its = 16, rate = 0.5) {
  input x: [4]
  dense(units, activation: relu)
  stack()
  dense(3, activation: softmax)
}
train Net { data: csv("iris.csv", label: "species")  loss: categorical_crossentropy  optimizer: adam(learning_rate: 0.01)  epochs: 2  batch_size: 8  validation_split: 0.2 }
sweep Net {
  space: {
    units: choice([<|>]),
    "stack.wid<|>th": choice([4, 8]),
    <|>
  }
  objective: minimize(<|>)
}
`;

const at: number[] = [];
let text = source;
for (let i = text.indexOf("<|>"); i >= 0; i = text.indexOf("<|>")) {
  at.push(i);
  text = text.slice(0, i) + text.slice(i + 3);
}
const analysis = new Analysis(join(import.meta.dirname, "sweep-editor.nn"), text, fileSystemHost);
const labels = (i: number) => complete(analysis, at[i]!).map((item) => item.label);
const hovered = (i: number) => (hover(analysis, at[i]!)?.contents as { value: string } | undefined)?.value;

describe("the language server on model parameters and sweeps", () => {
  it("hovers a model parameter and a block parameter as what they are, with their defaults", () => {
    expect(hovered(1)).toBe("model parameter **units** of model `Net`, default `16`");
    expect(hovered(0)).toBe("block parameter **width** of block `stack`, default `8`");
  });

  it("hovers a sweep's space: key as the parameter it sets, and finds it among the parameter's references", () => {
    expect(hovered(3)).toBe("block parameter **width** of block `stack`, default `8`");
    const width = analysis.semantic.binding.occurrenceAt(at[0]!)!.symbol;
    const key = text.indexOf('"stack.width"');
    expect(spaceKeySpans(analysis.semantic.binding, width)).toEqual([{ start: key + 7, end: key + 12 }]);
  });

  it("lists the sweep in the outline", () => {
    const symbols = documentSymbols(analysis.semantic.binding, text);
    expect(symbols.map((s) => [s.name, s.detail])).toEqual([
      ["stack", "block stack(width = …)(x)"],
      ["Net", "model"],
      ["train Net", "train"],
      ["sweep Net", "sweep"],
    ]);
    const sweep = symbols[3]!;
    expect(sweep.range.start).toEqual({ line: 10, character: 0 });
    expect(sweep.selectionRange).toEqual({ start: { line: 10, character: 6 }, end: { line: 10, character: 9 } });
  });

  it("offers no distribution inside choice([", () => {
    expect(labels(2)).toEqual([]);
  });

  it("offers the names a sweep can set where a name starts in space:, a dotted one quoted", () => {
    const items = complete(analysis, at[4]!);
    expect(items.map((item) => item.label)).toEqual(
      expect.arrayContaining(["units", "rate", "stack.width", "epochs", "optimizer.learning_rate"]),
    );
    expect(items.find((item) => item.label === "units")?.insertText).toBe("units: ");
    expect(items.find((item) => item.label === "optimizer.learning_rate")?.insertText).toBe(
      '"optimizer.learning_rate": ',
    );
  });

  it("knows a sweep whose brace is on the line after its header", () => {
    const split = text.replace("sweep Net {", "sweep Net\n{");
    const offset = split.indexOf("objective: minimize(") + "objective: minimize(".length;
    const items = complete(new Analysis(join(import.meta.dirname, "split.nn"), split, fileSystemHost), offset);
    expect(items.map((item) => item.label)).toEqual(["loss", "val_loss"]);
  });

  it("offers the figures of the train block's history in minimize(", () => {
    expect(labels(5)).toEqual(["loss", "val_loss"]);
  });
});
