/**
 * Random two-file workspaces for the rename property (test/lsp/rename-property.test.ts), written down with
 * what every name in them means. `lib.nn` defines blocks (parameters with and without defaults, one or two
 * inputs, calling earlier blocks, `repeat` over a parameter) and sometimes a model; `main.nn` imports some of
 * them, defines its own (some never called, some named as a block of lib.nn it does not import), models
 * (rebound tensors, merges, `repeat`, `output`, `assert`/`expect` with the shape each tensor has or a wrong
 * one on purpose), train blocks, sometimes a model of the differential tester's generator
 * (test/differential/generate.ts), and now and then a mistake: an unknown tensor or layer, a statement where
 * it is not allowed.
 *
 * The generator records, for each name it writes, the symbol it means: `t:` a tensor of one body (every
 * binding and use of one name in one body), `p:` a block parameter (with the argument names of its calls),
 * `b:` a block (its calls and imports in every file), `m:` a model (with its train blocks). A rename must edit
 * exactly the places of one key. `optional` places may go either way (a subject of `expect` in a block, where
 * it is not allowed); `loose` names (unknown ones) have no meaning to hold a rename to.
 */
import fc from "fast-check";
import { Identifier, nnLexer } from "../../grammar/tokens.js";
import { modelArbitrary } from "../differential/generate.js";
import { printModel } from "../differential/print.js";
import {
  Body,
  chance,
  fixed,
  int,
  pick,
  pools,
  Writer,
  type BlockDesc,
  type Gen,
  type NamePlace,
} from "./rename-bodies.js";

export { pools, type NamePlace, type Role } from "./rename-bodies.js";

export interface RandomWorkspace {
  /** File name (`lib.nn`, `main.nn`) to text. */
  readonly files: Readonly<Record<string, string>>;
  readonly places: readonly NamePlace[];
}

/** `block NAME(PARAMS)(INPUTS) { ... }`; returns what a call needs to know. */
function writeBlock(g: Gen, w: Writer, name: string, blocks: readonly BlockDesc[], mistakes: boolean): BlockDesc {
  const key = `b:${w.file}:${name}`;
  const inputs = chance(g, 25) ? ["u", "v"] : [pick(g, ["x", "u"])];
  const paramNames = pools.params.slice(0, int(g, 1, 2));
  const params = paramNames.map((p, i) => ({
    name: p,
    key: `p:${key}:${p}`,
    ...(i > 0 || chance(g, 30) ? { default: int(g, 1, 4) } : {}),
  }));
  w.put("block ");
  w.name(name, key);
  w.put("(");
  params.forEach((p, i) => {
    w.put(i > 0 ? ", " : "");
    w.name(p.name, p.key);
    if (p.default !== undefined) w.put(` = ${p.default}`);
  });
  w.put(")(");
  const body = new Body(g, w, `${w.file}:${name}`, blocks, true);
  for (const p of params) body.params.set(p.name, p.key);
  inputs.forEach((input, i) => {
    w.put(i > 0 ? ", " : "");
    body.tensor(input);
    body.scope.set(input, (_, widths) => widths[i]!);
  });
  if (inputs.length === 1) body.current = body.scope.get(inputs[0]!)!;
  w.put(") {\n");
  for (let i = int(g, 1, 3); i > 0; i--) body.statement("  ");
  if (mistakes && chance(g, 15)) body.mistake("  ");
  w.put("  return ");
  const last = pick(g, [...body.scope.keys()]);
  body.tensor(last);
  let result = body.scope.get(last)!;
  if (chance(g, 30)) result = body.steps(result, 1, true);
  w.put("\n}\n\n");
  return { name, key, params, inputs: inputs.length, result };
}

/** `model NAME { ... }`: inputs, statements, assertions, maybe outputs and a mistake. */
function writeModel(g: Gen, w: Writer, name: string, blocks: readonly BlockDesc[], mistakes: boolean): void {
  w.put("model ");
  w.name(name, `m:${w.file}:${name}`);
  w.put(" {\n");
  const body = new Body(g, w, `${w.file}:${name}`, blocks, false);
  const inputs = pools.inputs.slice(0, chance(g, 70) ? 1 : 2);
  for (const input of inputs) {
    const width = int(g, 1, 8);
    w.put("  input ");
    body.tensor(input);
    w.put(`: [${width}]\n`);
    body.scope.set(input, fixed(width));
  }
  if (inputs.length === 1) body.current = body.scope.get(inputs[0]!)!;
  // A layer named like a tensor bound later: an `expect` above that binding names the layer, not the tensor.
  let layerName = chance(g, 15);
  for (let i = int(g, 1, 6); i > 0; i--) {
    body.statement("  ");
    const free = pools.tensors.filter((n) => !body.scope.has(n));
    if (layerName && body.current !== null && free.length > 0) {
      layerName = false;
      const name = pick(g, free);
      const width = int(g, 1, 8);
      w.put(`  dense(${width}, name: "${name}")\n  expect ${name}: [${width}]\n`);
      body.current = fixed(width);
    }
    if (chance(g, 30)) {
      // `expect T: [width]`, right or (sometimes) wrong.
      const names = [...body.scope.keys()];
      const t = pick(g, names);
      w.put(`  ${pick(g, ["expect", "assert"])} `);
      body.tensor(t);
      const width = body.scope.get(t)!({}, []);
      w.put(`: [${chance(g, 85) ? width : width + 1}]\n`);
    }
  }
  if (mistakes && chance(g, 20)) body.mistake("  ");
  if (chance(g, 40))
    w.put(
      `  ${pick(g, ["assert params < 100_000", "assert params < 3", "expect trainable_params >= 0", "assert macs < 1_000_000"])}\n`,
    );
  const named = [...body.scope.keys()];
  if (chance(g, 40)) {
    w.put("  output ");
    body.tensor(pick(g, named));
    if (named.length > 1 && chance(g, 40)) {
      w.put(", ");
      body.tensor(pick(g, named));
    }
    w.put("\n");
  }
  w.put("}\n\n");
}

