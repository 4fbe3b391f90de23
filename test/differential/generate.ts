/**
 * Random `.nn` models for differential testing: a description (inputs, blocks, statements) drawn with
 * fast-check, and the `.nn` text a user would write for it. The description is what the tfjs side builds
 * from (see oracle.ts), so nnc's parser, checker and registry are all on trial.
 */
import fc from "fast-check";
import { kindSpecs, specByName, type Args, type Gen, type KindSpec, type Sketch, type Value } from "./kinds.js";
import type { BlockCall, BlockDesc, DimText, InputDesc, LayerCall, ModelDesc, Statement, Step } from "./model-desc.js";

export type {
  BlockCall,
  BlockDesc,
  DimText,
  InputDesc,
  LayerCall,
  ModelDesc,
  SharedUse,
  Statement,
  Step,
} from "./model-desc.js";

const int = (g: Gen, min: number, max: number) => g(fc.integer, { min, max });
/** Rolls and choices are unbiased: fast-check's bias towards small integers would make 2% rolls common. */
const roll = (g: Gen, max: number) => g((n: number) => fc.noBias(fc.integer({ min: 0, max: n })), max);
const chance = (g: Gen, percent: number) => roll(g, 99) < percent;
const pick = <T>(g: Gen, items: readonly T[]): T => items[roll(g, items.length - 1)]!;

function drawDim(g: Gen): DimText {
  const r = roll(g, 99);
  if (r < 2) return 0;
  if (r < 9) return "?";
  if (r < 14) return pick(g, ["seq", "len"] as const);
  return r < 80 ? int(g, 1, 8) : int(g, 9, 32);
}

const sketchOf = (shape: readonly DimText[]): Sketch => shape.map((d) => (typeof d === "number" ? d : null));

/** Kinds that take integer ids: drawn for the int32 inputs only. */
const idKinds = ["embedding", "token_and_position_embedding"];

/** A kind for an input of this rough shape: usually one meant for its rank. */
function drawKind(g: Gen, input: Sketch, allowed: (k: KindSpec) => boolean): KindSpec {
  const candidates = kindSpecs.filter((k) => !k.merge && !idKinds.includes(k.name) && allowed(k));
  const fitting = candidates.filter((k) => k.ranks.includes(input.length));
  return pick(g, fitting.length > 0 && chance(g, 90) ? fitting : candidates);
}

function drawCall(g: Gen, spec: KindSpec, input: Sketch, name: string | undefined): LayerCall {
  const drawn = spec.draw(g, input);
  const callee = spec.aliases && chance(g, 20) ? pick(g, spec.aliases) : spec.name;
  let prefix = 0;
  while (prefix < spec.positional.length && spec.positional[prefix]! in drawn.args) prefix++;
  const extra: Record<string, Value> = {};
  let invalid = drawn.invalid ?? false;
  if (chance(g, 2)) {
    // An argument Keras does not have: tfjs ignores unknown config keys.
    extra["colour"] = 1;
    invalid = true;
  }
  if (chance(g, 5) && !("trainable" in drawn.args)) extra["trainable"] = false;
  return {
    kind: spec.name,
    callee,
    args: { ...drawn.args, ...extra },
    positional: int(g, 0, prefix),
    ...(name === undefined ? {} : { name }),
    ...(invalid ? { invalid } : {}),
  };
}

/** Generates statements over the tensors in `tensors`; shared by model bodies and block bodies. */
class BodyBuilder {
  readonly statements: Statement[] = [];
  /** The current tensor's name, when it has one (a bare statement's result has none). */
  current: string | null;
  currentSketch: Sketch | null;
  private next = 0;

  constructor(
    private readonly g: Gen,
    readonly tensors: Map<string, Sketch>,
    private readonly prefix: string,
    private readonly names: { count: number } | null,
    private readonly blocks: readonly BlockDesc[],
    private readonly paramOf: BlockDesc | null,
  ) {
    this.current = tensors.size === 1 ? [...tensors.keys()][0]! : null;
    this.currentSketch = this.current === null ? null : tensors.get(this.current)!;
  }

  private layerName(): string | undefined {
    if (!this.names || chance(this.g, 20)) return undefined;
    return `l${this.names.count++}`;
  }

