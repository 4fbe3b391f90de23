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
import { fusedLstm, fusedLstmRuns, lstmInference, lstmOutputRows } from "./fused-lstm-op.js";

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
    const settings = {
      units: cell.units,
      hardSigmoid: recurrentActivation === "hardSigmoid",
      goBackwards: self.goBackwards,
      sequences: self.returnSequences,
      state: self.returnState,
    };
    // Without a gradient to take (predict, evaluate), nothing of the steps is kept for one.
    const recording = tf.engine().state.gradientDepth > 0;
    if (
      tf.getBackend() !== "wasm" ||
      !fusedLstmRuns(settings, recording) ||
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
      const op = recording ? fusedLstm(settings) : lstmInference(settings);
      const [h0, c0] = initial ?? [tf.zeros([batch, units]), tf.zeros([batch, units])];
      const bias = cell.bias ? cell.bias.read() : tf.zeros([4 * units]);
      // [batch, rows, units]: the hidden states (every step's or the last), then the last cell state.
      const states = op(x, cell.kernel.read(), cell.recurrentKernel.read(), bias, h0!, c0!);
      const rows = lstmOutputRows(settings, steps);
      if (!self.returnState) return rows === 1 ? tf.reshape(states, [batch, units]) : states;
      const row = (k: number) => tf.reshape(tf.slice(states, [0, k, 0], [batch, 1, units]), [batch, units]);
      const h = self.returnSequences ? tf.slice(states, [0, 0, 0], [batch, steps, units]) : row(0);
      return [h, row(rows - 2), row(rows - 1)];
    });
  }
}

tf.serialization.registerClass(NncLSTM as unknown as tf.serialization.SerializableConstructor<tf.layers.Layer>);
