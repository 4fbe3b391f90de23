/**
 * The nnc runtime (`nnc/runtime`): checked IR -> TensorFlow.js. `nnc train` trains with it, and the modules
 * `nnc compile` emits call it for what they share with `nnc train` (loading the data, the callbacks, the
 * seed), so neither keeps its own copy. Everything here imports @tensorflow/tfjs; the compiler (`nnc check`,
 * the language server) never loads this module.
 */
export { initBackend } from "./backend.js";
export { buildModel, createLayer } from "./build.js";
export { layers, type LayerFactory } from "./layers/index.js";
export { trainingCallbacks, type CallbackSettings } from "./callbacks.js";
export { loadTable, type Table } from "./data/index.js";
export { openTrainingData, type TrainingBatches } from "./data/batches.js";
export type { DataSettings } from "./data/training-data.js";
export { NncUserError, type RuntimeCode } from "./errors.js";
export { evaluateRun, evaluationSource, type Evaluation } from "./evaluate-run.js";
export { writeFileAtomic } from "../io/write-atomic.js";
export { freshRunFolder } from "../io/output-path.js";
export { saveRun, type EpochRecord, type Labels, type Run } from "./save.js";
export { loadRun, specModelFor, type SavedRun } from "./saved-run.js";
export { historySvg, svgToPng, writePlots } from "./plot.js";
export { predictionsCsv, predictionsJson, predictRun, type Predictions } from "./predict.js";
export { summaryTable } from "./progress.js";
export { testLine, type TestResult } from "./test-set.js";
export { seededRandom, withRandom } from "./random.js";
export { scheduledRate } from "./schedules.js";
export { initFromRun, loadRunWeights } from "./transfer.js";
export { runTraining, trainModel, type TrainedRun, type TrainOptions, type TrainSettings } from "./run-training.js";
