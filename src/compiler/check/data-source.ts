/**
 * What a train block's data sources (`data:`, `validation:`) must give for the model they feed, once its IR
 * is known: targets for every output (`label:` for a model of one output, `labels: { kind: "species", ... }`
 * or npy's `y: { kind: "kind.npy", ... }` keyed by output name), or none with `target:` (NN4031; nor
 * `normalize_target:`, NN4032); features for every input of a model of several (`features: { tokens: [...],
 * meta: [...] }`, npy's `x: { a: "a.npy" }`).
 * A key that names no output or input is NN4028 at the key, with a did-you-mean; an output or input left
 * without data is NN4029.
 */
import { append } from "../base/arrays.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic } from "../diagnostics/index.js";
import { suggestion } from "../diagnostics/suggest.js";
import { perOutput, type IrCall, type IrModel, type PerOutput } from "../ir/index.js";
import { dataSources } from "../registry/data-sources.js";
import { losses } from "../registry/train-options.js";
import { imageSourceProblems } from "./image-source.js";
import { namedTarget } from "./train-target.js";
import { targetScalingProblems } from "./target-scaling.js";
import { textSourceProblems } from "./text-source.js";
import { heldOutSourceProblems } from "./held-out-source.js";
import { sampleWeightProblems } from "./sample-weights.js";

/** The problems of the data sources in `entries`, given the fields they were checked into. */
export function checkDataSources(
  entries: ReadonlyMap<string, ast.TrainEntry>,
  fields: {
    readonly data?: unknown;
    readonly validation?: unknown;
    readonly test?: unknown;
    readonly target?: unknown;
    readonly loss?: unknown;
    readonly metrics?: unknown;
  },
  model: IrModel | undefined,
  file: string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const written = entries.get("target")?.value;
  const target = typeof fields.target === "string" ? fields.target : ((written && namedTarget(written, model)) ?? null);
  // A target that failed its own check leaves open whether the data needs labels: no cascade.
  if (target === null && entries.has("target")) return [];
  for (const key of ["data", "validation", "test"] as const) {
    const call = fields[key] as IrCall | null | undefined;
    const value = entries.get(key)?.value;
    if (!call || value?.kind !== "call") continue;
    // An image folder's labels are its sub-folders: only the model's input is checked.
    if (call.name === "images") {
      const loss = target === null ? (fields.loss as PerOutput<string> | undefined) : undefined;
      append(found, imageSourceProblems(call, value, model, file, loss));
      continue;
    }
    append(found, sourceProblems(call, value, model, target, file));
    append(found, labelsAmongFeatures(call, value, file));
    if (call.name === "text" && model) append(found, textSourceProblems(call, value, model, file));
    append(found, sampleWeightProblems(key, call, value, file));
    if (target === null)
      append(found, scaledLabels(call, value, fields.loss as PerOutput<string> | undefined, model, file));
    const scaling = call.args["normalize_target"] !== undefined && argument(value, "normalize_target");
    if (target === null && scaling) append(found, targetScalingProblems(scaling, fields, model, file));
  }
  // validation: and test: read as data: is (held-out-source.ts).
  append(found, heldOutSourceProblems(fields, entries, file));
  return found;
}

/**
 * NN4038 at each feature column that is also a label column (`label: "price"` with `features: [..., "price"]`):
 * the model would be given the answer it is trained to find, and train well on nothing.
 */
function labelsAmongFeatures(call: IrCall, value: ast.Call, file: string): Diagnostic[] {
  const kind = dataSources[call.name]!;
  if (kind.features === undefined || !(call.name === "csv" || call.name === "json")) return [];
  const labels = new Set(
    (kind.labels ?? []).flatMap((name) => {
      const given = call.args[name];
      if (typeof given === "string") return [given];
      return typeof given === "object" && given !== null && !Array.isArray(given) ? Object.values(given) : [];
    }),
  );
  const written = argument(value, kind.features);
  const lists = written?.kind === "map" ? written.entries.map((entry) => entry.value) : written ? [written] : [];
  return lists.flatMap((list) =>
    list.kind !== "list"
      ? []
      : list.items.flatMap((item) =>
          item.kind === "string" && labels.has(item.value)
            ? [
                diagnostic(
                  "NN4038",
                  { file, span: item.span },
                  { column: item.value },
                  { hint: "leave the label column out of the features" },
                ),
              ]
            : [],
        ),
  );
}

