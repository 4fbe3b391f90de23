/**
 * Picks the TensorFlow.js backend. Only the pure-JavaScript cpu backend is available here (tfjs-node is a
 * native module we do not depend on), so this is the one place that says so.
 */
import * as tf from "@tensorflow/tfjs";

/** Sets the cpu backend once and returns its name, for the "backend: cpu" line. */
export async function initBackend(): Promise<string> {
  if (tf.getBackend() !== "cpu") await tf.setBackend("cpu");
  // The cpu backend prints a "looks like you are running TensorFlow.js in Node.js" banner on its first
  // write; nnc says which backend it uses itself, so the banner is only noise.
  (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
  await tf.ready();
  return tf.getBackend();
}