  /** Steps applied to `sketch`; returns the steps and the rough result. */
  private steps(sketch: Sketch, max: number): [Step[], Sketch] {
    const g = this.g;
    const steps: Step[] = [];
    for (let i = int(g, 1, max); i > 0; i--) {
      if (this.blocks.length > 0 && chance(g, 25)) {
        const block = pick(g, this.blocks);
        const arg = chance(g, 50) ? int(g, 1, 6) : undefined;
        steps.push({ call: { block: block.name, ...(arg === undefined ? {} : { arg, named: chance(g, 50) }) } });
        sketch = sketch.map(() => null);
        continue;
      }
      const spec = drawKind(g, sketch, () => true);
      let call = drawCall(g, spec, sketch, this.layerName());
      if (this.paramOf && typeof call.args["units"] === "number" && chance(g, 60)) {
        call = { ...call, args: { ...call.args, units: { param: this.paramOf.param } } };
      }
      steps.push({ layer: call });
      const args = this.paramOf ? substitute(call.args, this.paramOf.param, this.paramOf.default) : call.args;
      sketch = spec.out(sketch, args);
    }
    return [steps, sketch];
  }

  private fresh(): string {
    return `${this.prefix}${this.next++}`;
  }

  /** Binds a tensor; a statement without a plain result leaves no current tensor for a bare chain. */
  private bind(name: string, sketch: Sketch, current: boolean): void {
    this.tensors.set(name, sketch);
    this.current = current ? name : null;
    this.currentSketch = current ? sketch : null;
  }

  /**
   * `layer sN = CALL` (a layer kind, or a block instance) and two or three uses: on the first tensor again, in a
   * chain (`-> sN -> sN`), or on another tensor, whose shape the weights may not fit (NN3017 where tfjs throws).
   */
  shared(name: string): void {
    const g = this.g;
    const names = [...this.tensors.keys()];
    const first = pick(g, names);
    const sketch = this.tensors.get(first)!;
    let call: LayerCall | BlockCall;
    let out: (s: Sketch) => Sketch;
    if (names.length >= 2 && chance(g, 20)) return this.sharedMerge(name, first);
    if (this.blocks.length > 0 && chance(g, 40)) {
      const arg = chance(g, 50) ? int(g, 1, 6) : undefined;
      call = { block: pick(g, this.blocks).name, ...(arg === undefined ? {} : { arg, named: chance(g, 50) }) };
      out = (s) => s.map(() => null);
    } else {
      // Often dense, whose weights fit one size of the last axis: uses on other shapes are where NN3017 is.
      const spec = chance(g, 40) ? specByName.get("dense")! : drawKind(g, sketch, (k) => !k.unavailable);
      const layer = drawCall(g, spec, sketch, this.layerName());
      call = layer;
      out = (s) => spec.out(s, layer.args);
    }
    this.statements.push({ target: null, from: null, declare: { name, call }, steps: [] });
    const uses = chance(g, 25) ? 3 : 2;
    for (let i = 0; i < uses; i++) {
      const r = roll(g, 99);
      const others = names.filter((n) => n !== first);
      const from = i === 0 || r < 40 || others.length === 0 ? first : pick(g, others);
      const chain = r >= 40 && r < 55;
      const target = this.fresh();
      this.statements.push({ target, from, steps: chain ? [{ use: name }, { use: name }] : [{ use: name }] });
      const once = out(this.tensors.get(from)!);
      this.bind(target, chain ? out(once) : once, true);
    }
  }

  /**
   * `layer sN = multi_head_attention(...)` (the merge with weights; now and then another merge) used as
   * `sN(a, b)` twice: on the same pair again or on another, of the first pair's ranks mostly.
   */
  private sharedMerge(name: string, first: string): void {
    const g = this.g;
    const names = [...this.tensors.keys()];
    const spec = chance(g, 60)
      ? specByName.get("multi_head_attention")!
      : pick(
          g,
          kindSpecs.filter((k) => k.merge && !k.unavailable),
        );
    const sketch = this.tensors.get(first)!;
    const call = drawCall(g, spec, sketch, this.layerName());
    this.statements.push({ target: null, from: null, declare: { name, call }, steps: [] });
    const partner = (a: string) => {
      const ranked = names.filter((n) => n !== a && this.tensors.get(n)!.length === this.tensors.get(a)!.length);
      return ranked.length > 0 && chance(g, 70) ? pick(g, ranked) : pick(g, names);
    };
    let pair = [first, partner(first)];
    for (let i = 0; i < 2; i++) {
      if (i > 0 && chance(g, 60)) {
        const a = pick(g, names);
        pair = [a, partner(a)];
      }
      const target = this.fresh();
      this.statements.push({
        target,
        from: null,
        merge: { call: { use: name }, tensors: pair, arrow: false },
        steps: [],
      });
      this.bind(target, spec.out(this.tensors.get(pair[0]!)!, call.args), true);
    }
  }