/** Where a named argument was written (by name, or by position). */
function argument(value: ast.Call, name: string): ast.Value | undefined {
  const args = value.args ?? [];
  const named = args.find((a) => a.name?.text === name);
  if (named) return named.value;
  const index = dataSources[value.callee.text]?.positional.indexOf(name) ?? -1;
  return index >= 0 ? args.filter((a) => a.name === null)[index]?.value : undefined;
}

function sourceProblems(
  call: IrCall,
  value: ast.Call,
  model: IrModel | undefined,
  target: string | null,
  file: string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const kind = dataSources[call.name]!;
  const given = (kind.labels ?? []).filter((name) => call.args[name] !== undefined);
  if (target !== null) {
    for (const name of given) {
      const span = argument(value, name)?.span ?? value.callee.span;
      found.push(diagnostic("NN4031", { file, span }, { argument: name, target }));
    }
    // The targets are the input's own values: scaling "them" would scale with the input's statistics.
    const scaled = argument(value, "normalize_target");
    if (scaled) found.push(diagnostic("NN4032", { file, span: scaled.span }, { target }));
    return found.concat(model ? inputProblems(call, value, model, file) : []);
  }
  if (given.length === 0) {
    const example =
      call.name === "npy" ? 'y: "y.npy"' : call.name === "idx" ? 'labels: "labels-idx1-ubyte.gz"' : 'label: "column"';
    found.push(
      diagnostic(
        "NN4029",
        { file, span: value.callee.span },
        { what: `${call.name}(...)`, problem: `gives no targets: name them (${example}), or train with target: input` },
      ),
    );
    return found;
  }
  if (!model) return found;
  const outputs = model.outputNames && model.outputNames.length > 1 ? model.outputNames : null;
  for (const name of given) {
    const map = call.args[name];
    const written = argument(value, name);
    const span = written?.span ?? value.callee.span;
    if (typeof map === "object" && map !== null && !Array.isArray(map)) {
      const names = model.outputNames ?? [];
      append(found, keyProblems(Object.keys(map), written, span, name, "output", names, model.name, file));
    } else if (outputs && name !== "labels") {
      const example = outputs.map((o) => `${o}: ...`).join(", ");
      const problem = `is one ${call.name === "npy" ? "file" : "column"}, but model ${model.name} has ${outputs.length} outputs (${outputs.join(", ")}): give one per output, ${name === "label" ? "labels" : name}: { ${example} }`;
      found.push(diagnostic("NN4029", { file, span }, { what: name, problem }));
    }
  }
  return found.concat(inputProblems(call, value, model, file));
}

/** `features:` (csv, json) and `x:` (npy) for the model's inputs: one list or file for one input, or one per input. */
function inputProblems(call: IrCall, value: ast.Call, model: IrModel, file: string): Diagnostic[] {
  const name = dataSources[call.name]?.features;
  if (name === undefined) return [];
  const given = call.args[name];
  const written = argument(value, name);
  // npy's `x: inputs(a: ..., b: ...)` is checked where it is read (check/npy-inputs.ts).
  if (written?.kind === "call" || (name === "x" && typeof given === "string")) return [];
  const inputs = model.inputs.map((input) => input.name);
  if (typeof given === "object" && given !== null && !Array.isArray(given)) {
    const keys = keyProblems(Object.keys(given), written, written!.span, name, "input", inputs, model.name, file);
    if (keys.length > 0 || written?.kind !== "map") return keys;
    return written.entries.flatMap((entry) =>
      columnCount(
        call.name,
        entry.value,
        model.inputs.find((input) => input.name === entry.key.text),
        model,
        file,
      ),
    );
  }
  if (Array.isArray(given) && inputs.length === 1 && written) {
    return columnCount(call.name, written, model.inputs[0], model, file);
  }
  if (inputs.length > 1 && (call.name === "csv" || call.name === "json")) {
    const example = inputs.map((i) => `${i}: [...]`).join(", ");
    const span = written?.span ?? value.callee.span;
    const problem = `${given === undefined ? "is not given" : "is one list of columns"}, but model ${model.name} has ${inputs.length} inputs (${inputs.join(", ")}): give each its columns, features: { ${example} }`;
    return [diagnostic("NN4029", { file, span }, { what: "features", problem })];
  }
  return [];
}

