/**
 * The pieces of test/helpers/rename-workspaces.ts: a writer that records the place and meaning of every name it
 * writes, and the statements of a model's or a block's body (bindings, rebindings, chains, merges, block calls,
 * `repeat`, mistakes), with the width each tensor has (every tensor is one-dimensional) so that an `expect`
 * can state the shape nnc computes.
 */
import fc from "fast-check";

export type Role = "required" | "optional" | "loose";

export interface NamePlace {
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly key: string;
  readonly role: Role;
}

export type Gen = fc.GeneratorValue;
export const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });
export const chance = (g: Gen, percent: number) => int(g, 0, 99) < percent;
export const pick = <T>(g: Gen, items: readonly T[]): T => items[int(g, 0, items.length - 1)]!;

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
export type Width = (params: Readonly<Record<string, number>>, inputs: readonly number[]) => number;
export const fixed =
  (n: number): Width =>
  () =>
    n;

export interface BlockDesc {
  readonly name: string;
  readonly key: string;
  readonly params: readonly { readonly name: string; readonly key: string; readonly default?: number }[];
  readonly inputs: number;
  readonly result: Width;
}

/** One file's text, with the places of the names written into it. */
export class Writer {
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
export class Body {
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
