/**
 * Helpers for kernels written in JavaScript for the wasm backend: running the backend's own kernels on
 * `TensorInfo`s (not tensors: no engine bookkeeping, no gradient tape), freeing the intermediates, and
 * reading or writing a tensor's bytes in place on the wasm heap.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";

export type Info = tf.TensorInfo;
export type Attrs = tf.NamedAttrMap;

/** The kernels nnc replaced, as tfjs-backend-wasm registered them, for the replacements to call. */
const originals = new Map<string, tf.KernelConfig>();

/** Keeps the backend's own kernel `name` before nnc registers its replacement. */
export function rememberOriginal(name: string): void {
  if (originals.has(name)) return;
  const kernel = tf.getKernel(name, "wasm");
  if (kernel === undefined) throw new Error(`tfjs-backend-wasm has no kernel '${name}' to replace`);
  originals.set(name, kernel);
}

/** The kernel `name` as the wasm backend defines it: its own (even where nnc replaced it), else nnc's. */
export function originalKernel(name: string): tf.KernelFunc {
  const kernel = originals.get(name) ?? tf.getKernel(name, "wasm");
  if (kernel === undefined) throw new Error(`no kernel '${name}' for the wasm backend`);
  return kernel.kernelFunc;
}

/**
 * Runs wasm kernels and frees every result it made except the one `finish` keeps: the intermediates of one
 * replacement kernel, whose inputs and output belong to the engine.
 */
export class KernelScope {
  private readonly made: Info[] = [];

  constructor(readonly backend: BackendWasm) {}

  /** Runs the backend's kernel `name`; its result lives until `finish`. */
  run(name: string, inputs: Record<string, Info>, attrs: Attrs = {}): Info {
    const result = originalKernel(name)({ inputs, attrs, backend: this.backend }) as Info;
    this.made.push(result);
    return result;
  }

  /** A new float32 or int32 tensor of zeros on the wasm heap, freed at `finish` unless returned. */
  zeros(shape: number[], dtype: "float32" | "int32" = "float32"): Info {
    const result = this.backend.makeOutput(shape, dtype);
    this.heap(result).fill(0);
    this.made.push(result);
    return result;
  }

  /** The values of `info`, in place: valid until the next allocation (the heap may grow and move). */
  heap(info: Info): Float32Array | Int32Array {
    return this.backend.typedArrayFromHeap(info) as Float32Array | Int32Array;
  }

  /** Frees the intermediates and returns `result`, which the engine now owns. */
  finish(result: Info): Info {
    for (const info of this.made) {
      if (info !== result) this.backend.disposeData(info.dataId);
    }
    this.made.length = 0;
    return result;
  }
}

/** Reshape of a kernel's input or intermediate (shares its data). */
export function reshape(scope: KernelScope, x: Info, shape: number[]): Info {
  return scope.run("Reshape", { x }, { shape });
}

export function transpose(scope: KernelScope, x: Info, perm: number[]): Info {
  return scope.run("Transpose", { x }, { perm });
}
