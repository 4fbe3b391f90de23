/**
 * Checks a `train MODEL { ... }` block and turns it into an `IrTrain`: every key known, every required one
 * present, each value read as its entry in `registry/train-keys.ts` says into the field the entry names, every
 * name (loss, optimizer, metric, data source, schedule, callback) looked up in `train-options.ts`, call
 * arguments validated by `checkArguments` so errors point at the argument. A new key is an entry in that
 * table; a new kind of value is one more case of `TrainChecker.value`.
 */
import * as path from "node:path";
import { checkTableCall, type Callable } from "./args.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic, type Location, type Result } from "../diagnostics/index.js";
import { emptyScope, evaluate } from "./argument-values.js";
import type { IrCall, IrModel, IrTrain, JsonValue } from "../ir/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { foreignDataSources } from "../registry/foreign-names.js";
import { runPathProblem } from "../registry/run-files.js";
import { perInputFiles } from "./npy-inputs.js";
import { checkTransferKeys } from "./transfer-keys.js";
import { checkDataSources } from "./data-source.js";
import { collectEntries } from "./block-entries.js";
import { imageDefaults } from "./image-source.js";
import { targetValue } from "./train-target.js";
import { runProblems } from "./train-run.js";
import { lossWeights, perOutputValue, severalOutputs, targetProblems } from "./train-outputs.js";
import { classWeightValue } from "./class-weights.js";
import type { DataSourceKind } from "../registry/data-sources.js";
import { figureNames, type CallbackKind } from "../registry/train-options.js";
import {
  optionalTrainKeys,
  requiredTrainKeys,
  trainKeys,
  type TrainField,
  type TrainKey,
} from "../registry/train-keys.js";

/** The keys of a train block, required first (exported for the language server's completion). */
export const required: readonly string[] = requiredTrainKeys;
export const optional: readonly string[] = optionalTrainKeys;

/**
 * Checks one `train` block; the value is null when anything is wrong. `models` gives each checked model's IR:
 * its input names (which the files of `npy(x: inputs(...))` are checked against) and output names (which
 * per-output settings are keyed by); without it, neither is checked.
 */
export function checkTrain(
  decl: ast.TrainDecl,
  file: string,
  modelNames: ReadonlySet<string>,
  models?: ReadonlyMap<string, IrModel>,
): Result<IrTrain | null> {
  const model = decl.model.text;
  const ir = models?.get(model);
  const checker = new TrainChecker(file, { name: model, inputs: ir?.inputs.map((input) => input.name), ir });
  if (!decl.model.recovered && !modelNames.has(model)) {
    checker.report(
      diagnostic("NN2009", { file, span: decl.model.span }, { name: model }, { hint: didYouMean(model, modelNames) }),
    );
  }
  const entries = collectEntries(decl, trainKeys, {
    unknown: (entry, names) => {
      const key = entry.key.text;
      checker.report(diagnostic("NN4002", { file, span: entry.key.span }, { key }, { hint: didYouMean(key, names) }));
    },
    repeated: (entry) => checker.report(diagnostic("NN4008", { file, span: entry.key.span }, { key: entry.key.text })),
    missing: (key) => checker.report(diagnostic("NN4001", { file, span: decl.model.span }, { key, model })),
  });
  // In table order: a key's check may read the fields of the keys before it (see TrainChecker.value).
  const fields: Partial<Record<TrainField, unknown>> = {};
  for (const key of trainKeys) {
    const checked = checker.optional(entries.get(key.name)?.value, (v) => checker.value(v, key, fields));
    const value = checked ?? key.default;
    if (value !== undefined) fields[key.field] = value;
  }
  const validationEntry = entries.get("validation");
  if (fields.validation && (fields.validationSplit as number) > 0 && validationEntry) {
    checker.invalid(
      validationEntry.value,
      "validation",
      "and validation_split cannot both be set: validate on a separate source or on a held-out part, not both",
    );
  }

  for (const d of checkTransferKeys(entries, fields, ir, file)) checker.report(d);
  for (const d of checkDataSources(entries, fields, ir, file)) checker.report(d);
  for (const d of runProblems(entries, fields, ir, file)) checker.report(d);
  if (checker.failed || trainKeys.some((k) => k.required && fields[k.field] === undefined)) {
    return { value: null, diagnostics: checker.diagnostics };
  }
  const outputs = ir?.outputNames ? { outputs: ir.outputNames } : {};
  const keyLocations: Record<string, Location> = {};
  for (const key of trainKeys) {
    const entry = entries.get(key.name);
    if (entry) keyLocations[key.field] = { file, span: entry.value.span };
  }
  const train = { model, ...outputs, ...fields, location: { file, span: decl.span }, keyLocations } as IrTrain;
  const values = { loss: entries.get("loss")?.value, metrics: entries.get("metrics")?.value };
  targetProblems(train, ir, values, file).forEach((d) => checker.report(d));
  if (checker.failed) return { value: null, diagnostics: checker.diagnostics };
  return { value: train, diagnostics: checker.diagnostics };
}

