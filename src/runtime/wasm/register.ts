/**
 * Registers nnc's kernels for tfjs's wasm backend: the gradients it lacks (so every catalogue layer trains
 * under wasm) and faster replacements for some of its own. Call before or after `tf.setBackend("wasm")`.
 */
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs";
import {
  conv2DBackpropFilter,
  conv2DBackpropInput,
  depthwiseConv2dBackpropFilter,
  depthwiseConv2dBackpropInput,
} from "./conv-gradients.js";
import {
  batchMatMul,
  fusedMatMul,
  maxPoolGrad,
  resizeNearestNeighborGrad,
  unsortedSegmentSum,
} from "./fast-kernels.js";
import { identity, slice, splitV, unpack } from "./copy-free-kernels.js";
import { sum } from "./reductions.js";
import { rememberOriginal } from "./wasm-ops.js";

const kernels: Record<string, tf.KernelFunc> = {
  Conv2DBackpropFilter: conv2DBackpropFilter as tf.KernelFunc,
  Conv2DBackpropInput: conv2DBackpropInput as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropFilter: depthwiseConv2dBackpropFilter as tf.KernelFunc,
  DepthwiseConv2dNativeBackpropInput: depthwiseConv2dBackpropInput as tf.KernelFunc,
  BatchMatMul: batchMatMul as tf.KernelFunc,
  _FusedMatMul: fusedMatMul as tf.KernelFunc,
  MaxPoolGrad: maxPoolGrad as tf.KernelFunc,
  UnsortedSegmentSum: unsortedSegmentSum as tf.KernelFunc,
  ResizeNearestNeighborGrad: resizeNearestNeighborGrad as tf.KernelFunc,
  Slice: slice as tf.KernelFunc,
  Unpack: unpack as tf.KernelFunc,
  SplitV: splitV as tf.KernelFunc,
  Identity: identity as tf.KernelFunc,
  Sum: sum as tf.KernelFunc,
};

/** The kernel names nnc registers for the wasm backend. */
export const wasmKernelNames: readonly string[] = Object.keys(kernels);

/**
 * Registers every kernel above for the backend 'wasm', replacing the backend's own where it has one (the
 * replaced kernel stays reachable for nnc's kernels that build on it). Calling it again does nothing.
 */
export function registerWasmKernels(): void {
  for (const [kernelName, kernelFunc] of Object.entries(kernels)) {
    const current = tf.getKernel(kernelName, "wasm");
    if (current?.kernelFunc === kernelFunc) continue;
    if (current !== undefined) {
      rememberOriginal(kernelName);
      tf.unregisterKernel(kernelName, "wasm");
    }
    // The backend sets its kernels up as it starts (binding their wasm functions); a replaced kernel's setup
    // still has to run then, for nnc's kernel that calls it.
    const { setupFunc, disposeFunc } = current ?? {};
    tf.registerKernel({ kernelName, backendName: "wasm", kernelFunc, setupFunc, disposeFunc });
  }
}