/**
 * The keys of a map argument against the model's outputs or inputs: each one of them (NN4028 at the key), each
 * of them given (NN4029 at the map).
 */
function keyProblems(
  keys: readonly string[],
  written: ast.Value | undefined,
  span: ast.Span,
  name: string,
  kind: "output" | "input",
  names: readonly string[],
  model: string,
  file: string,
): Diagnostic[] {
  const found: Diagnostic[] = [];
  const entries = written?.kind === "map" ? written.entries : [];
  for (const key of keys) {
    if (names.includes(key)) continue;
    const at = entries.find((e) => e.key.text === key)?.key.span ?? span;
    found.push(
      diagnostic(
        "NN4028",
        { file, span: at },
        { argument: name, name: key, kind, model, names: names.join(", ") || "none named" },
        suggestion(key, names, at),
      ),
    );
  }
  const missing = names.filter((n) => !keys.includes(n));
  if (missing.length > 0 && found.length === 0) {
    const problem = `gives nothing for ${kind} ${missing.map((m) => `'${m}'`).join(", ")} of model ${model}`;
    found.push(diagnostic("NN4029", { file, span }, { what: name, problem }));
  }
  return found;
}

/**
 * NN4033, `normalize_target:` where every output is trained on labels (crossentropies, hinges): scaling applies to
 * targets that are values, so it would be ignored. With outputs of both kinds it scales the ones on values.
 */
function scaledLabels(
  call: IrCall,
  value: ast.Call,
  loss: PerOutput<string> | undefined,
  model: IrModel | undefined,
  file: string,
): Diagnostic[] {
  const written = argument(value, "normalize_target");
  if (call.args["normalize_target"] === undefined || !written || !model || loss === undefined) return [];
  const outputs = model.outputNames && model.outputNames.length > 1 ? model.outputNames : undefined;
  const each = perOutput(loss, outputs, "");
  if (!each.every((l) => losses[l]?.labels === true)) return [];
  const lossNames = [...new Set(each)].join(", ");
  const hint = "drop normalize_target: (normalize: scales the features)";
  return [diagnostic("NN4033", { file, span: written.span }, { losses: lossNames }, { hint })];
}

/**
 * NN4029 at a list of feature columns that cannot fill its input: an input of fixed sizes takes as many columns
 * as it holds values (`[2]` two, `[2, 3]` six). A json() field may hold a sequence, so one column of json() for
 * an input of one or two axes is left to the data.
 */
function columnCount(
  source: string,
  written: ast.Value,
  input: IrModel["inputs"][number] | undefined,
  model: IrModel,
  file: string,
): Diagnostic[] {
  if (written.kind !== "list" || !input || !input.shape.every((d) => typeof d === "number")) return [];
  const columns = written.items.length;
  const values = (input.shape as readonly number[]).reduce((product, d) => product * d, 1);
  if (columns === values || (source === "json" && columns === 1 && input.shape.length <= 2)) return [];
  const shape = `[${input.shape.join(", ")}]`;
  const problem = `lists ${columns} column${columns === 1 ? "" : "s"}, but input '${input.name}' of model ${model.name} has shape ${shape}, which takes ${values}`;
  return [diagnostic("NN4029", { file, span: written.span }, { what: "features", problem })];
}
