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

export type Role = "required" | "optional" | "loose";

export interface NamePlace {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly key: string;
  readonly role: Role;
}

export interface RandomWorkspace {
  /** File name (`lib.nn`, `main.nn`) to text. */
  readonly files: Readonly<Record<string, string>>;
  readonly places: readonly NamePlace[];
}

type Gen = fc.GeneratorValue;
const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });
const chance = (g: Gen, percent: number) => int(g, 0, 99) < percent;
const pick = <T>(g: Gen, items: readonly T[]): T => items[int(g, 0, items.length - 1)]!;

/** Name pools: none is a keyword, a layer kind, an argument name, a figure or a symbol value (the test checks). */
export const pools = {
  blocks: ["stem", "mix", "tower", "proj", "trunk", "neck"],
  models: ["Net", "Classifier", "Encoder", "Tiny", "Wide"],
  params: ["width", "depth", "nf", "k"],
  tensors: ["h", "g", "feat", "hid", "z", "y"],
  inputs: ["x", "img", "side"],
  unknown: ["ghost", "frobnicate"],
} as const;

/** What a parameter value or width is, given the block's parameter values (empty in a model). */
type Width = (params: Readonly<Record<string, number>>, inputs: readonly number[]) => number;
const fixed =
  (n: number): Width =>
  () =>
    n;

interface BlockDesc {
  readonly name: string;
  readonly key: string;
  readonly params: readonly { readonly name: string; readonly key: string; readonly default?: number }[];
  readonly inputs: number;
  readonly result: Width;
}

/** One file's text, with the places of the names written into it. */
class Writer {
  text = "";
  constructor(
    readonly file: string,
    readonly places: NamePlace[],
  ) {}

  put(text: string): void {
    this.text += text;
  }

  name(text: string, key: string | null, role: Role = "required"): void {
    if (key !== null)
      this.places.push({ file: this.file, start: this.text.length, end: this.text.length + text.length, key, role });
    this.text += text;
  }
}

/** A model's or a block's body: the tensors in scope, the current tensor, and how names become keys. */
class Body {
  readonly scope = new Map<string, Width>();
  current: Width | null = null;
  /** The body's parameters (a block's), by name. */
  readonly params = new Map<string, string>();

  constructor(
    readonly g: Gen,
    readonly w: Writer,
    readonly key: string,
    readonly blocks: readonly BlockDesc[],
    readonly inBlock: boolean,
  ) {}

  tensor(name: string, role: Role = "required"): void {
    this.w.name(name, `t:${this.key}:${name}`, role);
  }

  /** A width argument: a number, or in a block a parameter (`width`, `width + 1`). */
  widthArg(): Width {
    const g = this.g;
    const names = [...this.params.keys()];
    if (names.length > 0 && chance(g, 60)) {
      const param = pick(g, names);
      this.w.name(param, this.params.get(param)!);
      if (chance(g, 30)) {
        this.w.put(" + 1");
        return (p) => p[param]! + 1;
      }
      return (p) => p[param]!;
    }
    const n = int(g, 1, 8);
    this.w.put(String(n));
    return fixed(n);
  }

  /** The arguments of a block call after its tensors; returns the parameter values as a function of ours. */
  blockArgs(block: BlockDesc, leading: boolean): (p: Readonly<Record<string, number>>) => Record<string, number> {
    const g = this.g;
    const values: [string, Width][] = [];
    let named = false;
    let first = !leading;
    for (const param of block.params) {
      if (param.default !== undefined && chance(this.g, 50)) continue;
      this.w.put(first ? "" : ", ");
      first = false;
      named ||= param.default !== undefined && chance(g, 50);
      if (named) {
        this.w.name(param.name, param.key);
        this.w.put(": ");
      }
      values.push([param.name, this.widthArg()]);
    }
    return (p) => {
      const out: Record<string, number> = {};
      for (const param of block.params) if (param.default !== undefined) out[param.name] = param.default;
      for (const [name, width] of values) out[name] = width(p, []);
      return out;
    };
  }

  /** Steps after a tensor of width `from`: layers and calls of one-input blocks. */
  steps(from: Width, count: number, arrowFirst: boolean): Width {
    const g = this.g;
    let width = from;
    for (let i = 0; i < count; i++) {
      if (i > 0 || arrowFirst) this.w.put(" -> ");
      const ones = this.blocks.filter((b) => b.inputs === 1);
      const r = int(g, 0, 99);
      if (ones.length > 0 && r < 25) {
        const block = pick(g, ones);
        this.w.name(block.name, block.key);
        this.w.put("(");
        const args = this.blockArgs(block, false);
        this.w.put(")");
        const before = width;
        width = (p, inputs) => block.result(args(p), [before(p, inputs)]);
      } else if (r < 60) {
        this.w.put("dense(");
        width = this.widthArg();
        this.w.put(chance(g, 30) ? ", activation: relu)" : ")");
      } else {
        this.w.put(pick(g, ["relu()", "dropout(0.25)", "layer_normalization()", "relu"]));
      }
    }
    return width;
  }

  /** A tensor to bind: a new name or, often, one bound before (rebinding). */
  target(): string {
    const bound = [...this.scope.keys()].filter((n) => (pools.tensors as readonly string[]).includes(n));
    const free = pools.tensors.filter((n) => !this.scope.has(n));
    return bound.length > 0 && (free.length === 0 || chance(this.g, 35)) ? pick(this.g, bound) : pick(this.g, free);
  }

