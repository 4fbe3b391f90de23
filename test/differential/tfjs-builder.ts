/**
 * The tfjs side of the differential oracle: a generated model built from its description alone, by hand, as a
 * person writing TensorFlow.js would (`tf.layers.<factory>({...})`), with each layer's shapes and weights.
 */
import * as tf from "@tensorflow/tfjs";
import type { BlockCall, BlockDesc, LayerCall, ModelDesc, Statement } from "./generate.js";
import { site, type CallSite } from "./print.js";
import { factoryOf, specByName, tfjsConfig, type Args, type Factory, type Value } from "./kinds.js";

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

function substitute(args: Args, value: number): Args {
  const sub = (v: Value): Value => (typeof v === "object" && v !== null && "param" in v ? value : v);
  return Object.fromEntries(Object.entries(args).map(([k, v]) => [k, sub(v)]));
}

/** A layer object made for a call, and what a later use of it (a shared layer) needs. */
interface Made {
  readonly layer: tf.layers.Layer;
  /** A new config each time: tfjs writes into the configs it gets, and a nested layer cannot be copied. */
  readonly config: () => Record<string, unknown>;
  /** The first use's record, without what each use finds out (its outputs and parameter counts). */
  readonly info: UseInfo;
  uses: number;
}

type UseInfo = Omit<LayerInfo, "shapes" | "trainable" | "nonTrainable">;

/** The layer objects of one `layer NAME = CALL` declaration: one per layer call (a block instance has several). */
type Instance = Map<LayerCall, Made>;

const weightShapes = (layer: tf.layers.Layer) => JSON.stringify(layer.weights.map((w) => w.shape));

/** Builds the model with tfjs from the description alone. */
export class TfjsBuilder {
  readonly layers: tf.layers.Layer[] = [];
  readonly info: LayerInfo[] = [];
  /** Every layer's first output, to run dead branches too when looking for run-time failures. */
  readonly everyOutput: tf.SymbolicTensor[] = [];
  /** Uses of a shared layer on inputs of other shapes than its first use's. */
  otherShapes = 0;
  /** Of those, the uses where a new layer of the same config would have weights of other shapes. */
  misfits = 0;
  private auto = 0;
  private callSite: number | null = null;
  private readonly shared = new Map<string, { call: LayerCall | BlockCall; instance: Instance }>();

  constructor(
    private readonly model: ModelDesc,
    private readonly lineOf: ReadonlyMap<CallSite, number>,
  ) {}

  private lineAt(site: CallSite): number {
    return this.callSite ?? this.lineOf.get(site) ?? 0;
  }

