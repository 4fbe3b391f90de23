/**
 * Slice, Unpack and SplitV for the wasm backend, reading the input in place on the wasm heap. The backend's
 * own Slice copies the whole input out of the heap before it cuts its piece, and its Unpack and SplitV call
 * that Slice once per piece: unstacking a [64, 80, 32] sequence into 80 steps (what every recurrent layer
 * does, forwards and in its gradient) copied 80 times 655 kB, a third of an LSTM's training step.
 *
 * And Identity (tf.clone, which the engine runs on every tensor it keeps for a gradient) shares its input's
 * memory, as the cpu backend's does and the wasm backend's own Reshape does, instead of copying it: tensors
 * are never written in place.
 */
import * as tf from "@tensorflow/tfjs";
import type { BackendWasm } from "@tensorflow/tfjs-backend-wasm";
import { originalKernel, type Attrs, type Info } from "./wasm-ops.js";

interface KernelArgs {
  readonly inputs: Record<string, Info>;
  readonly backend: unknown;
  readonly attrs?: Attrs;
}

type Heap = Float32Array | Int32Array | Uint8Array;

/** The piece of `x` at `begin` of `size`, as a new tensor on the heap. */
function cut(backend: BackendWasm, x: Info, begin: readonly number[], size: readonly number[]): Info {
  // The output first: allocating may grow the heap, which would leave earlier views of it empty.
  const out = backend.makeOutput([...size], x.dtype);
  const from = backend.typedArrayFromHeap(x) as Heap;
  const to = backend.typedArrayFromHeap(out) as Heap;
  const rank = x.shape.length;
  if (to.length === 0) return out;
  if (rank === 0) {
    to[0] = from[0]!;
    return out;
  }
  const strides = tf.util.computeStrides(x.shape);
  // Copied as runs along the last axis, the outer axes counted like an odometer.
  const run = size[rank - 1]!;
  const index = new Array<number>(rank - 1).fill(0);
  for (let offset = 0; offset < to.length; offset += run) {
    let start = begin[rank - 1]!;
    for (let axis = 0; axis < rank - 1; axis++) start += (begin[axis]! + index[axis]!) * strides[axis]!;
    to.set(from.subarray(start, start + run), offset);
    for (let axis = rank - 2; axis >= 0 && ++index[axis]! === size[axis]; axis--) index[axis] = 0;
  }
  return out;
}

export function slice({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const x = inputs["x"]!;
  if (x.dtype === "string")
    return originalKernel("Slice")({
      inputs,
      backend: backend as object,
      attrs,
    }) as Info;
  const [begin, size] = tf.slice_util.parseSliceParams(
    x as tf.Tensor,
    attrs["begin"] as number[],
    attrs["size"] as number[],
  );
  return cut(backend as BackendWasm, x, begin, size);
}

/** tf.unstack: the pieces of `value` along `axis`, that axis dropped. */
export function unpack({ inputs, backend, attrs = {} }: KernelArgs): Info[] {
  const value = inputs["value"]!;
  const rank = value.shape.length;
  const axis = (Number(attrs["axis"]) + rank) % rank;
  const size = value.shape.map((n, i) => (i === axis ? 1 : n));
  const shape = value.shape.filter((_, i) => i !== axis);
  return Array.from({ length: value.shape[axis]! }, (_, i) => {
    const begin = value.shape.map((_, j) => (j === axis ? i : 0));
    const { dataId, dtype } = cut(backend as BackendWasm, value, begin, size);
    return { dataId, dtype, shape };
  });
}

/** tf.split: consecutive pieces of `x` along `axis`, of the given sizes (or a number of equal ones). */
export function splitV({ inputs, backend, attrs = {} }: KernelArgs): Info[] {
  const x = inputs["x"]!;
  const axis = tf.util.parseAxisParam(attrs["axis"] as number, x.shape)[0]!;
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs["numOrSizeSplits"] as number[] | number, axis);
  let at = 0;
  return sizes.map((n) => {
    const begin = x.shape.map((_, i) => (i === axis ? at : 0));
    at += n;
    return cut(
      backend as BackendWasm,
      x,
      begin,
      x.shape.map((d, i) => (i === axis ? n : d)),
    );
  });
}

export function identity({ inputs, backend, attrs = {} }: KernelArgs): Info {
  const x = inputs["x"]!;
  if (x.dtype === "string") return originalKernel("Identity")({ inputs, backend: backend as object, attrs }) as Info;
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