  /**
   * `y, h, c = x -> lstm(u, return_state: true)` (`_` drops an output) and, now and then, a later recurrent
   * layer started from those states (`initial_state: [h, c]`): mostly of the same kind and units, on purpose
   * of another size or state count now and then (NN3007 where tfjs refuses).
   */
  states(): void {
    const g = this.g;
    const sequences = [...this.tensors].filter(([, s]) => s.length === 2);
    if (sequences.length === 0) return;
    const [from, sketch] = pick(g, sequences);
    const kinds = ["lstm", "gru", "simple_rnn"];
    const kind = pick(g, kinds);
    const spec = specByName.get(kind)!;
    const drawn = drawCall(g, spec, sketch, this.layerName());
    const call: LayerCall = { ...drawn, args: { ...drawn.args, return_state: true } };
    const units = call.args["units"] as number;
    const targets = Array.from({ length: kind === "lstm" ? 3 : 2 }, (_, i) =>
      chance(g, i === 0 ? 40 : 10) ? "_" : this.fresh(),
    );
    this.statements.push({ target: null, targets, from, steps: [{ layer: call }] });
    targets.forEach((t, i) => t !== "_" && this.bind(t, i === 0 ? spec.out(sketch, call.args) : [units], false));
    const states = targets.slice(1);
    if (states.includes("_") || !chance(g, 70)) return;
    const [next, nextSketch] = pick(g, sequences);
    const nextSpec = specByName.get(chance(g, 85) ? kind : pick(g, kinds))!;
    const d = drawCall(g, nextSpec, nextSketch, this.layerName());
    const args = d.args["units"] === 0 ? d.args : { ...d.args, units: chance(g, 80) ? units : int(g, 1, 4) };
    const target = this.fresh();
    this.statements.push({ target, from: next, steps: [{ layer: { ...d, args, initialState: states } }] });
    this.bind(target, nextSpec.out(nextSketch, args), true);
  }

  statement(bind: boolean): void {
    const g = this.g;
    const names = [...this.tensors.keys()];
    const target = bind || this.currentSketch === null ? this.fresh() : null;
    const r = roll(g, 99);
    let from: string | null = null;
    let sketch: Sketch;
    let merge: Statement["merge"];
    if (names.length >= 2 && r < 30) {
      const a = pick(g, names);
      const others = names.filter((n) => n !== a);
      let b = chance(g, 80) ? pick(g, others) : a;
      const spec = pick(
        g,
        kindSpecs.filter((k) => k.merge),
      );
      const sa = this.tensors.get(a)!;
      // Attention takes a value of the query's rank (and, but for multi_head_attention, its features): mostly one.
      const fits = (n: string) => {
        const sb = this.tensors.get(n)!;
        return sb.length === sa.length && (spec.name === "multi_head_attention" || sb.at(-1) === sa.at(-1));
      };
      if (spec.merge && spec.runtime && !fits(b) && others.some(fits) && chance(g, 80))
        b = pick(g, others.filter(fits));
      const tensors = chance(g, 10) && others.length >= 2 ? [a, b, pick(g, others)] : [a, b];
      const call = drawCall(g, spec, sa, this.layerName());
      merge = { call, tensors, arrow: chance(g, 25) };
      sketch = spec.out(sa, call.args);
    } else if (this.currentSketch !== null && (target === null || chance(g, 30))) {
      // A bare chain, or `t = dense(...)`: both apply to the current tensor.
      sketch = this.currentSketch;
    } else {
      from = this.current !== null && chance(g, 60) ? this.current : pick(g, names);
      sketch = this.tensors.get(from)!;
    }
    const [steps, result] = merge && chance(g, 50) ? [[], sketch] : this.steps(sketch, 3);
    this.statements.push({ target, from, ...(merge ? { merge } : {}), steps });
    if (target !== null) this.tensors.set(target, result);
    this.current = target;
    this.currentSketch = result;
  }
}