/** The value checks of a train block; each returns undefined after reporting a problem. */
class TrainChecker {
  readonly diagnostics: Diagnostic[] = [];
  failed = false;

  constructor(
    readonly file: string,
    /** The model trained, its input names and its IR when known. */
    readonly model: {
      readonly name: string;
      readonly inputs: readonly string[] | undefined;
      readonly ir: IrModel | undefined;
    },
  ) {}

  report(d: Diagnostic): undefined {
    this.diagnostics.push(d);
    if (d.severity === "error") this.failed = true;
    return undefined;
  }

  optional<T>(value: ast.Value | undefined, check: (value: ast.Value) => T | undefined): T | undefined {
    return value === undefined || value.recovered ? undefined : check(value);
  }

  /**
   * The value of `key` as its table entry says to read it. A schedule or callback that watches a figure is
   * checked against `before`, the fields of the keys checked so far: the `metrics`, and whether
   * `validation_split` or `validation` give `val_` figures.
   */
  value(value: ast.Value, key: TrainKey, before: Partial<Record<TrainField, unknown>>): unknown {
    const kind = key.value;
    const outputs = severalOutputs(this.model.ir);
    const metricNames = figureNames(outputs, (before.metrics ?? []) as IrTrain["metrics"]);
    const validates = ((before.validationSplit as number | undefined) ?? 0) > 0 || before.validation != null ? 1 : 0;
    switch (kind.kind) {
      case "integer":
        return this.integer(value, key.name, kind.minimum);
      case "fraction":
        return this.fraction(value, key.name);
      case "boolean":
        return this.boolean(value, key.name);
      case "name":
        return this.name(value, key.name, kind.what, kind.table);
      case "names":
        return this.names(value, key.name, kind.what, kind.table);
      case "call":
        return this.call(value, key.name, kind.what, kind.table);
      case "data source":
        return this.dataSource(value, key.name, kind.what, kind.table);
      case "schedule":
        return this.schedule(value, key.name, kind.what, kind.table, metricNames, validates);
      case "callbacks":
        return this.callbacks(value, key.name, kind.what, kind.table, metricNames, validates);
      case "per output":
        return perOutputValue(this, value, key.name, kind, kind.table);
      case "weights":
        return lossWeights(this, value, key.name);
      case "class weights":
        return classWeightValue(this, value, key.name, before.loss as IrTrain["loss"] | undefined);
      case "input":
        return targetValue(this, value, key.name);
    }
  }

  invalid(value: ast.Value, key: string, problem: string): undefined {
    return this.report(diagnostic("NN4003", { file: this.file, span: value.span }, { key, problem }));
  }

  /** A plain value: a number, string, boolean or list (no calls). */
  scalar(value: ast.Value): JsonValue | undefined {
    const evaluated = evaluate(value, emptyScope, this.file, new Map());
    evaluated.diagnostics.forEach((d) => this.report(d));
    return evaluated.value;
  }

  integer(value: ast.Value, key: string, minimum: number): number | undefined {
    const n = this.scalar(value);
    if (n === undefined) return undefined;
    if (typeof n === "number" && Number.isInteger(n) && n >= minimum) return n;
    const what = minimum === 1 ? "a positive integer" : "a non-negative integer";
    return this.invalid(value, key, `must be ${what}, got ${JSON.stringify(n)}`);
  }

  fraction(value: ast.Value, key: string): number | undefined {
    const n = this.scalar(value);
    if (n === undefined) return undefined;
    if (typeof n === "number" && n >= 0 && n < 1) return n;
    return this.invalid(value, key, `must be a number from 0 up to (not including) 1, got ${JSON.stringify(n)}`);
  }

  boolean(value: ast.Value, key: string): boolean | undefined {
    const b = this.scalar(value);
    if (b === undefined) return undefined;
    if (typeof b === "boolean") return b;
    return this.invalid(value, key, `must be true or false, got ${JSON.stringify(b)}`);
  }

