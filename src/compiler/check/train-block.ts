/**
 * Checks a `train MODEL { ... }` block and turns it into an `IrTrain`: every key known, every required one
 * present, every name (loss, optimizer, metric, data source, schedule, callback) looked up in
 * `train-options.ts`, call arguments validated by `checkArguments` so errors point at the argument.
 */
import * as path from "node:path";
import { checkArguments, type Callable } from "./args.js";
import type * as ast from "../syntax/ast.js";
import { diagnostic, type Diagnostic, type Result } from "../diagnostics/index.js";
import { emptyScope, evaluate } from "./values.js";
import type { IrCall, IrTrain, JsonValue } from "../ir/index.js";
import { didYouMean } from "../diagnostics/suggest.js";
import { runPathProblem } from "../registry/run-files.js";
import { callbacks, dataSources, losses, metrics, optimizers, schedules, type DataSourceKind } from "../registry/train-options.js";

/** The keys of a train block, required first (exported for the language server's completion). */
export const required = ["data", "loss", "optimizer", "epochs", "batch_size"] as const;
export const optional = ["metrics", "validation_split", "validation", "shuffle", "seed", "lr_schedule", "callbacks"] as const;
type Key = (typeof required)[number] | (typeof optional)[number];
const keys: readonly string[] = [...required, ...optional];

/** Checks one `train` block; the value is null when anything is wrong. */
export function checkTrain(
  decl: ast.TrainDecl,
  file: string,
  modelNames: ReadonlySet<string>,
): Result<IrTrain | null> {
  const checker = new TrainChecker(file);
  const model = decl.model.text;
  if (!decl.model.recovered && !modelNames.has(model)) {
    checker.report(
      diagnostic("NN2009", { file, span: decl.model.span }, { name: model }, { hint: didYouMean(model, modelNames) }),
    );
  }
  const entries = new Map<Key, ast.TrainEntry>();
  for (const entry of decl.entries) {
    if (entry.recovered || entry.key.recovered) continue;
    const key = entry.key.text;
    if (!keys.includes(key)) {
      checker.report(
        diagnostic("NN4002", { file, span: entry.key.span }, { key }, { hint: didYouMean(key, keys) }),
      );
    } else if (entries.has(key as Key)) {
      checker.report(diagnostic("NN4008", { file, span: entry.key.span }, { key }));
    } else {
      entries.set(key as Key, entry);
    }
  }
  // A block that recovery cut short may have lost its keys; reporting them missing would be a cascade.
  if (!decl.recovered) {
    for (const key of required) {
      if (!entries.has(key)) checker.report(diagnostic("NN4001", { file, span: decl.model.span }, { key, model }));
    }
  }
  const value = (key: Key) => entries.get(key)?.value;
  const data = checker.optional(value("data"), (v) => checker.dataSource(v));
  const loss = checker.optional(value("loss"), (v) => checker.name(v, "loss", "loss", losses));
  const optimizer = checker.optional(value("optimizer"), (v) => checker.call(v, "optimizer", "optimizer", optimizers));
  const metricNames = checker.optional(value("metrics"), (v) => checker.names(v, "metrics", "metric", metrics)) ?? [];
  const epochs = checker.optional(value("epochs"), (v) => checker.integer(v, "epochs", 1));
  const batchSize = checker.optional(value("batch_size"), (v) => checker.integer(v, "batch_size", 1));
  const validationSplit = checker.optional(value("validation_split"), (v) => checker.fraction(v)) ?? 0;
  const validation = checker.optional(value("validation"), (v) => checker.dataSource(v, "validation")) ?? null;
  const validationEntry = entries.get("validation");
  if (validation && validationSplit > 0 && validationEntry) {
    checker.invalid(validationEntry.value, "validation", "and validation_split cannot both be set: validate on a separate source or on a held-out part, not both");
  }
  // Callbacks and reduce_on_plateau may watch val_ figures when either gives validation data.
  const validates = validationSplit > 0 || validation !== null ? 1 : 0;
  const shuffle = checker.optional(value("shuffle"), (v) => checker.boolean(v, "shuffle")) ?? true;
  const seed = checker.optional(value("seed"), (v) => checker.integer(v, "seed", 0)) ?? null;
  const lrSchedule =
    checker.optional(value("lr_schedule"), (v) => checker.schedule(v, metricNames, validates)) ?? null;
  const trainCallbacks =
    checker.optional(value("callbacks"), (v) => checker.callbacks(v, metricNames, validates)) ?? [];

  if (checker.failed || !data || !loss || !optimizer || epochs === undefined || batchSize === undefined) {
    return { value: null, diagnostics: checker.diagnostics };
  }
  const ir: IrTrain = {
    model,
    data,
    loss,
    optimizer,
    metrics: metricNames,
    epochs,
    batchSize,
    validationSplit,
    ...(validation ? { validation } : {}),
    shuffle,
    seed,
    lrSchedule,
    callbacks: trainCallbacks,
    location: { file, span: decl.span },
  };
  return { value: ir, diagnostics: checker.diagnostics };
}

/** The value checks of a train block; each returns undefined after reporting a problem. */
class TrainChecker {
  readonly diagnostics: Diagnostic[] = [];
  failed = false;

  constructor(private readonly file: string) {}

  report(d: Diagnostic): undefined {
    this.diagnostics.push(d);
    if (d.severity === "error") this.failed = true;
    return undefined;
  }

