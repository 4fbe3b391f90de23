/**
 * The compiler, as one pipeline: text -> AST (parse) -> checked IR (check) -> TypeScript (emit).
 * Nothing here loads TensorFlow.js: `nnc check` and the language server stay fast and run anywhere.
 */
import { resolve } from "node:path";
import type * as ast from "./syntax/ast.js";
import { append } from "./base/arrays.js";
import { checkProgram, defaultCheckLimits, type CheckLimits, type ModelCheck } from "./check/index.js";
import { bindFile } from "./bind/index.js";
import {
  capPerFile,
  diagnostic,
  hasErrors,
  sortDiagnostics,
  type Diagnostic,
  type Result,
} from "./diagnostics/index.js";
import { fileSystemHost, mebibytes, readSourceFile, Workspace, type SourceHost } from "./bind/workspace.js";
import type { IrProgram } from "./ir/index.js";
import { limits } from "./base/limits.js";
import { allowancesOf, applyLintOptions, lintProgram, type LintOptions } from "./lint/index.js";
// names.ts, not sweep/index.ts: the configuration check there runs this pipeline.
import { checkSweepNames } from "./sweep/names.js";

export interface CheckResult {
  /** The checked program, or null when any error was found. */
  readonly program: IrProgram | null;
  /** Every diagnostic, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** The text of every file read (the checked one and its imports), for rendering diagnostics. */
  readonly sources: ReadonlyMap<string, string>;
}

export interface CheckOptions {
  /** Lints switched off (`allow`) or made errors (`deny`); see lint/index.ts. */
  readonly lints?: LintOptions;
  /** Limits raised from the command line (`--max-layers`, `--max-params`); limits.ts's values otherwise. */
  readonly limits?: Partial<CheckLimits>;
  /** Work kept from earlier checks (the language server's): parsing and model checking that reuse it. */
  readonly reuse?: {
    readonly parse: (text: string, path: string) => Result<ast.SourceFile>;
    readonly checkModel: ModelCheck;
    readonly lint: typeof lintProgram;
  };
}

/** Checks a spec given as text. `file` names it in diagnostics and anchors relative imports and data paths. */
export function checkSource(
  text: string,
  file: string,
  host: SourceHost = fileSystemHost,
  options: CheckOptions = {},
): CheckResult {
  const workspace = new Workspace(host, options.reuse?.parse);
  const source = workspace.add(file, text);
  const namespace = workspace.namespaceOf(source);
  const checkLimits = { ...defaultCheckLimits, ...options.limits };
  const checked = checkProgram(bindFile(source, namespace), options.reuse?.checkModel, checkLimits);
  const found = append([...workspace.diagnostics], checked.diagnostics);
  // A sweep's names are resolved in a file that parses: in one recovery cut up, they would be a cascade.
  if (!hasErrors(workspace.diagnostics)) append(found, checkSweepNames(source));
  // Lints read a checked program; on a program with errors they would only add noise.
  const linted = hasErrors(found) ? found : append(found, (options.reuse?.lint ?? lintProgram)(checked.value));
  const allowanceCache = new Map<string, ReturnType<typeof allowancesOf> | undefined>();
  const allowances = (path: string) => {
    if (!allowanceCache.has(path)) {
      const parsed = workspace.parsedFile(path);
      const first = parsed?.declarations[0]?.span.start ?? parsed?.text.length ?? 0;
      allowanceCache.set(path, parsed && allowancesOf(parsed.text, parsed.comments, first));
    }
    return allowanceCache.get(path);
  };
  const diagnostics = sortDiagnostics(
    applyLintOptions(linted, options.lints ?? {}, allowances, (path) => workspace.sources.get(path)),
  );
  const program = hasErrors(diagnostics) ? null : checked.value;
  return { program, diagnostics: capPerFile(diagnostics, limits.diagnostics.value), sources: workspace.sources };
}

/** Reads and checks a spec file; a file that cannot be read is a diagnostic, not an exception. */
export function checkFile(path: string, host: SourceHost = fileSystemHost, options: CheckOptions = {}): CheckResult {
  const file = resolve(path);
  const text = host.readFile(file);
  if (text === undefined) {
    const at = { file, span: { start: 0, end: 0 } };
    const why = readSourceFile(file);
    const d =
      "size" in why
        ? diagnostic("NN1007", at, { size: mebibytes(why.size), limit: mebibytes(why.limit) })
        : diagnostic("NN1004", at, { path, ...("reason" in why ? { reason: why.reason } : {}) });
    return { program: null, diagnostics: [d], sources: new Map() };
  }
  return checkSource(text, file, host, options);
}

export type { Diagnostic } from "./diagnostics/index.js";
export type { LintOptions } from "./lint/index.js";
export type { CheckLimits } from "./check/index.js";
export type * from "./ir/index.js";