  /** A symbol such as `categorical_crossentropy` (or the same name as a string), looked up in `table`. */
  name(value: ast.Value, key: string, what: string, table: Readonly<Record<string, unknown>>): string | undefined {
    const name = symbolOf(value);
    if (name === undefined) return this.invalid(value, key, `must be a ${what} name such as ${Object.keys(table)[0]}`);
    if (value.kind === "call" && value.args?.length) return this.invalid(value, key, `'${name}' takes no arguments`);
    return this.lookup(name, value.kind === "call" ? value.callee.span : value.span, what, table);
  }

  lookup(name: string, span: ast.Span, what: string, table: Readonly<Record<string, unknown>>): string | undefined {
    if (Object.hasOwn(table, name)) return name;
    const hint =
      didYouMean(name, Object.keys(table)) ?? (what === "data source" ? foreignDataSources[name] : undefined);
    const known = Object.keys(table).join(", ");
    return this.report(diagnostic("NN4004", { file: this.file, span }, { what, name, known }, { hint }));
  }

  /** A list of names (`[accuracy, mse]`), or a single one; each name once. */
  names(value: ast.Value, key: string, what: string, table: Readonly<Record<string, unknown>>): string[] | undefined {
    const items = value.kind === "list" ? value.items : [value];
    const names: string[] = [];
    for (const item of items) {
      const name = this.name(item, key, what, table);
      if (name !== undefined && names.includes(name)) this.invalid(item, key, `lists ${what} '${name}' twice`);
      else if (name !== undefined) names.push(name);
    }
    return names.length === items.length ? names : undefined;
  }

  /** A call such as `adam(learning_rate: 1e-3)`; a bare `adam` is the call with every default. */
  call(value: ast.Value, key: string, what: string, table: Readonly<Record<string, Callable>>): IrCall | undefined {
    if (value.kind !== "call") return this.invalid(value, key, `must be a ${what} such as ${Object.keys(table)[0]}()`);
    const name = this.lookup(value.callee.text, value.callee.span, what, table);
    if (name === undefined) return undefined;
    const checked = checkTableCall(table[name]!, name, value, this.file);
    checked.diagnostics.forEach((d) => this.report(d));
    return checked.value ?? undefined;
  }

  /**
   * A data source call whose path arguments are made absolute against the spec's directory. An npy source's
   * `x` may be one file per model input, `inputs(a: "a.npy", b: "b.npy")` (see `inputFiles`), which becomes
   * `{ a: path, b: path }`.
   */
  dataSource(
    value: ast.Value,
    key: string,
    what: string,
    table: Readonly<Record<string, DataSourceKind>>,
  ): IrCall | undefined {
    const perInput = value.kind === "call" && value.callee.text === "npy" ? perInputFiles(value, this) : undefined;
    const call = this.call(perInput?.call ?? value, key, what, table);
    if (!call || perInput?.files === null) return undefined;
    const resolve = (file: string) => path.resolve(path.dirname(this.file), file);
    // images()'s size and color default to the model's image input (check/image-source.ts).
    const args: Record<string, JsonValue> = imageDefaults(call.name, call.args, this.model.ir);
    for (const name of table[call.name]!.paths) {
      const given = args[name];
      if (typeof given === "string") args[name] = resolve(given);
      // One file per model input or output: `x: { a: "a.npy" }`, `y: { kind: "kind.npy" }`.
      else if (typeof given === "object" && given !== null && !Array.isArray(given))
        args[name] = Object.fromEntries(Object.entries(given).map(([k, file]) => [k, resolve(String(file))]));
    }
    if (perInput) args["x"] = Object.fromEntries(Object.entries(perInput.files).map(([k, file]) => [k, resolve(file)]));
    const inputs = this.model.inputs;
    if (call.name === "npy" && !perInput && typeof call.args["x"] === "string" && inputs && inputs.length > 1) {
      const x = (value as ast.Call).args!.find((a) => a.name?.text === "x") ?? (value as ast.Call).args![0]!;
      const example = inputs.map((input) => `${input}: "${input}.npy"`).join(", ");
      return this.report(
        diagnostic(
          "NN2005",
          { file: this.file, span: x.value.span },
          {
            name: "x",
            callee: "npy",
            problem: `is one file, but model ${this.model.name} has ${inputs.length} inputs (${inputs.join(", ")}): give one file per input, x: inputs(${example})`,
          },
        ),
      );
    }
    return { name: call.name, args };
  }

