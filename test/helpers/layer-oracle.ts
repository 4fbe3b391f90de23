/**
 * What the layer tests compare: one layer call checked by the registry (its arguments, output shapes and
 * parameter counts, or its diagnostics) and the same layer built by tfjs from the registry's description.
 */
import * as tf from "@tensorflow/tfjs";
import { expect } from "vitest";
import { argumentSpan, checkArguments, type Callable } from "../../src/compiler/check/args.js";
import type * as ast from "../../src/compiler/syntax/ast.js";
import type { Code } from "../../src/compiler/diagnostics/index.js";
import { emptyScope } from "../../src/compiler/check/argument-values.js";
import type { DType, ParamCount, Shape } from "../../src/compiler/ir/index.js";
import { lookupLayer, tfjsLayerOf, type Args, type LayerKind } from "../../src/compiler/registry/layers/index.js";
import { parse } from "../../src/compiler/syntax/index.js";
import { createLayer } from "../../src/runtime/build.js";
import { marked } from "./marked.js";

/** For `beforeAll`: tfjs's cpu backend, without its banner. */
export async function useCpuBackend(): Promise<void> {
  await tf.setBackend("cpu");
  expect(tf.getBackend()).toBe("cpu");
  // The cpu backend prints a "use tfjs-node" banner on its first write; these tests are about shapes.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
}

const prefix = "model M { ";

interface Reported {
  readonly code: Code;
  readonly span: ast.Span;
  readonly hint?: string;
}

export interface Checked {
  readonly kind: LayerKind;
  readonly call: ast.Call;
  readonly args: Args | null;
  readonly outputs: Shape[] | null;
  readonly params: ParamCount | null;
  readonly diagnostics: Reported[];
  /** Spans marked `<|...|>` in the case's source, as offsets into the parsed text. */
  readonly marks: ast.Span[];
}

/** Parses one layer call, checks its arguments, then runs the entry's shape and parameter rules. */
export function check(source: string, inputs: readonly Shape[]): Checked {
  const { text, spans } = marked(source);
  const file = parse(`${prefix}${text} }`, "layers.nn");
  expect(file.diagnostics).toEqual([]);
  const model = file.value.declarations[0] as ast.ModelDecl;
  const call = (model.body[0] as ast.ChainStmt).chain.steps[0]!;
  const kind = lookupLayer(call.callee.text);
  if (!kind) throw new Error(`no layer '${call.callee.text}'`);
  const source_ = { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: call.callee.text };
  const checked = checkArguments(kind, source_, emptyScope, "layers.nn");
  const diagnostics: Reported[] = checked.diagnostics.map((d) => ({ code: d.code, span: d.span, hint: d.hint }));
  const marks = spans.map((s) => ({ start: s.start + prefix.length, end: s.end + prefix.length }));
  const args = checked.value;
  if (!args) return { kind, call, args, outputs: null, params: null, diagnostics, marks };
  const result = kind.outputShape(inputs, args, {
    callee: call.callee.text,
    error(code, _messageArgs, at = {}) {
      const span = (at.property && argumentSpan(call, at.property, kind.positional, 0)) || call.span;
      diagnostics.push({ code, span, hint: at.hint });
      return null;
    },
  });
  if (result === null) return { kind, call, args, outputs: null, params: null, diagnostics, marks };
  const outputs = Array.isArray(result[0]) ? [...(result as Shape[])] : [result as Shape];
  const params = kind.params?.(inputs, args, outputs) ?? { trainable: 0, nonTrainable: 0 };
  return { kind, call, args, outputs, params, diagnostics, marks };
}

/** The values as written, without schema checks or defaults: what a careless config would hand tfjs. */
export function rawArgs(kind: LayerKind, call: ast.Call): Args {
  const names = [...kind.positional, ...(call.args ?? []).flatMap((a) => (a.name ? [a.name.text] : []))];
  const loose: Callable = {
    name: kind.name,
    positional: kind.positional,
    schema: { type: "object", properties: Object.fromEntries(names.map((n) => [n, {}])) },
  };
  const source = { args: call.args ?? [], calleeSpan: call.callee.span, calleeText: kind.name };
  return checkArguments(loose, source, emptyScope, "layers.nn").value!;
}

interface Built {
  readonly layer: tf.layers.Layer;
  readonly shapes: (number | null)[][];
}

/** Builds the tfjs layer from the registry's description and applies it to symbolic inputs. */
export function buildTfjs(kind: LayerKind, args: Args, inputs: readonly Shape[], dtype: DType = "float32"): Built {
  // The runtime's builder: nested layers and objects first, and tfjs gets a copy of every config.
  const description = tfjsLayerOf(kind, args, "l");
  const before = structuredClone(description);
  const layer = createLayer(description);
  expect(description, "tfjs must not change the IR").toEqual(before);
  const symbolic = inputs.map((shape) =>
    tf.input({ shape: shape.map((d) => (typeof d === "number" ? d : null)), dtype }),
  );
  const out = layer.apply(symbolic.length === 1 ? symbolic[0]! : symbolic) as tf.SymbolicTensor | tf.SymbolicTensor[];
  return { layer, shapes: (Array.isArray(out) ? out : [out]).map((o) => o.shape as (number | null)[]) };
}

export const weightSize = (w: tf.LayerVariable): number => w.shape.reduce<number>((a, b) => a * b!, 1);
export const asTfjs = (shape: Shape) => [null, ...shape.map((d) => (typeof d === "number" ? d : null))];

/** Data for a shape: a batch of 2, and 5 for every symbol or unknown size. */
export const symbolSize = 5;
export const concrete = (shape: Shape) => [2, ...shape.map((d) => (typeof d === "number" ? d : symbolSize))];