function substitute(args: Args, param: string, value: number): Args {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [
      k,
      typeof v === "object" && v !== null && "param" in v && v.param === param ? value : v,
    ]),
  );
}

function drawBlock(g: Gen, index: number): BlockDesc {
  const name = `blk${index}`;
  const shell: BlockDesc = { name, param: "p", default: int(g, 1, 6), body: [], result: "" };
  // Block bodies are drawn for an input of unknown rank: kinds that take any rank are the useful ones.
  const rank = int(g, 1, 3);
  const builder = new BodyBuilder(g, new Map([["x", Array(rank).fill(4)]]), "h", null, [], shell);
  for (let i = int(g, 1, 3); i > 0; i--) builder.statement(true);
  if (chance(g, 40)) {
    const h = builder.current!;
    builder.statements.push({
      target: `h${builder.statements.length}`,
      from: null,
      merge: {
        call: { kind: "add", callee: "add", args: {}, positional: 0 },
        tensors: ["x", h],
        arrow: false,
      },
      steps: [],
    });
    builder.current = `h${builder.statements.length - 1}`;
  }
  return { ...shell, body: builder.statements, result: builder.current! };
}

/** A random model description. */
export const modelArbitrary: fc.Arbitrary<ModelDesc> = fc.gen().map((g) => {
  const inputs: InputDesc[] = [];
  for (let i = chance(g, 80) ? 1 : 2; i > 0; i--) {
    const ids = chance(g, 12);
    const rank = ids ? int(g, 1, 2) : int(g, 1, 4);
    const shape = Array.from({ length: rank }, () => drawDim(g));
    inputs.push({ name: `in${inputs.length}`, shape, dtype: ids ? "int32" : "float32" });
  }
  const blocks = chance(g, 30) ? [drawBlock(g, 0)] : [];
  const floats = new Map(inputs.filter((i) => i.dtype === "float32").map((i) => [i.name, sketchOf(i.shape)]));
  const names = { count: 0 };
  const body: Statement[] = [];
  // Integer ids go through an embedding first.
  for (const input of inputs.filter((i) => i.dtype === "int32")) {
    const spec = specByName.get(chance(g, 20) ? "token_and_position_embedding" : "embedding")!;
    const call = drawCall(g, spec, sketchOf(input.shape), `l${names.count++}`);
    const target = `e${body.length}`;
    body.push({ target, from: input.name, steps: [{ layer: call }] });
    floats.set(target, spec.out(sketchOf(input.shape), call.args));
  }
  const builder = new BodyBuilder(g, floats, "t", names, blocks, null);
  if (body.length > 0) {
    builder.current = body.at(-1)!.target;
    builder.currentSketch = floats.get(builder.current!)!;
  }
  // Shared layers and calls with several outputs, in a modest share of the models, somewhere in the body.
  const count = int(g, 1, 6);
  const [shared, states] = [chance(g, 15), chance(g, 12)];
  const at = int(g, 0, count - 1);
  for (let i = 0; i < count; i++) {
    if (i === at && shared) builder.shared("s0");
    if (i === at && states) builder.states();
    builder.statement(chance(g, 60));
  }
  const statements = [...body, ...builder.statements];
  const last = builder.current;
  let outputs: string[] | null = null;
  if (last !== null && chance(g, 30)) {
    const bound = statements.flatMap((s) => (s.target ? [s.target] : [])).filter((t) => t !== last);
    outputs = bound.length > 0 && chance(g, 50) ? [last, pick(g, bound)] : [last];
  }
  return { inputs, blocks, body: statements, outputs };
});

/** Every layer call in the description, with the block it belongs to (or null). */
export function* layerCalls(model: ModelDesc): Generator<[LayerCall, BlockDesc | null]> {
  const inBody = function* (
    body: readonly Statement[],
    block: BlockDesc | null,
  ): Generator<[LayerCall, BlockDesc | null]> {
    for (const s of body) {
      if (s.declare && "kind" in s.declare.call) yield [s.declare.call, block];
      if (s.merge && "kind" in s.merge.call) yield [s.merge.call, block];
      for (const step of s.steps) if ("layer" in step) yield [step.layer, block];
    }
  };
  for (const b of model.blocks) yield* inBody(b.body, b);
  yield* inBody(model.body, null);
}
