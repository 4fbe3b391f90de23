/**
 * nnc's LSTM layer: tfjs's own (same class name `LSTM`, weights, weight names, config and parameter counts, so
 * a saved model loads in plain tfjs), whose `call` runs the whole sequence as one fused operation on the wasm
 * backend (fused-lstm-op.ts) instead of stepping tfjs's LSTMCell once per time step, which costs about 140
 * engine kernels a step in training.
 *
 * The fused path covers what nnc's lstm uses: no mask, not stateful, no dropout while training, the `tanh`
 * activation with the `sigmoid` or `hardSigmoid` recurrent one, `go_backwards`, `return_sequences`,
 * `return_state` and initial states. Anything else (a mask from `embedding(mask_zero: true)`, dropout in
 * training, other activations, other backends) runs tfjs's own `call`.
 *
 * The class is registered under tfjs's name `LSTM`: tfjs's Bidirectional rebuilds its two layers from the
 * wrapped layer's class name, and models loaded after `nnc/runtime` is imported get the fused layer too.
 */
import * as tf from "@tensorflow/tfjs";
import { fusedLstm } from "./fused-lstm-op.js";

/** What the layer reads of tfjs's LSTM and LSTMCell (fields tfjs-layers keeps public in its JavaScript). */
interface LstmFields {
  cell: {
    units: number;
    activation: object;
    recurrentActivation: object;
    useBias: boolean;
    dropout: number;
    recurrentDropout: number;
    kernel: tf.LayerVariable;
    recurrentKernel: tf.LayerVariable;
    bias: tf.LayerVariable | null;
  };
  returnSequences: boolean;
  returnState: boolean;
  goBackwards: boolean;
  stateful: boolean;
}

type LayerClass = new (config: Record<string, unknown>) => tf.layers.Layer;

// tfjs exports the layer's factory, not its class.
const LstmBase = tf.layers.lstm({ units: 1 }).constructor as LayerClass;

/** tfjs's activation objects name themselves by their class's `className` (`tanh`, `sigmoid`, ...). */
const activationName = (activation: object) => (activation.constructor as { className?: string }).className;

/** tfjs's LSTM, fused on wasm. */
export class NncLSTM extends LstmBase {
  static className = "LSTM";

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return this.fusedCall(inputs, kwargs ?? {}) ?? super.call(inputs, kwargs);
  }

  /** The layer's outputs by the fused operation, or undefined where it does not apply. */
  private fusedCall(
    inputs: tf.Tensor | tf.Tensor[],
    kwargs: Record<string, unknown>,
  ): tf.Tensor | tf.Tensor[] | undefined {
    const self = this as unknown as LstmFields;
    const cell = self.cell;
    const given = kwargs["initialState"] as tf.Tensor[] | null | undefined;
    const list = Array.isArray(inputs) ? inputs : [inputs];
    const x = list[0]!;
    const initial = given ?? undefined;
    const recurrentActivation = activationName(cell.recurrentActivation);
    const dropping = (cell.dropout > 0 || cell.recurrentDropout > 0) && kwargs["training"] === true;
    if (
      tf.getBackend() !== "wasm" ||
      kwargs["mask"] != null ||
      self.stateful ||
      dropping ||
      activationName(cell.activation) !== "tanh" ||
      (recurrentActivation !== "sigmoid" && recurrentActivation !== "hardSigmoid") ||
      x.rank !== 3 ||
      x.dtype !== "float32" ||
      x.shape[1] === 0 ||
      (list.length !== 1 && given == null) ||
      (initial !== undefined && initial.length !== 2)
    ) {
      return undefined;
    }
    return tf.tidy(() => {
      const [batch, steps] = x.shape as [number, number, number];
      const units = cell.units;
      const op = fusedLstm({
        units,
        hardSigmoid: recurrentActivation === "hardSigmoid",
        goBackwards: self.goBackwards,
      });
      const [h0, c0] = initial ?? [tf.zeros([batch, units]), tf.zeros([batch, units])];
      const bias = cell.bias ? cell.bias.read() : tf.zeros([4 * units]);
      const states = op(x, cell.kernel.read(), cell.recurrentKernel.read(), bias, h0!, c0!);
      const last = (which: number) =>
        tf.reshape(tf.slice(states, [which, 0, steps - 1, 0], [1, batch, 1, units]), [batch, units]);
      const h = self.returnSequences
        ? tf.reshape(tf.slice(states, [0, 0, 0, 0], [1, batch, steps, units]), [batch, steps, units])
        : last(0);
      return self.returnState ? [h, self.returnSequences ? last(0) : h, last(1)] : h;
    });
  }
}

tf.serialization.registerClass(NncLSTM as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
