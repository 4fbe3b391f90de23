import type { Command } from "commander";
import { append } from "../compiler/base/arrays.js";
import { checkFileWithOverrides } from "../compiler/overrides/index.js";
import { lintCodes } from "../compiler/lint/index.js";
import { hasErrors, type Diagnostic } from "../compiler/diagnostics/index.js";
import { isCode } from "../compiler/diagnostics/messages.js";
import { displayPath } from "../compiler/diagnostics/render.js";
import { didYouMean } from "../compiler/diagnostics/suggest.js";
import {
  checkLimitsOf,
  fail,
  formatOption,
  maxLayersOption,
  maxParamsOption,
  printDiagnostics,
  printJsonDiagnostics,
  readOverrides,
  setOption,
  type Format,
  type LimitFlags,
  writeStdout,
  type SetFlags,
} from "./common.js";

/** `--allow NN5003 --allow NN5004,NN5005`: repeatable, comma lists allowed. */
function collectCodes(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((code) => code.trim().toUpperCase())
      .filter(Boolean),
  ];
}

/** The first flag value that names no lint, as a one-line error; undefined when all are lints. */
function badLintCode(codes: readonly string[], flag: string): string | undefined {
  const lints: readonly string[] = lintCodes;
  for (const code of codes) {
    if (flag === "--deny" && code === "WARNINGS") continue;
    if (lints.includes(code)) continue;
    const why = isCode(code)
      ? `${code} is an error, not a lint; only NN5xxx codes can be switched`
      : `unknown lint ${code}`;
    const hint = isCode(code) ? undefined : didYouMean(code, lints);
    return `${flag}: ${why}${hint ? ` (${hint})` : ""}`;
  }
  return undefined;
}

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description("check specs for syntax, name, argument and shape errors, without running anything")
    .argument("<files...>", ".nn files to check")
    .addOption(formatOption())
    .addOption(maxLayersOption())
    .addOption(maxParamsOption())
    .addOption(setOption())
    .option("--allow <codes>", "switch lints off, e.g. --allow NN5003 (repeatable, comma lists)", collectCodes)
    .option("--deny <codes>", "make lints errors: --deny NN5003, or --deny warnings for all", collectCodes)
    .addHelpText(
      "after",
      "\nExit status is 1 when any error is found. Lints (NN5xxx) are warnings unless denied; a\n" +
        "`// nnc-allow NN5003` comment on a line, or before the first declaration, switches one off there.\n\n" +
        "Examples:\n  nnc check examples/*.nn\n  nnc check --deny warnings --allow NN5006 model.nn\n" +
        "  nnc check model.nn --set units=64 --set optimizer.learning_rate=3e-4",
    )
    .action(
      (files: string[], options: { format: Format; allow?: string[]; deny?: string[] } & LimitFlags & SetFlags) => {
        const allow = options.allow ?? [];
        const deny = options.deny ?? [];
        const bad = badLintCode(allow, "--allow") ?? badLintCode(deny, "--deny");
        if (bad) return fail(bad);
        const overrides = readOverrides(options.set, options.format, "stdout");
        if (!overrides) return;
        const lints = { allow, deny: deny.map((c) => (c === "WARNINGS" ? "warnings" : c)) };
        const diagnostics: Diagnostic[] = [];
        const sources = new Map<string, string>();
        for (const file of files) {
          const result = checkFileWithOverrides(file, overrides, { lints, limits: checkLimitsOf(options) });
          append(diagnostics, result.diagnostics);
          for (const [path, text] of result.sources) sources.set(path, text);
        }
        if (options.format === "json") printJsonDiagnostics(diagnostics, sources);
        else if (diagnostics.length > 0) printDiagnostics(diagnostics, sources, process.stdout);
        else {
          const names = files.map((f) => displayPath(f)).join(", ");
          writeStdout(`${names}: no problems found\n`);
        }
        if (hasErrors(diagnostics)) process.exitCode = 1;
      },
    );
}
