/**
 * Reading files back from a run folder without trusting them. Every path is resolved inside the folder: a
 * relative path without `..`, whose real path (symbolic links followed) is still inside the folder's real path,
 * naming a regular file (not a FIFO that would block, not a device). Every JSON file is checked against its
 * schema (saved-file-schemas.ts) and every weights file against the size its specs give. A file that fails is
 * NN4010, one line naming the file and the field: `runs/X/resume/.../state.json: point.epoch must be >= 0`.
 *
 * ajv is loaded on first use, by the commands that read a run (train --resume, evaluate, predict, plot), never
 * by `nnc check`.
 */
import { readFileSync, realpathSync, statSync } from "node:fs";
import * as path from "node:path";
import type { Ajv, ErrorObject, ValidateFunction } from "ajv";
import { createAjv } from "../compiler/check/args.js";
import { limits } from "../compiler/base/limits.js";
import { isInside } from "../compiler/registry/run-weights.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { NncUserError } from "./errors.js";
import { savedFileSchemas, type SavedFileKind } from "./saved-file-schemas.js";

/** A run folder: where it is, its real path (every file must lie inside it) and how messages show it. */
export interface SavedFolder {
  readonly dir: string;
  readonly real: string;
  readonly shownAs: string;
}

/** NN4010 for `file` (a path inside `run`, as saved there). */
export function unusable(run: SavedFolder, file: string, reason: string): NncUserError {
  return new NncUserError("NN4010", { path: file === "" ? run.shownAs : `${run.shownAs}/${file}`, reason });
}

/** The run folder `dir`; NN4010 (saying `missing` when it does not exist) when it is missing or not a folder. */
export function openSavedFolder(
  dir: string,
  missing = "no such folder (is this a run that nnc train saved?)",
): SavedFolder {
  const absolute = path.resolve(dir);
  const run = { dir: absolute, real: absolute, shownAs: displayPath(absolute) };
  let real: string;
  try {
    real = realpathSync(absolute);
  } catch (error) {
    throw unusable(run, "", reasonOf(error, missing));
  }
  if (!statSync(real).isDirectory()) throw unusable(run, "", "not a folder (give the run folder nnc train saved)");
  return { ...run, real };
}

/**
 * Why `relative` (a path read from `file` at `field`) may not be used inside a run folder, or undefined when
 * it may: absolute paths, `..` and backslashes could lead anywhere.
 */
export function relativePathProblem(relative: string): string | undefined {
  if (relative === "" || relative.includes("\0")) return "is not a file name";
  if (path.isAbsolute(relative) || /^[A-Za-z]:/.test(relative))
    return "is an absolute path; it must be relative to the run folder";
  if (relative.includes("\\")) return "holds a backslash; paths in a run folder use /";
  if (relative.split("/").includes("..")) return "leads out of the run folder (it holds ..)";
  return undefined;
}

/**
 * The real path of `relative` inside `run`, which must be a regular file there; `missing` is what to say when
 * it does not exist. `from` names where the path was read (`model.json`, `weightsManifest[0].paths[0]`).
 */
export function runFile(run: SavedFolder, relative: string, from?: { file: string; field: string }): string {
  const problem = relativePathProblem(relative);
  if (problem) {
    throw from ? unusable(run, from.file, `${from.field} '${relative}' ${problem}`) : unusable(run, relative, problem);
  }
  const shown = path.posix.normalize(relative);
  let real: string;
  try {
    real = realpathSync(path.join(run.real, relative));
  } catch (error) {
    throw unusable(run, shown, reasonOf(error, "no such file (is this a run that nnc train saved?)"));
  }
  if (!isInside(run.real, real)) throw unusable(run, shown, "is a symbolic link to a file outside the run folder");
  if (!statSync(real).isFile()) throw unusable(run, shown, "is not a regular file");
  return real;
}

// One rule for the compiler's read of a run (`nnc check`) and the runtime's.
export { isInside };

/** `relative` in `run`, read as JSON and validated as a `kind` file; null when `optional` and missing. */
export function readRunJson<T>(
  run: SavedFolder,
  relative: string,
  kind: SavedFileKind,
  options: { optional?: boolean; precheck?: (value: unknown) => string | undefined } = {},
): T | null {
  if (options.optional && !exists(path.join(run.real, relative))) return null;
  const file = runFile(run, relative);
  const size = statSync(file).size;
  if (size > limits.savedJsonBytes.value) {
    throw unusable(
      run,
      relative,
      `${size} bytes, more than the ${limits.savedJsonBytes.value} a saved JSON file may have`,
    );
  }
  const text = readFileSync(file, "utf8");
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw unusable(run, relative, `not valid JSON (${(error as Error).message})`);
  }
  // A cheap check first (a count past a limit), before the depth and the schema walk every item of a huge file.
  const early = options.precheck?.(value);
  if (early !== undefined) throw unusable(run, relative, early);
  if (depthOf(value) > limits.jsonDepth.value) {
    throw unusable(run, relative, `nested more than ${limits.jsonDepth.value} levels deep`);
  }
  checkValue(run, relative, kind, value);
  return value as T;
}