  /** `T = ...`, a bare chain, a merge, a call of a two-input block, or `repeat`. */
  statement(indent: string): void {
    const g = this.g;
    const w = this.w;
    const names = [...this.scope.keys()];
    const twos = this.blocks.filter((b) => b.inputs === 2);
    const r = int(g, 0, 99);
    w.put(indent);
    if (r < 12 && this.current !== null) {
      // A bare chain on the current tensor.
      this.current = this.steps(this.current, int(g, 1, 2), false);
    } else if (r < 22 && names.length > 0) {
      const name = this.target();
      const from = this.current !== null && this.scope.has(name) ? name : pick(g, names);
      w.put(`repeat `);
      const rounds = [...this.params.keys()];
      if (rounds.length > 0 && chance(g, 50)) w.name(rounds[0]!, this.params.get(rounds[0]!)!);
      else w.put(String(int(g, 1, 3)));
      w.put(" {\n" + indent + "  ");
      this.tensor(name);
      w.put(" = ");
      this.tensor(from);
      w.put(" -> dense(");
      const width = this.widthArg();
      w.put(") -> relu()\n" + indent + "}");
      this.scope.set(name, width);
      this.current = width;
    } else if (r < 40 && names.length > 0) {
      // A merge: `add` of a tensor and a dropout of it (equal widths), or `concatenate` of any two.
      const a = pick(g, names);
      const target = this.target();
      if (chance(g, 50)) {
        const copy = this.target();
        this.tensor(copy);
        w.put(" = ");
        this.tensor(a);
        w.put(" -> dropout(0.5)\n" + indent);
        const width = this.scope.get(a)!;
        this.scope.set(copy, width);
        this.tensor(target);
        w.put(" = ");
        if (chance(g, 30)) {
          this.tensor(a);
          w.put(" -> add(");
        } else {
          w.put("add(");
          this.tensor(a);
          w.put(", ");
        }
        this.tensor(copy);
        w.put(")");
        this.scope.set(target, width);
        this.current = width;
      } else {
        const b = pick(g, names);
        this.tensor(target);
        w.put(" = concatenate(");
        this.tensor(a);
        w.put(", ");
        this.tensor(b);
        w.put(")");
        const [wa, wb] = [this.scope.get(a)!, this.scope.get(b)!];
        this.scope.set(target, (p, i) => wa(p, i) + wb(p, i));
        this.current = this.scope.get(target)!;
      }
    } else if (r < 50 && names.length > 0 && twos.length > 0) {
      const block = pick(g, twos);
      const [a, b] = [pick(g, names), pick(g, names)];
      const target = this.target();
      this.tensor(target);
      w.put(" = ");
      const arrow = chance(g, 40);
      if (arrow) {
        this.tensor(a);
        w.put(" -> ");
      }
      w.name(block.name, block.key);
      w.put("(");
      if (!arrow) {
        this.tensor(a);
        w.put(", ");
      }
      this.tensor(b);
      const args = this.blockArgs(block, true);
      w.put(")");
      const [wa, wb] = [this.scope.get(a)!, this.scope.get(b)!];
      const width: Width = (p, i) => block.result(args(p), [wa(p, i), wb(p, i)]);
      this.scope.set(target, width);
      this.current = width;
    } else if (names.length > 0) {
      const target = this.target();
      this.tensor(target);
      w.put(" = ");
      // `T = dense(4)` reads the current tensor; `T = S -> ...` names it.
      const bare = this.current !== null && chance(g, 25);
      const source = bare ? null : pick(g, names);
      if (source !== null) this.tensor(source);
      const from = source === null ? this.current! : this.scope.get(source)!;
      const width = this.steps(from, int(g, 1, 3), !bare);
      this.scope.set(target, width);
      this.current = width;
    } else {
      w.put("// nothing in scope");
    }
    w.put("\n");
  }

  /** A mistake a user makes: an unknown tensor or layer, a statement where it is not allowed. */
  mistake(indent: string): void {
    const g = this.g;
    const w = this.w;
    const names = [...this.scope.keys()];
    const r = int(g, 0, 99);
    w.put(indent);
    if (r < 30 || names.length === 0) {
      const target = this.target();
      this.tensor(target);
      w.put(" = ");
      w.name("ghost", `u:${this.key}:ghost`, "loose");
      w.put(" -> relu()\n");
      this.scope.set(target, fixed(1));
    } else if (r < 55) {
      const source = pick(g, names);
      const target = this.target();
      this.tensor(target);
      w.put(" = ");
      this.tensor(source);
      w.put(" -> ");
      w.name("frobnicate", `u:${this.key}:frobnicate`, "loose");
      w.put("(3)\n");
      this.scope.set(target, fixed(3));
    } else if (r < 75) {
      // `return` in a model, `output` in a block.
      w.put(this.inBlock ? "output " : "return ");
      this.tensor(pick(g, names), "optional");
      w.put("\n");
    } else {
      // A subject that names nothing, or (in a block, where it is not allowed) a tensor.
      w.put(`${pick(g, ["expect", "assert"])} `);
      if (this.inBlock) this.tensor(pick(g, names), "optional");
      else w.name("ghost", `u:${this.key}:ghost`, "loose");
      w.put(": [3]\n");
    }
  }
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
