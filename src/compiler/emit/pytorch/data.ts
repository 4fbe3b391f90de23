/**
 * The data part of an emitted PyTorch script: Python readers for the sources a train block may name (csv and
 * json tables, idx, npy), which read them as nnc's runtime does (src/runtime/data/), and `load_data()`, the
 * train block's sources as calls of those readers.
 *
 * What the script reproduces: a table's features (every column but the label and the sample weight, or
 * `features:`), numbers written in decimal and finite as float32, `missing: error | drop`; classes sorted as
 * `sortedClasses` sorts them (numerically when every label is a number, else by code point), over the training
 * source's labels; targets one-hot, class indices or values as the loss wants them; `normalize: standard |
 * minmax` fitted over the training source's rows (population deviation; a constant column becomes 0), and
 * applied to validation and test sources with the training statistics and feature columns; idx pixels scaled to
 * [0, 1] unless `scale: false`; examples reshaped to the model input. The row order before a `validation_split`
 * is a seeded permutation, numpy's rather than nnc's generator: the held-out rows differ from `nnc train`'s.
 *
 * `normalize_target: standard` scales value targets by the training rows' mean and population deviation, and
 * the errors in the targets' units (mae, rmse, mse) are reported in them, as fit-loop.ts reports them.
 *
 * `sample_weight:` (a table's column) and `class_weight:` multiply each training row's loss, as Keras's fit does
 * (the loss figure is the weighted one; validation and test are unweighted).
 *
 * What it does not (NN6002 at the key): images() and text() sources, sequences in JSON fields, several inputs
 * or outputs, `pad`, npy's `sample_weight`.
 */
import { diagnostic, type Diagnostic, type Location } from "../../diagnostics/index.js";
import { formatNnShape, type IrCall, type IrModel, type IrTrain, type JsonValue } from "../../ir/index.js";
import { dataSources } from "../../registry/data-sources.js";
import { losses } from "../../registry/train-options.js";
import { maxLineLength } from "./format.js";
import { py } from "./python.js";

/** The train fields that name a data source, and their keys as written. */
const sourceFields = [
  ["data", "data"],
  ["validation", "validation"],
  ["test", "test"],
] as const;

/** The arguments of a table source the script reads; the others are NN6002. */
const tableArgs = new Set(["path", "label", "features", "normalize", "missing", "normalize_target", "sample_weight"]);
const supportedArgs: Readonly<Record<string, ReadonlySet<string>>> = {
  csv: tableArgs,
  json: tableArgs,
  idx: new Set(["images", "labels", "scale"]),
  npy: new Set(["x", "y", "normalize_target"]),
};

/** NN6002 for each data source setting the script cannot read, at the source's key. */
export function dataDiagnostics(train: IrTrain, model: IrModel, at: (field: string) => Location): Diagnostic[] {
  const found: Diagnostic[] = [];
  const unsupported = (field: string, key: string, value: string, detail: string) =>
    found.push(diagnostic("NN6002", at(field), { target: "PyTorch", key, value, detail }));
  // A model of several inputs or outputs is one finding at `data`, not one more for each of its sources' dicts.
  const oneToOne = model.inputs.length === 1 && model.outputs.length === 1;
  for (const [field, key] of sourceFields) {
    const source = train[field];
    if (!source) continue;
    const supported = supportedArgs[source.name];
    if (!supported) {
      unsupported(field, key, `${source.name}(...)`, "it reads csv, json, idx and npy sources");
      continue;
    }
    for (const arg of Object.keys(source.args)) {
      if (supported.has(arg)) continue;
      unsupported(field, key, `${source.name}(${arg}: ...)`, `it does not read a source's ${arg}`);
    }
    for (const arg of oneToOne ? ["x", "y", "features"] : []) {
      const value = source.args[arg];
      if (typeof value === "object" && value !== null && !Array.isArray(value))
        unsupported(field, key, `${source.name}(${arg}: {...})`, "it reads one input and one output");
    }
  }
  if (!oneToOne) unsupported("data", "data", train.data.name, "it trains models of one input and one output");
  if (train.target) unsupported("target", "target", train.target, "it trains on labels");
  return found;
}