/**
 * Throws NN4010 naming `relative` and the first failing field when `value` is not a valid `kind` file (or,
 * for part of a file, valid for `validate`, its fields named after `prefix`).
 */
export function checkValue(
  run: SavedFolder,
  relative: string,
  kind: SavedFileKind | ValidateFunction,
  value: unknown,
  prefix = "",
): void {
  const validate = typeof kind === "function" ? kind : validatorOf(kind, savedFileSchemas[kind]);
  if (!validate(value)) throw unusable(run, relative, describeError(telling(validate.errors!), prefix));
}

/** The bytes of `relative` in `run`, which must be exactly `bytes` long (what its specs describe). */
export function readRunBytes(run: SavedFolder, relative: string, bytes: number): ArrayBuffer {
  const file = runFile(run, relative);
  const size = statSync(file).size;
  if (size !== bytes) {
    throw unusable(
      run,
      relative,
      `${size} bytes, but its specs describe ${bytes} (the file is cut short or does not belong here)`,
    );
  }
  const data = readFileSync(file);
  return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
}

/** Bytes per element of each dtype (and quantized dtype) a weights file may hold. */
const elementBytes: Readonly<Record<string, number>> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** The bytes a weights file with these (validated) specs holds. */
export function weightBytes(
  specs: readonly { shape: readonly number[]; dtype: string; quantization?: { dtype: string } }[],
): number {
  let total = 0;
  for (const spec of specs)
    total += spec.shape.reduce((a, b) => a * b, 1) * elementBytes[spec.quantization?.dtype ?? spec.dtype]!;
  return total;
}

/** `/point/epoch` -> `point.epoch`, `/history/3/loss` -> `history[3].loss`. */
export function fieldName(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((part) => part.replaceAll("~1", "/").replaceAll("~0", "~"))
    .reduce((name, part) => (/^\d+$/.test(part) ? `${name}[${part}]` : name === "" ? part : `${name}.${part}`), "");
}

/**
 * The error to show: the one about the deepest field (an `anyOf` reports each branch that failed, and the
 * deepest is the branch the value was meant for); type errors at that field are merged into one ("must be
 * null or object").
 */
function telling(errors: readonly ErrorObject[]): ErrorObject {
  const own = errors.filter((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf");
  const deepest = own.reduce((depth, e) => Math.max(depth, e.instancePath.split("/").length), 0);
  const there = own.filter((e) => e.instancePath.split("/").length === deepest);
  const types = there.filter((e) => e.keyword === "type");
  if (there.length === 0) return errors[0]!;
  if (types.length < 2 || types.length !== there.length) return there[0]!;
  return { ...types[0]!, message: `must be ${types.map((e) => String(e.params["type"])).join(" or ")}` };
}

/** One ajv error as one phrase: `point.epoch must be >= 0`, `weights[1].shape is missing`. */
function describeError(error: ErrorObject, prefix: string): string {
  const own = fieldName(error.instancePath);
  const field = prefix === "" || own === "" || own.startsWith("[") ? `${prefix}${own}` : `${prefix}.${own}`;
  const at = (name: string) => (field === "" ? name : `${field}.${name}`);
  switch (error.keyword) {
    case "required":
      return `${at(String(error.params["missingProperty"]))} is missing`;
    case "additionalProperties":
      return `${at(String(error.params["additionalProperty"]))} is not a field of this file`;
    case "enum":
      return `${field || "the file"} must be one of ${(error.params["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ")}`;
    case "type":
      return `${field || "the file"} must be ${String(error.params["type"]).split(",").join(" or ")}`;
    case "const":
      return `${field || "the file"} must be ${JSON.stringify(error.params["allowedValue"])}`;
    default:
      return `${field || "the file"} ${error.message}`;
  }
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** The validator of `schema`, compiled once under `key` by the one ajv of this module. */
export function validatorOf(key: string, schema: object): ValidateFunction {
  let validate = validators.get(key);
  if (!validate) {
    // One error is all a message shows; without allErrors a history of 200,000 epochs stops at the first.
    ajv ??= createAjv({ allErrors: false, useDefaults: false });
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/** How deep `value` nests, counted without recursion (a hostile file may nest a million levels). */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== "object" || item === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > limits.jsonDepth.value) return deepest;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}

function reasonOf(error: unknown, missing: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return missing;
  if (code === "ELOOP") return "is a loop of symbolic links";
  if (code === "ENOTDIR") return "a part of its path is not a folder";
  return (error as Error).message;
}
