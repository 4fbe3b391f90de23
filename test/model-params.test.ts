/**
 * Model parameters (`model Net(units = 128, depth = 2) { ... }`): each default is the value the body sees,
 * in layer arguments, repeat counts and input shapes; a parameter without one is NN2031 and nothing else;
 * the binder resolves each use to the parameter, so the language server renames and finds it; the formatter
 * keeps the header.
 */
import { describe, expect, it } from "vitest";
import { bindFile } from "../src/compiler/bind/index.js";
import { Workspace, type SourceHost } from "../src/compiler/bind/workspace.js";
import { checkSource } from "../src/compiler/index.js";
import { formatSource } from "../src/compiler/format/index.js";
import { marked } from "./helpers/marked.js";

const net = `model Net(units = 16, depth = 3, width = 2 * 4) {
  input x: [width]
  repeat depth {
    dense(units, activation: relu)
  }
  dense(3, activation: softmax)
}
`;

describe("model parameters", () => {
  it("give the body their defaults: layer arguments, repeat counts, input shapes", () => {
    const { program, diagnostics } = checkSource(net, "/tmp/net.nn");
    expect(diagnostics).toEqual([]);
    const model = program!.models[0]!;
    expect(model.inputs[0]!.shape).toEqual([8]);
    expect(model.layers.map((l) => l.outputShapes)).toEqual([[[16]], [[16]], [[16]], [[3]]]);
  });

  it("without a default are NN2031 at the name, with no error from their uses", () => {
    const { text, spans } = marked("model Net(<|units|>, depth = 1) {\n  input x: [4]\n  dense(units)\n}\n");
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.map((d) => [d.code, text.slice(d.span.start, d.span.end)])).toEqual([
      ["NN2031", text.slice(spans[0]!.start, spans[0]!.end)],
    ]);
    expect(diagnostics[0]!.hint).toContain("--set units=");
  });

  it("declared twice are NN2008 at the second", () => {
    const { text, spans } = marked("model Net(units = 4, <|units|> = 8) {\n  input x: [4]\n  dense(units)\n}\n");
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.map((d) => [d.code, d.span])).toEqual([["NN2008", spans[0]]]);
  });

  it("with a default that is not a value report it there", () => {
    const { text, spans } = marked("model Net(units = <|4 / 0|>) {\n  input x: [4]\n  dense(units)\n}\n");
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.map((d) => d.span)).toContainEqual(spans[0]);
  });

  it.each([
    ["an input", "model M(<|x|> = 3) {\n  input x: [4]\n  x -> dense(x)\n}\n"],
    ["a tensor bound below", "model M(<|h|> = 3) {\n  input x: [4]\n  h = x -> dense(h)\n  h -> dense(2)\n}\n"],
    ["an activation", "model M(<|relu|> = 3) {\n  input x: [4]\n  x -> dense(4, activation: relu)\n}\n"],
    [
      "a block's tensor and padding",
      "block b(<|h|> = 2, <|same|> = 1)(x) {\n  h = x -> conv1d(4, 3, padding: same)\n  return dense(h)\n}\n" +
        "model M {\n  input x: [8, 2]\n  x -> b()\n}\n",
    ],
  ])("named like %s are NN2043 at the parameter, with nothing at the uses", (_, source) => {
    const { text, spans } = marked(source);
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.filter((d) => d.severity === "error").map((d) => [d.code, d.span])).toEqual(
      spans.map((span) => ["NN2043", span]),
    );
  });

  it("may end with a comma, a model's and a block's, as a call's arguments may", () => {
    const text =
      "block b(k = 1,)(x) {\n  return x -> dense(k)\n}\n" +
      "model Net(\n  units = 16, // width\n  depth = 2,\n) {\n  input x: [4]\n  repeat depth { dense(units, activation: relu) }\n  b()\n}\n";
    const { program, diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics).toEqual([]);
    expect(program!.models[0]!.layers.map((l) => l.outputShapes)).toEqual([[[16]], [[16]], [[1]]]);
  });

  it("may use the parameters declared before them in a default, evaluated in order", () => {
    const { program, diagnostics } = checkSource(
      "model Net(n = 4, k = n * 2) {\n  input x: [4]\n  dense(k)\n}\n",
      "/tmp/net.nn",
    );
    expect(diagnostics).toEqual([]);
    expect(program!.models[0]!.layers[0]!.outputShapes).toEqual([[8]]);
  });

  it("with a default that uses itself or a later parameter are NN2044 at that name, and nothing else", () => {
    for (const header of ["k = <|n|> * 2, n = 4", "k = [<|k|>]"]) {
      const { text, spans } = marked(`model Net(${header}) {\n  input x: [4]\n  dense(k)\n}\n`);
      const { diagnostics } = checkSource(text, "/tmp/net.nn");
      expect(diagnostics.map((d) => [d.code, d.span])).toEqual([["NN2044", spans[0]]]);
    }
  });

  it("with a default the parser could not read get its syntax error only, not one at each use", () => {
    const { text, spans } = marked("model Net(units = <|)|> {\n  input x: [4]\n  dense(units)\n}\n");
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.map((d) => [d.code, d.span])).toEqual([["NN1001", spans[0]]]);
  });

  it("are not arguments of a model call: NN2003 at the name, with a hint that says what to do instead", () => {
    const { text, spans } = marked(
      "model Inner(units = 8) {\n  input x: [4]\n  dense(units)\n}\nmodel Outer {\n  input x: [4]\n  x -> Inner(<|units|>: 4)\n}\n",
    );
    const { diagnostics } = checkSource(text, "/tmp/net.nn");
    expect(diagnostics.map((d) => [d.code, d.span])).toEqual([["NN2003", spans[0]]]);
    expect(diagnostics[0]!.hint).toContain("--set Inner.units=");
  });

  it("are one symbol with their uses, as block parameters are", () => {
    const host: SourceHost = { readFile: () => undefined };
    const workspace = new Workspace(host);
    const source = workspace.add("/tmp/net.nn", net);
    const binding = bindFile(source, workspace.namespaceOf(source));
    const at = net.indexOf("units");
    const param = binding.occurrenceAt(at)!;
    expect(param.symbol.kind).toBe("param");
    const uses = binding.referencesOf(param.symbol).map((o) => net.slice(o.span.start, o.span.end));
    expect(uses).toEqual(["units", "units"]);
  });

  it("keep their header through the formatter", () => {
    const formatted = formatSource(
      "model Net(units=16,depth = 3) {\n  input x: [4]\n  repeat depth { dense(units) }\n}\n",
      "n.nn",
    );
    expect(formatted.value).toBe(
      "model Net(units = 16, depth = 3) {\n  input x: [4]\n  repeat depth {\n    dense(units)\n  }\n}\n",
    );
  });
});