/**
 * `target = read_source("csv", {"path": data_path("x.csv"), ...}[, like])` at 4 spaces, a data source read by its
 * Python reader (`like`: the training table, whose feature columns it is read by), wrapped as black wraps it
 * when longer than 100 characters.
 */
function readerStatement(target: string, source: IrCall, relative: (file: string) => string, like?: string): string {
  const entries = Object.entries(source.args).map(([key, value]) => {
    const isPath = dataSources[source.name]!.paths.includes(key) && typeof value === "string";
    return `${JSON.stringify(key)}: ${isPath ? `data_path(${JSON.stringify(relative(value))})` : py(value)}`;
  });
  const args = [JSON.stringify(source.name), `{${entries.join(", ")}}`, ...(like ? [like] : [])];
  const line = `    ${target} = read_source(${args.join(", ")})`;
  if (line.length <= 100) return line;
  const dict = ["        {", ...entries.flatMap((entry) => explodedEntry(entry)), "        },"];
  return [
    `    ${target} = read_source(`,
    `        ${args[0]},`,
    ...dict,
    ...(like ? [`        ${like},`] : []),
    "    )",
  ].join("\n");
}

/** A dict entry at 12 spaces, its list value one item a line (as black explodes it) when it is too long. */
function explodedEntry(entry: string): string[] {
  const line = `            ${entry},`;
  const list = /^("[^"]*": )\[(.*)\]$/.exec(entry);
  if (line.length <= maxLineLength || !list) return [line];
  const items = splitTopLevel(list[2]!);
  return [`            ${list[1]}[`, ...items.map((item) => `                ${item},`), "            ],"];
}

/** A list's items, split at commas outside strings and brackets. */
function splitTopLevel(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\" && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (!quoted && "([{".includes(c)) depth++;
    else if (!quoted && ")]}".includes(c)) depth--;
    else if (!quoted && c === "," && depth === 0) {
      items.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items;
}

/**
 * `load_data()`: the train block's sources read, targets encoded for its loss, the training rows split from
 * the held-out ones; `relative` gives a data file's path as the script names it (relative to the script).
 */
export function loadDataPython(train: IrTrain, model: IrModel, relative: (file: string) => string): string {
  const input = model.inputs[0]!;
  const shape = input.shape.map((d) => (typeof d === "number" ? d : -1));
  const encoding = losses[typeof train.loss === "string" ? train.loss : ""]?.targets ?? "value";
  const output = model.layers.find((l) => l.name === model.outputs[0]?.node)?.outputShapes[0];
  const last = output?.at(-1);
  const units = typeof last === "number" ? last : undefined;
  const lines = [
    "def load_data(seed):",
    '    """The train block\'s data (rows split with seed): training, validation, test, about."""',
    readerStatement("training", train.data, relative),
    `    settings = {"encoding": ${py(encoding)}, "input_shape": ${py(shape)}, "input_dtype": ${py(input.dtype)},`,
    `        "units": ${py(units ?? null)}, "output_shape": ${py(output ? formatNnShape(output) : "?")}}`,
    "    prepared = prepare(training, None, settings)",
    `    held_out = ${train.validation ? "None" : py(train.validationSplit)}`,
    `    order = row_order(len(prepared["x"]), ${train.shuffle ? "True" : "False"}, seed)`,
    "    sets = split(prepared, order, held_out)",
  ];
  for (const [field, name] of sourceFields.slice(1)) {
    const source = train[field];
    if (!source) continue;
    lines.push(readerStatement(name, source, relative, "training"));
    lines.push(`    sets[${JSON.stringify(name)}] = prepare(${name}, prepared, settings)`);
  }
  lines.push(
    ...(train.test ? [] : ['    sets["test"] = None']),
    '    sets["about"] = prepared["about"]',
    train.data.args["normalize_target"] ? '    sets["scale"] = scale_targets(sets)' : '    sets["scale"] = 1.0',
    ...(train.classWeight ? [`    weigh_classes(sets, ${py(train.classWeight as JsonValue)})`] : []),
    "    return sets",
  );
  return lines.join("\n");
}