  /** Applies the call's layer (made now, or the instance's made at an earlier use); returns every output. */
  private apply(
    call: LayerCall,
    inputs: tf.SymbolicTensor[],
    param: number | null,
    line: number,
    instance: Instance | null,
    initialState: tf.SymbolicTensor[] = [],
  ): tf.SymbolicTensor[] {
    const spec = specByName.get(call.kind)!;
    const args = param === null ? call.args : substitute(call.args, param);
    if (spec.unavailable) {
      // What a person finds when writing it by hand: tfjs 4.22 has no such layer.
      if ((tf.layers as unknown as Record<string, unknown>)[spec.factory] !== undefined)
        throw new Error(`tfjs now has tf.layers.${spec.factory}: test/differential/kinds.ts should build it`);
      throw new BuildFailure(line, `tf.layers.${spec.factory} is not a function`, call.kind);
    }
    const factory = factoryOf(spec, args);
    const kwargs = initialState.length > 0 ? { initialState } : undefined;
    const made = instance?.get(call);
    let out: tf.SymbolicTensor | tf.SymbolicTensor[];
    let layer: tf.layers.Layer;
    let info: UseInfo;
    const inputShapes = inputs.map((i) => [...i.shape]);
    try {
      if (made) {
        layer = made.layer;
        info = { ...made.info, name: `${made.info.name}:${made.uses + 1}`, inputShapes };
        if (JSON.stringify(inputShapes) !== JSON.stringify(made.info.inputShapes)) {
          this.otherShapes++;
          if (layer.weights.length > 0 && !this.weightsFit(factory, made, inputs)) this.misfits++;
        }
      } else {
        const named = call.name !== undefined;
        const name = call.name ?? `auto_${call.kind}_${this.auto++}`;
        // tfjs writes into the configs it gets (reshape's -1 becomes null): it gets a copy, the description stays.
        const config = () => ({
          ...(spec.config ?? tfjsConfig)(
            structuredClone(args),
            inputs.map((i) => i.shape.slice(1)),
          ),
          name,
        });
        layer = factory(config());
        // tfjs 4.22's wrapper constructors drop `trainable: false` (Bidirectional sets its own flag to true after
        // the base class read the config; TimeDistributed asks the wrapped layer); the setter works
        // (docs/differences.md).
        if (["bidirectional", "time_distributed"].includes(spec.name) && args["trainable"] === false)
          layer.trainable = false;
        this.layers.push(layer);
        info = { name, kind: call.kind, args, named, inputShapes };
        instance?.set(call, { layer, config, info, uses: 0 });
      }
      const x = spec.merge ? inputs : inputs[0]!;
      out = layer.apply(x, kwargs) as tf.SymbolicTensor | tf.SymbolicTensor[];
    } catch (e) {
      throw new BuildFailure(line, e);
    }
    const outs = Array.isArray(out) ? out : [out];
    // time_distributed(lstm(4, return_state: true)) builds in tfjs but gives no tensor one could use.
    if (!outs.every((o) => Array.isArray((o as { shape?: unknown } | null)?.shape)))
      throw new BuildFailure(line, "tfjs returned something that is not a tensor");
    const size = (ws: tf.LayerVariable[]) => ws.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * b!, 1), 0);
    const shapes = outs.map((o) => [...o.shape]);
    // A later use is nnc's IR node `owner:1`, with no weights of its own: they count once, at the owner.
    if (made) made.uses++;
    const [trainable, nonTrainable] = made ? [0, 0] : [size(layer.trainableWeights), size(layer.nonTrainableWeights)];
    this.info.push({ ...info, shapes, trainable, nonTrainable });
    this.everyOutput.push(outs[0]!);
    return outs;
  }

  /** Whether a new layer of the shared layer's config, applied to these inputs, has weights of the same shapes. */
  private weightsFit(factory: Factory, made: Made, inputs: tf.SymbolicTensor[]): boolean {
    const fresh = factory({ ...made.config(), name: `fit_${this.auto++}` });
    try {
      const ins = inputs.map((i) => tf.input({ shape: i.shape.slice(1), dtype: i.dtype }));
      fresh.apply(ins.length === 1 ? ins[0]! : ins);
      return weightShapes(fresh) === weightShapes(made.layer);
    } catch {
      return false;
    } finally {
      try {
        fresh.dispose();
      } catch {
        // Never built: nothing to free.
      }
    }
  }

  /** Runs statements; returns the current tensor after them. */
  private statements(
    body: readonly Statement[],
    env: Map<string, tf.SymbolicTensor>,
    param: number | null,
    instance: Instance | null,
  ): tf.SymbolicTensor | null {
    let current = env.size === 1 ? [...env.values()][0]! : null;
    for (const s of body) {
      if (s.declare) {
        this.shared.set(s.declare.name, { call: s.declare.call, instance: new Map() });
        continue;
      }
      let t: tf.SymbolicTensor[];
      if (s.merge) {
        const inputs = s.merge.tensors.map((n) => env.get(n)!);
        const { call } = s.merge;
        const line = this.lineAt(call);
        if ("use" in call) {
          const shared = this.shared.get(call.use)!;
          t = this.apply(shared.call as LayerCall, inputs, null, line, shared.instance);
        } else t = this.apply(call, inputs, param, line, instance);
      } else t = [s.from === null ? current! : env.get(s.from)!];
      for (const step of s.steps) {
        if ("layer" in step) {
          const states = (step.layer.initialState ?? []).map((n) => env.get(n)!);
          t = this.apply(step.layer, [t[0]!], param, this.lineAt(step.layer), instance, states);
        } else if ("call" in step) t = [this.block(step.call, t[0]!, this.lineAt(step.call), null)];
        else {
          const { call, instance } = this.shared.get(step.use)!;
          const line = this.lineAt(step);
          t =
            "kind" in call
              ? this.apply(call, [t[0]!], null, line, instance)
              : [this.block(call, t[0]!, line, instance)];
        }
      }
      if (s.targets) {
        if (s.targets.length > t.length)
          throw new BuildFailure(
            this.lineAt(site(s.steps.at(-1)!)),
            `${t.length} outputs for ${s.targets.length} names`,
          );
        s.targets.forEach((n, i) => n !== "_" && env.set(n, t[i]!));
      }
      if (s.target !== null) env.set(s.target, t[0]!);
      current = t[0]!;
    }
    return current;
  }

  private block(call: BlockCall, input: tf.SymbolicTensor, line: number, instance: Instance | null): tf.SymbolicTensor {
    const block: BlockDesc = this.model.blocks.find((b) => b.name === call.block)!;
    const env = new Map([["x", input]]);
    this.callSite = line;
    try {
      this.statements(block.body, env, call.arg ?? block.default, instance);
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
    const last = this.statements(this.model.body, env, null, null)!;
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
