/**
 * The one catalogue of diagnostic codes: severity, a title (used by docs and `nnc explain`) and the message.
 * Codes are grouped by phase: NN1xxx syntax, NN2xxx names and arguments, NN3xxx shapes, NN4xxx training and
 * data, NN5xxx lints, NN6xxx what a compile target (`--target pytorch`) cannot express. A code is never reused
 * for another meaning; `test/docs.test.ts` keeps every code documented in docs/diagnostics.md, with an example
 * that produces it.
 */
export type Severity = "error" | "warning" | "info";

interface Entry<A> {
  readonly severity: Severity;
  readonly title: string;
  readonly message: (args: A) => string;
}

function error<A = Record<string, never>>(title: string, message: (args: A) => string): Entry<A> {
  return { severity: "error", title, message };
}

function warning<A = Record<string, never>>(title: string, message: (args: A) => string): Entry<A> {
  return { severity: "warning", title, message };
}

function info<A = Record<string, never>>(title: string, message: (args: A) => string): Entry<A> {
  return { severity: "info", title, message };
}

/** Quotes a name for a message: `'dense'`, or `"'"` for a text that holds a single quote. */
const q = (s: string | number) => (String(s).includes("'") ? `"${s}"` : `'${s}'`);

export const messages = {
  NN1001: error<{ detail: string }>("Syntax error", (a) => a.detail),
  NN1002: error<{ text: string }>("Unexpected character", (a) => `unexpected character ${q(a.text)}`),
  NN1003: error<{ text: string }>("Invalid number", (a) => `${q(a.text)} is not a valid number`),
  NN1004: error<{ path: string; reason?: string }>(
    "Cannot read file",
    (a) => `cannot read ${q(a.path)}: ${a.reason ?? "no such file"}`,
  ),
  NN1005: error<{ limit: number }>(
    "Nesting too deep",
    (a) => `nesting too deep: more than ${a.limit} brackets, parentheses, braces or unary minuses open at once`,
  ),
  NN1006: error<{ limit: number }>(
    "Too many syntax errors",
    (a) => `too many syntax errors: nnc stopped reading the file here after ${a.limit}`,
  ),
  NN1007: error<{ size: string; limit: string }>(
    "File too large",
    (a) => `the file is ${a.size}, larger than the ${a.limit} nnc reads in one .nn file`,
  ),
  NN1008: warning<{ code: string; place: string }>(
    "Bidirectional control character",
    (a) =>
      `bidirectional control character ${a.code} in a ${a.place}: the text may show in another order than nnc reads it`,
  ),
  NN1009: error<{ limit: number }>("Expression too long", (a) => `expression too long: more than ${a.limit} terms`),
  NN1010: info<{ count: string; errors: string }>(
    "Too many diagnostics",
    (a) => `${a.count} more diagnostics in this file are not shown (${a.errors} of them errors); fix the first ones`,
  ),

  NN2001: error<{ name: string }>("Unknown layer or block", (a) => `unknown layer or block ${q(a.name)}`),
  NN2002: error<{ name: string }>("Unknown tensor", (a) => `no tensor named ${q(a.name)} is defined above this line`),
  NN2003: error<{ name: string; callee: string }>(
    "Unknown argument",
    (a) => `${q(a.callee)} has no argument ${q(a.name)}`,
  ),
  NN2004: error<{ name: string; callee: string }>(
    "Missing argument",
    (a) => `${q(a.callee)} needs the argument ${q(a.name)}`,
  ),
  NN2005: error<{ name: string; callee: string; problem: string }>(
    "Invalid argument value",
    (a) => `argument ${q(a.name)} of ${q(a.callee)} ${a.problem}`,
  ),
  NN2006: error<{ callee: string; max: number }>(
    "Too many positional arguments",
    (a) => `${q(a.callee)} takes at most ${a.max} positional argument${a.max === 1 ? "" : "s"}`,
  ),
  NN2007: error<{ name: string }>("Duplicate argument", (a) => `argument ${q(a.name)} is given more than once`),
  NN2008: error<{ what: string; name: string }>("Duplicate name", (a) => `${a.what} ${q(a.name)} is already defined`),
  NN2009: error<{ name: string }>("Unknown model", (a) => `no model named ${q(a.name)} in this file`),
  NN2010: error<{ path: string; reason: string }>("Import failed", (a) => `cannot import ${q(a.path)}: ${a.reason}`),
  NN2011: error<{ name: string; path: string }>(
    "Name not found in import",
    (a) => `${q(a.path)} has no block named ${q(a.name)}`,
  ),
  NN2012: error<{ name: string }>("Recursive block", (a) => `block ${q(a.name)} calls itself`),
  NN2013: error<{ name: string }>("Unknown dtype", (a) => `unknown dtype ${q(a.name)}; use float32 or int32`),
  NN2014: error("Positional argument after named", () => "a positional argument cannot follow a named one"),
  NN2015: error<{ callee: string; expected: string; got: number }>(
    "Wrong number of inputs",
    (a) => `${q(a.callee)} takes ${a.expected} input tensor${a.expected === "1" ? "" : "s"}, got ${a.got}`,
  ),
  NN2016: error<{ name: string }>("Model without input", (a) => `model ${q(a.name)} has no input`),
  NN2017: error<{ callee: string }>(
    "No current tensor",
    (a) => `${q(a.callee)} has no input: there is no single current tensor here`,
  ),
  NN2018: error<{ text: string }>("Not a layer call", (a) => `${q(a.text)} is not a layer call`),
  NN2019: error<{ problem: string }>("Invalid expression", (a) => a.problem),
  NN2020: error<{ name: string }>("Block without return", (a) => `block ${q(a.name)} has no return statement`),
  NN2021: error<{ statement: string; where: string }>(
    "Statement not allowed here",
    (a) => `${q(a.statement)} is not allowed in a ${a.where}`,
  ),
  NN2022: error<{ name: string; word: string }>(
    "Unknown figure",
    (a) => `${a.word} cannot compare ${q(a.name)}: use params, trainable_params, non_trainable_params or macs`,
  ),
  NN2023: error<{ name: string; reason: string }>(
    "Figure not available",
    (a) => `${a.name} is not available: ${a.reason}`,
  ),
  NN2024: error<{ path: string; size: string; limit: string }>(
    "Imported file too large",
    (a) => `cannot import ${q(a.path)}: it is ${a.size}, larger than the ${a.limit} nnc reads in one .nn file`,
  ),
  NN2025: error<{ path: string; limit: number }>(
    "Too many imported files",
    (a) => `cannot import ${q(a.path)}: one check reads at most ${a.limit} files (the spec and its imports)`,
  ),
  NN2026: error<{ name: string; first: string }>(
    "Name changes meaning in a repeat",
    (a) => `${q(a.name)} is ${a.first} the first time round this repeat, and a tensor bound below it every time after`,
  ),
  NN2027: error<{ name: string; problem: string }>("Misused shared layer", (a) => `${q(a.name)} ${a.problem}`),
  NN2028: error(
    "Outputs listed twice",
    () => "the model's outputs are already listed above: one output statement names them all",
  ),
  NN2029: error<{ model: string; name: string }>(
    "Unknown tensor of a called model",
    (a) => `model ${q(a.model)} has no tensor named ${q(a.name)}`,
  ),
  NN2030: error<{ name: string }>("Recursive model call", (a) => `model ${q(a.name)} calls itself`),
  NN2031: error<{ model: string; name: string }>(
    "Model parameter without a value",
    (a) => `parameter ${q(a.name)} of model ${q(a.model)} has no default value`,
  ),
  NN2032: error<{ problem: string }>("Malformed --set argument", (a) => `--set argument: ${a.problem}`),
  NN2033: error<{ name: string }>(
    "Output listed twice",
    (a) => `output ${q(a.name)} is listed twice: a model's outputs are each listed once`,
  ),
  NN2034: error<{ what: string; name: string; problem: string }>(
    "Name a model tensor cannot have",
    (a) => `${a.what} ${q(a.name)} cannot be named so: ${a.problem}`,
  ),
  NN2035: error<{ name: string; output: string; column: string }>(
    "Output named like another output's prediction column",
    (a) =>
      `output ${q(a.name)} has the name of a column nnc predict gives output ${q(a.output)} (${a.column}): the predictions would have two columns of one name`,
  ),
  NN2036: error<{ by: string; name: string; detail: string }>(
    "Unknown --set name",
    (a) => `${a.by} cannot set ${q(a.name)}: ${a.detail}`,
  ),
  NN2037: error<{ by: string; name: string; first: string; second: string }>(
    "Ambiguous --set name",
    (a) => `${a.by} ${q(a.name)} could mean ${a.first} or ${a.second}: write the one you mean`,
  ),
  NN2038: error<{ name: string; canonical: string }>(
    "Set twice",
    (a) => `${q(a.name)} is set twice (as ${a.canonical}): each setting is given once`,
  ),
  NN2039: error<{ by: string; name: string; reason: string }>(
    "Name --set cannot set",
    (a) => `${a.by} cannot set ${q(a.name)}: ${a.reason}`,
  ),
  NN2040: error<{ name: string; within?: string }>("--set of what the sweep varies", (a) =>
    a.within === undefined
      ? `${q(a.name)} is varied by the sweep's space: each configuration would set it again`
      : `${q(a.name)} is part of ${q(a.within)}, which the sweep's space varies: each configuration would replace it`,
  ),
  NN2043: error<{ name: string; what: string }>(
    "Parameter named like another name of its body",
    (a) => `parameter ${q(a.name)} has the name of ${a.what}`,
  ),
  NN2044: error<{ name: string; other: string }>(
    "Default that uses a later parameter",
    (a) => `the default of parameter ${q(a.name)} uses ${q(a.other)}, which is not declared before it`,
  ),

  NN3001: error<{ callee: string; expected: string; shape: string }>(
    "Wrong input rank",
    (a) => `${q(a.callee)} expects ${a.expected}, but its input has shape ${a.shape}`,
  ),
  NN3002: error<{ callee: string; detail: string }>(
    "Incompatible shapes",
    (a) => `${q(a.callee)} cannot merge these inputs: ${a.detail}`,
  ),
  NN3003: error<{ callee: string; detail: string }>("Window larger than input", (a) => `${q(a.callee)}: ${a.detail}`),
  NN3004: error<{ from: string; to: string }>(
    "Reshape size mismatch",
    (a) => `cannot reshape ${a.from} into ${a.to}: the number of elements differs`,
  ),
  NN3005: error<{ text: string }>(
    "Invalid dimension",
    (a) => `${q(a.text)} is not a valid dimension: use a positive integer, a name, or ?`,
  ),
  NN3006: error<{ callee: string; shape: string; what?: string }>(
    "Fixed size needed",
    (a) => `${q(a.callee)} needs ${a.what ?? "every dimension"} to be known, but its input has shape ${a.shape}`,
  ),
  NN3007: error<{ callee: string; detail: string }>(
    "Invalid layer configuration",
    (a) => `${q(a.callee)}: ${a.detail}`,
  ),
  NN3008: error<{ name: string; actual: string; expected: string }>(
    "Assertion failed",
    (a) => `${a.name} is ${a.actual}, expected ${a.expected}`,
  ),
  NN3009: error<{ name: string; actual: string; expected: string }>(
    "Shape expectation failed",
    (a) => `${q(a.name)} has shape ${a.actual}, expected ${a.expected}`,
  ),
  NN3010: error<{ callee: string; alternative: string }>(
    "Layer not available in tfjs",
    (a) => `${q(a.callee)} is not available in TensorFlow.js 4.22; ${a.alternative}`,
  ),
  NN3011: error<{ what: string; layers: string; limit: string }>(
    "Model too large to expand",
    (a) => `${a.what} expands the model to ${a.layers} layer and block calls, more than the limit of ${a.limit}`,
  ),
  NN3012: error<{ what: string }>(
    "Size too large to count exactly",
    (a) => `${a.what} is larger than 9,007,199,254,740,991 (2^53 - 1), the largest whole number nnc counts exactly`,
  ),
  NN3013: error<{ name: string; params: string; limit: string }>(
    "Too many parameters",
    (a) => `model ${q(a.name)} has ${a.params} parameters, more than the limit of ${a.limit}`,
  ),
  NN3014: error<{ what: string; limit: string }>(
    "Too many statements to check",
    (a) => `${a.what} makes checking the model run more than ${a.limit} statements`,
  ),
  NN3015: error<{ name: string; limit: number }>(
    "Block calls nested too deeply",
    (a) => `this call of block ${q(a.name)} nests more than ${a.limit} block calls inside one another`,
  ),
  NN3016: error<{ callee: string; count: number; expected: string }>(
    "Wrong number of outputs",
    (a) => `${q(a.callee)} has ${a.count} output${a.count === 1 ? "" : "s"} here, ${a.expected}`,
  ),
  NN3018: error<{ model: string; input: string; expected: string; got: string }>(
    "Model call input does not fit",
    (a) => `model ${q(a.model)} takes ${q(a.input)} as ${a.expected}, but this call gives it ${a.got}`,
  ),
  NN3019: error<{ layer: string; run: string; detail: string }>(
    "Loaded weights do not fit",
    (a) => `the weights of layer ${q(a.layer)} in ${a.run} do not fit: ${a.detail}`,
  ),
  NN3017: error<{ name: string; part?: string; first: string; here: string }>(
    "Shared layer applied to an input its weights do not fit",
    (a) =>
      `shared layer ${q(a.name)}${a.part ? ` (its ${q(a.part)})` : ""} was built for ${a.first} at its first use, not ${a.here}`,
  ),

  NN4001: error<{ key: string; model: string }>(
    "Missing training setting",
    (a) => `train ${a.model} needs ${q(a.key)}`,
  ),
  NN4002: error<{ key: string }>("Unknown training setting", (a) => `unknown training setting ${q(a.key)}`),
  NN4003: error<{ key: string; problem: string }>("Invalid training setting", (a) => `${q(a.key)} ${a.problem}`),
  NN4004: error<{ what: string; name: string; known: string }>(
    "Unknown training option",
    (a) => `unknown ${a.what} ${q(a.name)} (known: ${a.known})`,
  ),
  NN4005: error<{ path: string; reason: string }>("Data file unusable", (a) => `${a.path}: ${a.reason}`),
  NN4006: error<{ where: string; reason: string }>("Malformed data", (a) => `${a.where}: ${a.reason}`),
  NN4007: error<{ detail: string }>("Data does not fit the model", (a) => a.detail),
  NN4008: error<{ key: string }>("Duplicate training setting", (a) => `${q(a.key)} is set more than once`),
  NN4009: error<{ epoch: number; step: number; value: string }>(
    "Loss is not a number",
    (a) => `the loss became ${a.value} at epoch ${a.epoch}, step ${a.step}; training stopped`,
  ),
  NN4010: error<{ path: string; reason: string }>("Saved run unusable", (a) => `${a.path}: ${a.reason}`),
  NN4011: error<{ detail: string }>("Saved model does not match the spec", (a) => a.detail),
  NN4012: error<{ path: string; entries: string }>(
    "Folder holds files nnc did not write",
    (a) => `${a.path} is not a run folder of nnc and holds files nnc did not write (${a.entries})`,
  ),
  NN4013: error<{ path: string; reason: string }>("Run folder unusable", (a) => `${a.path}: ${a.reason}`),
  NN4014: error<{ path: string; holder: string }>(
    "Run folder in use",
    (a) => `${a.path} is in use by another nnc train (${a.holder})`,
  ),
  NN4015: error<{ callee: string; argument: string; path: string; problem: string }>(
    "Callback path outside the run folder",
    (a) => `${a.callee} ${a.argument} ${JSON.stringify(a.path)} ${a.problem}`,
  ),
  NN4016: error<{ path: string; free: string; needed: string }>(
    "Not enough room for the run",
    (a) => `${a.path}: ${a.free} free, but training this model may write ${a.needed}`,
  ),
  NN4020: error<{ where: string; reason: string }>("Data value not finite", (a) => `${a.where}: ${a.reason}`),
  NN4021: error<{ where: string; reason: string }>("Data past a limit", (a) => `${a.where}: ${a.reason}`),
  NN4022: error<{ key: string; model: string }>(
    "Per-output setting on a model of one output",
    (a) => `${q(a.key)} is given per output, but model ${q(a.model)} has one output`,
  ),
  NN4023: error<{ name: string; model: string; outputs: string }>(
    "Not an output of the model",
    (a) => `${q(a.name)} is not an output of model ${q(a.model)} (its outputs: ${a.outputs})`,
  ),
  NN4024: error<{ key: string; what: string; outputs: string; model: string }>(
    "Output without a loss",
    (a) => `${q(a.key)} gives no ${a.what} for ${a.outputs} of model ${q(a.model)}: every output needs one`,
  ),
  NN4025: error<{ loss: string; output: string; units: number; source: string }>(
    "Loss needs a target per unit",
    (a) =>
      `${a.loss} on ${a.output}, of ${a.units} units, needs ${a.units} targets per example, but ${a.source}() gives one label per example`,
  ),
  NN4026: error<{ metric: string; problem: string }>(
    "Metric does not fit the output's targets",
    (a) => `metric ${q(a.metric)} ${a.problem}`,
  ),
  NN4027: error<{ loss: string; output: string }>(
    "Loss over classes on one unit",
    (a) => `${a.loss} on ${a.output}, of 1 unit, needs a unit per class, and there are at least two`,
  ),

  NN4034: warning<{ path: string }>(
    "Run to load weights from not found",
    (a) => `${a.path} holds no trained run yet: its weights are loaded when it does (train it first)`,
  ),
  NN4035: error<{ path: string; reason: string }>(
    "Cannot load weights",
    (a) => `cannot load weights from ${a.path}: ${a.reason}`,
  ),
  NN4036: error<{ name: string; model: string }>(
    "Unknown layer to unfreeze",
    (a) => `model ${q(a.model)} has no layer named ${q(a.name)}`,
  ),
  NN4037: warning<{ path: string; model: string }>(
    "Run to initialize from shares no layer",
    (a) => `${a.path} shares no layer name with model ${q(a.model)}: init loads no weights from it`,
  ),
  NN4028: error<{ argument: string; name: string; kind: "input" | "output"; model: string; names: string }>(
    "Data names no such input or output",
    (a) =>
      `${a.argument} names ${q(a.name)}, which is not an ${a.kind} of model ${a.model} (its ${a.kind}s: ${a.names})`,
  ),
  NN4029: error<{ what: string; problem: string }>(
    "Data source does not feed the model",
    (a) => `${a.what} ${a.problem}`,
  ),
  NN4030: error<{ input: string; inputShape: string; model: string; output: string; outputShape: string }>(
    "Target shape does not fit the output",
    (a) =>
      `target: ${a.input} has shape ${a.inputShape}, but model ${a.model}${a.output} outputs ${a.outputShape}; a model trained to reproduce an input outputs its shape`,
  ),
  NN4031: error<{ argument: string; target: string }>(
    "Labels given with target",
    (a) =>
      `${a.argument} gives targets, but target: ${a.target} trains the model to reproduce that input; the data needs no labels`,
  ),
  NN4032: error<{ target: string }>(
    "Target scaling with target",
    (a) =>
      `normalize_target scales targets the data gives, but target: ${a.target} trains the model to reproduce that input; drop normalize_target (normalize: scales the input, and so the target)`,
  ),
  NN4044: error<{ figure: string; first: string; second: string }>(
    "Two figures of one name",
    (a) => `figure ${q(a.figure)} would name both ${a.first} and ${a.second}: the history keeps one of them`,
  ),
  NN4045: error<{ what: string; value: number; problem: string }>(
    "Number past float32",
    (a) => `${a.what} ${a.value} ${a.problem}`,
  ),
  NN4046: error<{ loss: string; target: string }>(
    "Class-index loss on a reproduced input",
    (a) => `${a.loss} needs class indices as targets, but target: ${a.target} makes the targets the input's own values`,
  ),
  NN4033: error<{ losses: string }>(
    "Target scaling on labels",
    (a) =>
      `normalize_target scales targets that are values, but the model is trained on labels (${a.losses}): there is nothing to scale`,
  ),
  NN4038: error<{ column: string }>(
    "Label column among the features",
    (a) => `column ${q(a.column)} is a label and a feature: the model would be given the answer it is trained to find`,
  ),
  NN4040: error<{ name: string; model: string; names: string }>(
    "Unknown tensor to predict",
    (a) => `model ${q(a.model)} names no tensor ${q(a.name)} (its tensors: ${a.names})`,
  ),
  NN4041: error<{ loss: string }>(
    "Target scaling with a loss of non-negative targets",
    (a) =>
      `normalize_target standardises the targets, about half of them to negative values, but ${a.loss} needs targets of at least 0`,
  ),
  NN4043: error<{ path: string; entries: string }>(
    "Run folder holds an earlier run",
    (a) => `${a.path} holds an earlier run (${a.entries})`,
  ),
  NN4047: error<{ problem: string }>("Image folder does not fit the model", (a) => `images() ${a.problem}`),
  NN4048: error<{ where: string; reason: string }>("Image folder unusable", (a) => `${a.where}: ${a.reason}`),
  NN4049: error<{ where: string; reason: string }>("Image file does not decode", (a) => `${a.where}: ${a.reason}`),
  NN4050: error<{ where: string; reason: string }>("Image past a limit", (a) => `${a.where}: ${a.reason}`),
  NN4051: error<{ size: string; values: number; max: number }>(
    "Image example past a limit",
    (a) =>
      `images() makes examples of ${a.size} = ${a.values.toLocaleString("en-US")} values; nnc reads at most ${a.max.toLocaleString("en-US")} values per image example`,
  ),
  NN4053: error<{ needs: string; model: string; takes: string }>(
    "Text does not fit the model's input",
    (a) => `text(...) gives ${a.needs}, but model ${q(a.model)} takes ${a.takes}`,
  ),
  NN4054: error<{ layer: string; inputDim: number; maxTokens: number; input: string }>(
    "Embedding smaller than the text vocabulary",
    (a) =>
      `max_tokens ${a.maxTokens} gives input ${q(a.input)} ids up to ${a.maxTokens - 1}, but ${q(a.layer)} takes ids below ${a.inputDim}`,
  ),
  NN4055: warning<{ layer: string }>(
    "Text padding not masked",
    (a) =>
      `text(...) without sequence_length pads each batch with id 0 to its longest text, but ${q(a.layer)} reads the padding as a word`,
  ),
  NN4056: error<{ key: string; kind: string; trained: string }>(
    "Held-out data of another kind",
    (a) =>
      `${a.key}: reads ${a.kind}(...), but data: reads ${a.trained}(...); held-out data is read as the training data is`,
  ),
  NN4057: error<{ key: string; argument: string; value: string; trained: string }>(
    "Held-out text vectorized otherwise",
    (a) =>
      `${a.key}: text(...) sets ${a.argument}: ${a.value}, but its texts are vectorized as data:'s are (${a.argument}: ${a.trained})`,
  ),
  NN4058: warning<{ key: string; path: string }>(
    "Held-out data is the training data",
    (a) => `${a.key}: reads ${a.path}, the file data: trains on`,
  ),
  NN4059: error<{ key: string; loss: string; output: string }>(
    "Class weights on an output that does not classify",
    (a) => `${q(a.key)} weighs classes, but ${a.output} is trained with ${q(a.loss)}, which fits values, not classes`,
  ),
  NN4060: error<{ name: string; output: string; source: string; classes: string }>(
    "Class weight for a class not in the data",
    (a) =>
      `class_weight names class ${q(a.name)}, which is not a class${a.output} in ${a.source} (its classes: ${a.classes})`,
  ),
  NN4061: error<{ where: string; reason: string }>("Sample weight not usable", (a) => `${a.where}: ${a.reason}`),
  NN4062: error<{ column: string; as: string }>(
    "Sample weight column read as data",
    (a) => `column ${q(a.column)} is the sample weight and ${a.as}: a row's weight would be given to the model as data`,
  ),
  NN4063: error<{ key: string }>(
    "Sample weights outside the training data",
    (a) => `sample_weight weighs the training rows, but ${q(a.key)} is evaluated unweighted, as Keras's validation is`,
  ),
  NN4064: error<{ model: string; inputs: string }>(
    "Preview of data that is not images",
    (a) => `nnc data --preview draws images, but model ${q(a.model)} reads none: its inputs are ${a.inputs}`,
  ),
  NN4065: error<{ model: string; input: string; stop: string }>(
    "No augmentation layers to preview",
    (a) =>
      `--augmented shows the model's augmentation layers, but model ${q(a.model)} has none on input ${q(a.input)} before ${a.stop}`,
  ),
  NN4070: error<{ key: string }>("Unknown sweep setting", (a) => `unknown sweep setting ${q(a.key)}`),
  NN4071: error<{ key: string; model: string }>("Missing sweep setting", (a) => `sweep ${a.model} needs ${q(a.key)}`),
  NN4072: error<{ key: string; problem: string }>("Invalid sweep setting", (a) => `${q(a.key)} ${a.problem}`),
  NN4073: error<{ model: string }>(
    "Sweep without a train block",
    (a) => `sweep ${a.model} has nothing to vary: no train block trains ${q(a.model)} in this file`,
  ),
  NN4075: error<{ name: string; problem: string }>(
    "Invalid distribution",
    (a) => `the distribution of ${q(a.name)}: ${a.problem}`,
  ),
  NN4076: error<{ name: string; distribution: string }>(
    "Continuous distribution in a grid",
    (a) => `a grid cannot list the values of ${q(a.name)}: ${a.distribution} takes any number between its bounds`,
  ),
  NN4077: error<{ what: string; limit: string }>(
    "Sweep past a limit",
    (a) => `${a.what}: more than the ${a.limit} a sweep takes`,
  ),
  NN4078: error<{ metric: string; model: string; available: string }>(
    "Objective not a figure of the training",
    (a) => `the training of ${q(a.model)} reports no ${q(a.metric)} (it reports ${a.available})`,
  ),
  NN4079: error<{ model: string }>(
    "Second sweep of a model",
    (a) => `model ${q(a.model)} has a sweep above already: both would write runs/${a.model}-sweep`,
  ),
  NN4080: error<{ detail: string }>("Sweep space mostly invalid", (a) => a.detail),
  NN4081: error<{ path: string; problem: string }>(
    "Sweep changed since it started",
    (a) => `cannot resume the sweep in ${a.path}: ${a.problem}`,
  ),
  NN4082: error<{ path: string; problem: string }>("Sweep folder unusable", (a) => `${a.path} ${a.problem}`),
  NN4083: error<{ model: string; batchSize: number; estimate: string; ceiling: string; memory: string }>(
    "Training step too large for the wasm backend",
    (a) =>
      `a training step of ${a.model} with batch_size ${a.batchSize} needs about ${a.estimate}, more than the ${a.ceiling} of tensors the wasm backend's ${a.memory} memory holds`,
  ),
  NN5001: warning<{ activation: string; loss: string; problem: string }>(
    "Output activation does not fit the loss",
    (a) => `the output activation ${q(a.activation)} does not fit ${q(a.loss)}: ${a.problem}`,
  ),
  NN5002: warning<{ callee: string }>(
    "Dense layers without activation between them",
    (a) => `${q(a.callee)} has no activation and feeds another dense layer: the two collapse into one linear map`,
  ),
  NN5003: warning(
    "Dropout as the last layer",
    () => "dropout is the model's last layer: it drops outputs, not features",
  ),
  NN5004: warning<{ callee: string }>("Unused layer output", (a) => `the output of ${q(a.callee)} is never used`),
  NN5005: warning<{ name: string }>("Unused input", (a) => `input ${q(a.name)} is never used`),
  NN5006: info<{ callee: string }>(
    "Bias before batch normalization",
    (a) => `batch_normalization cancels the bias of the ${q(a.callee)} before it`,
  ),
  NN5007: warning<{ params: string }>(
    "Very large dense layer after flatten",
    (a) => `this dense layer after flatten() has ${a.params} parameters`,
  ),
  NN5008: warning<{ loss: string; shape: string }>(
    "Classifier output is not flat",
    (a) => `${q(a.loss)} needs one vector of classes per example, but the model's output has shape ${a.shape}`,
  ),
  NN5009: warning<{ callee: string; problem: string }>(
    "Embedding mask that tfjs misapplies",
    (a) => `tfjs 4.22 hands ${q(a.callee)} the mask of an earlier embedding(mask_zero: true) ${a.problem}`,
  ),
  NN5010: warning<{ callee: string; tensor: string }>(
    "Tensor given twice that tfjs frees too early",
    (a) =>
      `${q(a.callee)} takes the output of ${q(a.tensor)} twice, and other layers read it too: tfjs 4.22 may free it too early when it predicts`,
  ),
  NN5011: warning<{ scale: string; source: string }>(
    "Pixels rescaled twice",
    (a) =>
      `rescaling(${a.scale}) shrinks pixels that ${a.source} already scales to [0, 1]: they end near 0, as if they were [0, 255]`,
  ),
  NN5014: warning<{ names: string }>(
    "Percentage error on standardised targets",
    (a) =>
      `${a.names} divides by the targets, which normalize_target standardises to values near 0: it explodes there, and is no percentage of the data's own values`,
  ),
  NN5015: warning<{ callee: string; trainable: string }>(
    "Augmentation after a trainable layer",
    (a) =>
      `${q(a.callee)} augments the output of a trainable ${q(a.trainable)}: it distorts learned features, not the input images`,
  ),
  NN5016: warning<{ callee: string; range: string; source: string }>(
    "Value range does not fit the pixels",
    (a) =>
      `${q(a.callee)} takes pixels in ${a.range} (value_range), but ${a.source} gives pixels in [0, 1]: it saturates or clips them wrongly`,
  ),
  NN6001: error<{ target: string; kind: string; detail?: string }>(
    "Layer the target cannot express",
    (a) => `the ${a.target} target cannot express layer ${q(a.kind)}${a.detail ? ` (${a.detail})` : ""}`,
  ),
  NN6002: error<{ target: string; key: string; value: string; detail?: string }>(
    "Train setting the target cannot express",
    (a) => `the ${a.target} target cannot express ${a.key}: ${a.value}${a.detail ? ` (${a.detail})` : ""}`,
  ),
  NN6003: error<{ target: string; run: string }>(
    "Weights the target cannot load",
    (a) =>
      `the ${a.target} target cannot load the weights of run ${q(a.run)}: the script would start these layers from fresh values`,
  ),
} as const;

export type Code = keyof typeof messages;
export type MessageArgs<C extends Code> = Parameters<(typeof messages)[C]["message"]>[0];

export function isCode(text: string): text is Code {
  return Object.prototype.hasOwnProperty.call(messages, text);
}
