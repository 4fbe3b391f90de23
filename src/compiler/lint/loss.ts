/**
 * The loss lints: each output's activation against its own loss (NN5001), and a classifier output that is
 * not flat (NN5008).
 */
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { formatNnShape, lossesOf, type IrLayer, type IrTrain, type JsonValue, type Shape } from "../ir/index.js";
import { hasTrait } from "../registry/index.js";
import { losses } from "../registry/train-options.js";
import { activationOf, type Graph } from "./graph.js";

const crossentropies = new Set(["categorical_crossentropy", "sparse_categorical_crossentropy", "binary_crossentropy"]);

/** Each output's activation against its loss in a `train` block (`loss: { kind: ..., price: ... }`). */
export function lintLoss(graph: Graph, train: IrTrain): Diagnostic[] {
  const perOutput = lossesOf(train);
  return graph.model.outputs.flatMap((ref, i) => {
    const last = graph.layer(ref.node);
    const loss = perOutput[Math.min(i, perOutput.length - 1)]!;
    return last ? lintOutputLoss(graph, train, last, last.outputShapes[ref.index]!, loss) : [];
  });
}

/** One output's activation (`last`'s, of `shape`) against its loss. */
function lintOutputLoss(graph: Graph, train: IrTrain, last: IrLayer, shape: Shape, loss: string): Diagnostic[] {
  const related = [{ ...train.location, message: `trained with ${loss} here` }];
  const classification = losses[loss]?.targets !== "value";
  // csv, json and idx give one label per example; npy's targets may have the output's shape (one class per step),
  // and with `target: input` the targets are the input's values, of the output's shape.
  const oneLabelPerExample = train.data.name !== "npy" && !train.target;
  if (classification && shape.length > 1 && oneLabelPerExample) {
    const onImage = hasTrait(last.kind, "fully-connected") && (graph.inputShape(last)?.length ?? 0) > 1;
    const hint = onImage
      ? "dense acts on the last axis only: add flatten() or global_average_pooling2d() before it"
      : "add flatten() or global pooling before the last layer";
    return [diagnostic("NN5008", last.location, { loss, shape: formatNnShape(shape) }, { hint, related })];
  }
  const activation = activationOf(last);
  if (activation === undefined || !crossentropies.has(loss)) return [];
  const classes = shape.at(-1);
  const problem = lossProblem(loss, activation, classes);
  if (!problem) return [];
  return [
    diagnostic(
      "NN5001",
      last.location,
      { activation, loss, problem: problem.problem },
      { hint: problem.hint, related },
    ),
  ];
}

function lossProblem(
  loss: string,
  activation: string,
  classes: JsonValue | undefined,
): { problem: string; hint: string } | undefined {
  if (activation === "linear") {
    const wanted = loss === "binary_crossentropy" ? "sigmoid" : "softmax";
    return {
      problem: "the loss expects probabilities, but the output is unbounded (logits)",
      hint: `add activation: ${wanted} to the last layer`,
    };
  }
  if (loss === "binary_crossentropy" && activation === "softmax") {
    return {
      problem: "softmax makes the outputs sum to 1, but binary_crossentropy scores each output on its own",
      hint:
        classes === 1
          ? "use activation: sigmoid (softmax over one unit is always 1)"
          : "use activation: sigmoid, or loss: categorical_crossentropy",
    };
  }
  if (loss !== "binary_crossentropy" && activation === "sigmoid" && typeof classes === "number" && classes > 1) {
    return {
      problem: "sigmoid scores each class on its own, but the loss expects one distribution over the classes",
      hint: "use activation: softmax",
    };
  }
  return undefined;
}
