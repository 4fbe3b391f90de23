/**
 * The tfjs side of the differential oracle: a generated model built from its description alone, by hand, as a
 * person writing TensorFlow.js would (`tf.layers.<factory>({...})`), with each layer's shapes and weights.
 */
import * as tf from "@tensorflow/tfjs";
import type { BlockCall, BlockDesc, LayerCall, ModelDesc, Statement } from "./generate.js";
import { specByName, tfjsConfig, type Args, type Value } from "./kinds.js";

export type Dims = (number | null)[];

export interface LayerInfo {
  readonly name: string;
  readonly kind: string;
  /** Named in the `.nn` text (compared by name); otherwise compared as a multiset. */
  readonly named: boolean;
  readonly inputShapes: Dims[];
  readonly shapes: Dims[];
  readonly trainable: number;
  readonly nonTrainable: number;
  readonly args: Args;
}

export class BuildFailure extends Error {
  constructor(
    /** The line of the failing call; for a call inside a block, the line of the outermost block call. */
    readonly line: number,
    cause: unknown,
    /** The kind tfjs has no layer for, when that is why it failed. */
    readonly unavailable?: string,
  ) {
    super(`tfjs threw at line ${line}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

type Factory = (config: unknown) => tf.layers.Layer;

function substitute(args: Args, value: number): Args {
  const sub = (v: Value): Value => (typeof v === "object" && v !== null && "param" in v ? value : v);
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, sub(v)]));
}

/** Builds the model with tfjs from the description alone. */
export class TfjsBuilder {
  readonly layers: tf.layers.Layer[] = [];
  readonly info: LayerInfo[] = [];
  /** Every layer's first output, to run dead branches too when looking for run-time failures. */
  readonly everyOutput: tf.SymbolicTensor[] = [];
  private auto = 0;
  private callSite: number | null = null;

  constructor(
    private readonly model: ModelDesc,
    private readonly lineOf: ReadonlyMap<LayerCall | BlockCall, number>,
  ) {}

  private apply(call: LayerCall, inputs: tf.SymbolicTensor[], param: number | null): tf.SymbolicTensor {
    const line = this.callSite ?? this.lineOf.get(call) ?? 0;
    const spec = specByName.get(call.kind)!;
    const args = param === null ? call.args : substitute(call.args, param);
    const named = call.name !== undefined;
    const name = call.name ?? `auto_${call.kind}_${this.auto++}`;
    let out: tf.SymbolicTensor | tf.SymbolicTensor[];
    let layer: tf.layers.Layer;
    if (spec.unavailable) {
      // What a person finds when writing it by hand: tfjs 4.22 has no such layer.
      if ((tf.layers as unknown as Record<string, unknown>)[spec.factory] !== undefined)
        throw new Error(`tfjs now has tf.layers.${spec.factory}: test/differential/kinds.ts should build it`);
      throw new BuildFailure(line, `tf.layers.${spec.factory} is not a function`, call.kind);
    }
    try {
      const factory = (tf.layers as unknown as Record<string, Factory>)[spec.factory]!;
      // tfjs writes into the configs it gets (reshape's -1 becomes null): it gets a copy, the description stays.
      layer = factory({
        ...(spec.config ?? tfjsConfig)(
          structuredClone(args),
          inputs.map((i) => i.shape.slice(1)),
        ),
        name,
      });
      // tfjs 4.22's wrapper constructors drop `trainable: false` (Bidirectional sets its own flag to true after
      // the base class read the config; TimeDistributed asks the wrapped layer); the setter works
      // (docs/differences.md).
      if (["bidirectional", "time_distributed"].includes(spec.name) && args["trainable"] === false)
        layer.trainable = false;
      this.layers.push(layer);
      out = layer.apply(spec.merge ? inputs : inputs[0]!) as tf.SymbolicTensor | tf.SymbolicTensor[];
    } catch (e) {
      throw new BuildFailure(line, e);
    }
    const outs = Array.isArray(out) ? out : [out];
    // time_distributed(lstm(4, return_state: true)) builds in tfjs but gives no tensor one could use.
    if (!outs.every((o) => Array.isArray((o as { shape?: unknown } | null)?.shape)))
      throw new BuildFailure(line, "tfjs returned something that is not a tensor");
    const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
    this.info.push({
      name,
      kind: call.kind,
      args,
      named,
      inputShapes: inputs.map((i) => [...i.shape]),
      shapes: outs.map((o) => [...o.shape]),
      trainable: size(layer.trainableWeights),
      nonTrainable: size(layer.nonTrainableWeights),
    });
    this.everyOutput.push(outs[0]!);
    return outs[0]!;
  }

  /** Runs statements; returns the current tensor after them. */
  private statements(
    body: readonly Statement[],
    env: Map<string, tf.SymbolicTensor>,
    param: number | null,
  ): tf.SymbolicTensor | null {
    let current = env.size === 1 ? [...env.values()][0]! : null;
    for (const s of body) {
      let t: tf.SymbolicTensor;
      if (s.merge)
        t = this.apply(
          s.merge.call,
          s.merge.tensors.map((n) => env.get(n)!),
          param,
        );
      else t = s.from === null ? current! : env.get(s.from)!;
      for (const step of s.steps) {
        t = "layer" in step ? this.apply(step.layer, [t], param) : this.block(step.call, t);
      }
      if (s.target !== null) env.set(s.target, t);
      current = t;
    }
    return current;
  }

  private block(call: BlockCall, input: tf.SymbolicTensor): tf.SymbolicTensor {
    const block: BlockDesc = this.model.blocks.find((b) => b.name === call.block)!;
    const env = new Map([["x", input]]);
    this.callSite = this.lineOf.get(call) ?? 0;
    try {
      this.statements(block.body, env, call.arg ?? block.default);
    } finally {
      this.callSite = null;
    }
    return env.get(block.result)!;
  }

  build(): tf.LayersModel {
    const inputs = this.model.inputs.map((i) =>
      tf.input({ name: i.name, shape: i.shape.map((d) => (typeof d === "number" ? d : null)), dtype: i.dtype }),
    );
    const env = new Map(this.model.inputs.map((i, n) => [i.name, inputs[n]!]));
    const last = this.statements(this.model.body, env, null)!;
    const outputs = this.model.outputs ? this.model.outputs.map((n) => env.get(n)!) : [last];
    try {
      return tf.model({ inputs, outputs });
    } catch (e) {
      throw new BuildFailure(0, e);
    }
  }

  dispose(): void {
    for (const layer of this.layers) {
      try {
        layer.dispose();
      } catch {
        // A layer that was never built or is disposed already has nothing to free.
      }
    }
  }
}