  /** Callbacks; a callback with a `monitor` must watch a figure the training reports. */
  callbacks(
    value: ast.Value,
    key: string,
    what: string,
    table: Readonly<Record<string, CallbackKind>>,
    metricNames: readonly string[],
    validationSplit: number,
  ): IrCall[] | undefined {
    const items = value.kind === "list" ? value.items : [value];
    const result: IrCall[] = [];
    for (const item of items) {
      const call = this.call(item, key, what, table);
      if (
        call &&
        this.monitors(call, item as ast.Call, table, metricNames, validationSplit) &&
        this.runPaths(call, item as ast.Call, table)
      ) {
        result.push(call);
      }
    }
    return result.length === items.length ? result : undefined;
  }

  /** True when every file `call` writes stays inside the run folder and is none of nnc's own (run-files.ts). */
  runPaths(call: IrCall, item: ast.Call, table: Readonly<Record<string, CallbackKind>>): boolean {
    let fine = true;
    for (const argument of table[call.name]!.writes ?? []) {
      const file = call.args[argument];
      const problem = typeof file === "string" ? runPathProblem(file) : null;
      if (problem === null) continue;
      const span = argumentSpan(item, argument, table[call.name]!) ?? item.callee.span;
      const hint = 'write a path inside the run folder, such as "log.csv" or "logs/train.csv"';
      this.report(
        diagnostic(
          "NN4015",
          { file: this.file, span },
          { callee: call.name, argument, path: String(file), problem },
          { hint },
        ),
      );
      fine = false;
    }
    return fine;
  }

  /**
   * A learning-rate schedule: `piecewise_constant_decay` needs one value more than it has boundaries, in
   * increasing order; `reduce_on_plateau` must watch a figure the training reports.
   */
  schedule(
    value: ast.Value,
    key: string,
    what: string,
    table: Readonly<Record<string, Callable>>,
    metricNames: readonly string[],
    validationSplit: number,
  ): IrCall | undefined {
    const call = this.call(value, key, what, table);
    if (!call) return undefined;
    if (call.name === "piecewise_constant_decay") {
      const boundaries = call.args["boundaries"] as number[];
      const values = call.args["values"] as number[];
      if (values.length !== boundaries.length + 1) {
        return this.invalid(
          value,
          key,
          `needs one value more than boundaries: ${boundaries.length} boundaries, ${values.length} values`,
        );
      }
      if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1]!)) {
        return this.invalid(value, key, "boundaries must increase");
      }
    }
    return this.monitors(call, value as ast.Call, table, metricNames, validationSplit) ? call : undefined;
  }

  /**
   * True when `call` has no `monitor`, or monitors a figure the training reports (`metricNames`: the loss, each
   * output's loss and metrics), with `val_` only when part of the data is held out for validation.
   */
  monitors(
    call: IrCall,
    item: ast.Call,
    table: Readonly<Record<string, Callable>>,
    metricNames: readonly string[],
    validationSplit: number,
  ): boolean {
    const monitor = call.args["monitor"];
    const figures = metricNames;
    const available = validationSplit > 0 ? [...figures, ...figures.map((f) => `val_${f}`)] : figures;
    if (typeof monitor !== "string" || available.includes(monitor)) return true;
    const span = argumentSpan(item, "monitor", table[call.name]!) ?? item.callee.span;
    const why =
      monitor.startsWith("val_") && validationSplit === 0
        ? " (set validation_split or validation to get val_ figures)"
        : "";
    this.report(
      diagnostic(
        "NN2005",
        { file: this.file, span },
        {
          name: "monitor",
          callee: call.name,
          problem: `must be one of ${available.join(", ")}, got "${monitor}"${why}`,
        },
        { hint: didYouMean(monitor, available) },
      ),
    );
    return false;
  }
}

/** `relu` or `"relu"` -> "relu"; anything else (a number, a call with arguments) -> undefined. */
function symbolOf(value: ast.Value): string | undefined {
  if (value.kind === "string") return value.value;
  if (value.kind === "call") return value.callee.text;
  return undefined;
}

/** Where an argument was written in a call, by name or by position. */
export function argumentSpan(call: ast.Call, name: string, callable: Callable): ast.Span | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.text === name);
  if (named) return named.value.span;
  const index = callable.positional.indexOf(name);
  const positional = args.filter((a) => a.name === null)[index];
  return index >= 0 ? positional?.value.span : undefined;
}