function writeTrain(w: Writer, model: string): void {
  w.put("train ");
  w.name(model, `m:${w.file}:${model}`);
  w.put(' {\n  data: csv("d.csv", label: "y")\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n\n');
}

/**
 * A differential model (its block `blk0` called `dblk`, the model `Diff`), with the places of its tensors,
 * its block and its block's parameter found by their spelling: that generator names tensors `in0`, `t1`,
 * `e2`, `h3` and `x`, its block's parameter `p`.
 */
function writeDifferential(g: Gen, w: Writer): void {
  const printed = printModel(g(() => modelArbitrary))
    .text.replace(/\bblk0\b/g, "dblk")
    .replace("model M {", "model Diff {");
  const base = w.text.length;
  w.put(printed + "\n");
  const tokens = nnLexer.tokenize(printed).tokens;
  let decl = "";
  tokens.forEach((token, i) => {
    const image = token.image;
    if (image === "block" || image === "model") decl = tokens[i + 1]?.image ?? "";
    if (token.tokenType !== Identifier) return;
    const next = tokens[i + 1]?.image;
    const at = {
      file: w.file,
      start: base + token.startOffset,
      end: base + token.startOffset + image.length,
      role: "required" as const,
    };
    let key: string | null = null;
    if (image === "dblk") key = `b:${w.file}:dblk`;
    else if (image === "Diff") key = `m:${w.file}:Diff`;
    else if (image === "p" && (decl === "dblk" || next === ":")) key = `p:b:${w.file}:dblk:p`;
    else if (/^(in|t|e|h)\d+$|^x$/.test(image)) key = `t:${w.file}:${decl}:${image}`;
    if (key !== null) w.places.push({ ...at, key });
  });
}

/** A random workspace; `mistakes` lets it hold mistakes (unknown names, misplaced statements). */
export const workspaceArbitrary: fc.Arbitrary<RandomWorkspace> = fc.gen().map((g) => {
  const places: NamePlace[] = [];
  const mistakes = chance(g, 30);
  // Each file draws its own names: main.nn may define a block of the name of one of lib.nn's that it does
  // not import, or a model of the name of lib.nn's model; those are other symbols.
  const blockNames: string[] = [...pools.blocks];
  let modelNames: string[] = [...pools.models];
  const take = (names: string[]) => names.splice(int(g, 0, names.length - 1), 1)[0]!;

  const lib = new Writer("lib.nn", places);
  lib.put("// blocks shared by main.nn\n");
  const libBlocks: BlockDesc[] = [];
  for (let i = int(g, 1, 3); i > 0; i--) libBlocks.push(writeBlock(g, lib, take(blockNames), libBlocks, mistakes));
  if (chance(g, 30)) writeModel(g, lib, take(modelNames), libBlocks, mistakes);

  const main = new Writer("main.nn", places);
  const imported = libBlocks.filter(() => chance(g, 70));
  if (imported.length > 0) {
    main.put("import { ");
    imported.forEach((b, i) => {
      main.put(i > 0 ? ", " : "");
      main.name(b.name, b.key);
    });
    main.put(' } from "./lib.nn"\n\n');
  }
  const mainBlocks: BlockDesc[] = [...imported];
  blockNames.push(...libBlocks.filter((b) => !imported.includes(b)).map((b) => b.name));
  modelNames = [...pools.models];
  for (let i = int(g, 0, 2); i > 0; i--) mainBlocks.push(writeBlock(g, main, take(blockNames), mainBlocks, mistakes));
  const models: string[] = [];
  for (let i = int(g, 1, 3); i > 0; i--) {
    const name = take(modelNames);
    models.push(name);
    writeModel(g, main, name, mainBlocks, mistakes);
  }
  for (const model of models) if (chance(g, 25)) writeTrain(main, model);
  if (chance(g, 30)) writeDifferential(g, main);
  const files = { "lib.nn": lib.text, "main.nn": main.text };
  // A failing case prints as the files, not as the list of places.
  return {
    files,
    places,
    [fc.toStringMethod]: () =>
      Object.entries(files)
        .map(([n, t]) => `--- ${n}\n${t}`)
        .join(""),
  };
});