  optional<T>(value: ast.Value | undefined, check: (value: ast.Value) => T | undefined): T | undefined {
    return value === undefined || value.recovered ? undefined : check(value);
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

  fraction(value: ast.Value): number | undefined {
    const n = this.scalar(value);
    if (n === undefined) return undefined;
    if (typeof n === "number" && n >= 0 && n < 1) return n;
    return this.invalid(value, "validation_split", `must be a number from 0 up to (not including) 1, got ${JSON.stringify(n)}`);
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
    const hint = didYouMean(name, Object.keys(table));
    return this.report(diagnostic("NN4004", { file: this.file, span }, { what, name }, { hint }));
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
    const checked = checkArguments(
      table[name]!,
      { args: value.args ?? [], calleeSpan: value.callee.span, calleeText: name },
      emptyScope,
      this.file,
    );
    checked.diagnostics.forEach((d) => this.report(d));
    return checked.value === null ? undefined : { name, args: checked.value };
  }

  /** A data source call whose path arguments are made absolute against the spec's directory. */
  dataSource(value: ast.Value, key = "data"): IrCall | undefined {
    const call = this.call(value, key, "data source", dataSources);
    if (!call) return undefined;
    const kind: DataSourceKind = dataSources[call.name]!;
    const args = { ...call.args };
    for (const name of kind.paths) {
      if (typeof args[name] === "string") args[name] = path.resolve(path.dirname(this.file), args[name]);
    }
    return { name: call.name, args };
  }

  /** Callbacks; a callback with a `monitor` must watch a figure the training reports. */
  callbacks(value: ast.Value, metricNames: readonly string[], validationSplit: number): IrCall[] | undefined {
    const items = value.kind === "list" ? value.items : [value];
    const result: IrCall[] = [];
    for (const item of items) {
      const call = this.call(item, "callbacks", "callback", callbacks);
      if (call && this.monitors(call, item as ast.Call, callbacks, metricNames, validationSplit) && this.runPaths(call, item as ast.Call)) {
        result.push(call);
      }
    }
    return result.length === items.length ? result : undefined;
  }

  /** True when every file `call` writes stays inside the run folder and is none of nnc's own (run-files.ts). */
  runPaths(call: IrCall, item: ast.Call): boolean {
    let fine = true;
    for (const argument of callbacks[call.name]!.writes ?? []) {
      const file = call.args[argument];
      const problem = typeof file === "string" ? runPathProblem(file) : null;
      if (problem === null) continue;
      const span = argumentSpan(item, argument, callbacks[call.name]!) ?? item.callee.span;
      const hint = 'write a path inside the run folder, such as "log.csv" or "logs/train.csv"';
      this.report(diagnostic("NN4015", { file: this.file, span }, { callee: call.name, argument, path: String(file), problem }, { hint }));
      fine = false;
    }
    return fine;
  }

  /**
   * A learning-rate schedule: `piecewise_constant_decay` needs one value more than it has boundaries, in
   * increasing order; `reduce_on_plateau` must watch a figure the training reports.
   */
  schedule(value: ast.Value, metricNames: readonly string[], validationSplit: number): IrCall | undefined {
    const call = this.call(value, "lr_schedule", "learning-rate schedule", schedules);
    if (!call) return undefined;
    if (call.name === "piecewise_constant_decay") {
      const boundaries = call.args["boundaries"] as number[];
      const values = call.args["values"] as number[];
      if (values.length !== boundaries.length + 1) {
        return this.invalid(value, "lr_schedule", `needs one value more than boundaries: ${boundaries.length} boundaries, ${values.length} values`);
      }
      if (boundaries.some((b, i) => i > 0 && b <= boundaries[i - 1]!)) {
        return this.invalid(value, "lr_schedule", "boundaries must increase");
      }
    }
    return this.monitors(call, value as ast.Call, schedules, metricNames, validationSplit) ? call : undefined;
  }

  /**
   * True when `call` has no `monitor`, or monitors the loss or a metric, with `val_` only when part of the
   * data is held out for validation.
   */
  monitors(
    call: IrCall,
    item: ast.Call,
    table: Readonly<Record<string, Callable>>,
    metricNames: readonly string[],
    validationSplit: number,
  ): boolean {
    const monitor = call.args["monitor"];
    const figures = ["loss", ...metricNames];
    const available = validationSplit > 0 ? [...figures, ...figures.map((f) => `val_${f}`)] : figures;
    if (typeof monitor !== "string" || available.includes(monitor)) return true;
    const span = argumentSpan(item, "monitor", table[call.name]!) ?? item.callee.span;
    const why =
      monitor.startsWith("val_") && validationSplit === 0 ? " (set validation_split or validation to get val_ figures)" : "";
    this.report(
      diagnostic(
        "NN2005",
        { file: this.file, span },
        { name: "monitor", callee: call.name, problem: `must be one of ${available.join(", ")}, got "${monitor}"${why}` },
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
function argumentSpan(call: ast.Call, name: string, callable: Callable): ast.Span | undefined {
  const args = call.args ?? [];
  const named = args.find((a) => a.name?.text === name);
  if (named) return named.value.span;
  const index = callable.positional.indexOf(name);
  const positional = args.filter((a) => a.name === null)[index];
  return index >= 0 ? positional?.value.span : undefined;
}
