/**
 * The three training benchmarks, each written three ways that must agree: as a `.nn` spec (what nnc trains),
 * as hand-written tfjs (what a tfjs user writes, with tfjs's defaults), and in bench/train_torch.py. Data is
 * synthetic: uniform features (or random word ids) and random class labels.
 */
import type * as tfType from "@tensorflow/tfjs";

export type ModelName = "mlp" | "convnet" | "lstm" | "text";
export const modelNames: readonly ModelName[] = ["mlp", "convnet", "lstm", "text"];

export interface BenchModel {
  readonly title: string;
  /** The model's name in tables. */
  readonly short: string;
  readonly batch: number;
  /** One example's shape. */
  readonly inputShape: readonly number[];
  /** Word ids below this bound (an int32 input), or 0 for float features in [0, 1). */
  readonly vocabulary: number;
  /** Classes of the label; 2 with a sigmoid output means binary. */
  readonly classes: number;
  /** The spec, reading `x.npy` and `y.npy` beside it. */
  readonly spec: string;
  /** The same model in tfjs, compiled with Adam and the same loss. */
  readonly tfjs: (tf: typeof tfType) => tfType.LayersModel;
}

/** Rows `nnc predict` is timed on: enough for several of its batches of 256. */
export const predictRows: Record<ModelName, number> = { mlp: 8192, convnet: 2048, lstm: 2048, text: 2048 };

const SEQUENCE = 80;
const VOCABULARY = 10_000;

function train(model: string, loss: string, batch: number): string {
  return [
    `train ${model} {`,
    `  data: npy(x: "x.npy", y: "y.npy")`,
    `  loss: ${loss}`,
    `  optimizer: adam`,
    `  epochs: 1`,
    `  batch_size: ${batch}`,
    `}`,
  ].join("\n");
}

export const benchModels: Record<ModelName, BenchModel> = {
  mlp: {
    title: "MLP 784-256-256-10, batch 128",
    short: "MLP",
    batch: 128,
    inputShape: [784],
    vocabulary: 0,
    classes: 10,
    spec: `model Mlp {
  input x: [784]
  dense(256, activation: relu)
  dense(256, activation: relu)
  dense(10, activation: softmax)
}
${train("Mlp", "categorical_crossentropy", 128)}
`,
    tfjs: (tf) => {
      const model = tf.sequential();
      model.add(tf.layers.dense({ inputShape: [784], units: 256, activation: "relu" }));
      model.add(tf.layers.dense({ units: 256, activation: "relu" }));
      model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
      model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
      return model;
    },
  },
  convnet: {
    title: "Keras MNIST convnet (examples/mnist_convnet.nn), batch 64",
    short: "convnet",
    batch: 64,
    inputShape: [28, 28, 1],
    vocabulary: 0,
    classes: 10,
    spec: `model MnistConvnet {
  input image: [28, 28, 1]
  conv2d(32, kernel_size: [3, 3], activation: relu)
  max_pooling2d(pool_size: [2, 2])
  conv2d(64, kernel_size: [3, 3], activation: relu)
  max_pooling2d(pool_size: [2, 2])
  flatten()
  dropout(0.5)
  dense(10, activation: softmax)
}
${train("MnistConvnet", "categorical_crossentropy", 64)}
`,
    tfjs: (tf) => {
      const model = tf.sequential();
      model.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
      model.add(tf.layers.maxPooling2d({ poolSize: 2 }));
      model.add(tf.layers.flatten());
      model.add(tf.layers.dropout({ rate: 0.5 }));
      model.add(tf.layers.dense({ units: 10, activation: "softmax" }));
      model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
      return model;
    },
  },
  lstm: {
    title: `LSTM sequence classifier (${SEQUENCE} steps of 32 features, lstm(64), dense(1)), batch 64`,
    short: "LSTM",
    batch: 64,
    inputShape: [SEQUENCE, 32],
    vocabulary: 0,
    classes: 2,
    spec: `model SequenceLstm {
  input steps: [${SEQUENCE}, 32]
  lstm(64)
  dense(1, activation: sigmoid)
}
${train("SequenceLstm", "binary_crossentropy", 64)}
`,
    tfjs: (tf) => {
      const model = tf.sequential();
      model.add(tf.layers.lstm({ inputShape: [SEQUENCE, 32], units: 64 }));
      model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
      model.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
      return model;
    },
  },
  text: {
    title: `LSTM text classifier (embedding ${VOCABULARY.toLocaleString("en-US")}x64, lstm(64), ${SEQUENCE} tokens), batch 64`,
    short: "text LSTM",
    batch: 64,
    inputShape: [SEQUENCE],
    vocabulary: VOCABULARY,
    classes: 2,
    spec: `model TextLstm {
  input tokens: [${SEQUENCE}] int32
  embedding(${VOCABULARY}, 64)
  lstm(64)
  dense(1, activation: sigmoid)
}
${train("TextLstm", "binary_crossentropy", 64)}
`,
    tfjs: (tf) => {
      const model = tf.sequential();
      model.add(tf.layers.embedding({ inputShape: [SEQUENCE], inputDim: VOCABULARY, outputDim: 64 }));
      model.add(tf.layers.lstm({ units: 64 }));
      model.add(tf.layers.dense({ units: 1, activation: "sigmoid" }));
      model.compile({ optimizer: "adam", loss: "binaryCrossentropy" });
      return model;
    },
  },
};
