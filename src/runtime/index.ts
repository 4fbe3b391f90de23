/**
 * The nnc runtime: checked IR -> TensorFlow.js. Everything here imports @tensorflow/tfjs; the compiler
 * (`nnc check`, the language server) never loads this module.
 */
export { initBackend } from "./backend.js";
export { buildModel, createLayer } from "./build.js";
export { loadTable, type Table } from "./data/index.js";
export { toDataset, type Dataset } from "./data/tensors.js";
export { NncUserError, type RuntimeCode } from "./errors.js";
export { saveRun, type EpochRecord, type Labels, type Run } from "./save.js";
export { scheduledRate } from "./schedules.js";
export { trainModel, type TrainedRun, type TrainOptions } from "./train.js";
