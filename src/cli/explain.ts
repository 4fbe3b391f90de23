import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { isCode, messages } from "../compiler/diagnostics/messages.js";
import { didYouMean } from "../compiler/diagnostics/suggest.js";
import { fail, useColor } from "./common.js";
import { packageRoot } from "./package-info.js";

/** docs/diagnostics.md of the installed package. */
export function diagnosticsDocPath(from?: string): string | undefined {
  const root = packageRoot(from);
  return root === undefined ? undefined : join(root, "docs", "diagnostics.md");
}

/** The `## NN2001 Title` section of the page, up to the next `## ` heading, or undefined. */
export function docSection(markdown: string, code: string): string | undefined {
  const part = markdown.split(/^(?=## )/m).find((p) => p.startsWith(`## ${code} `));
  return part?.replace(/<!--[\s\S]*?-->/g, "").trimEnd();
}

/**
 * Markdown made for a terminal: the heading as `NN2001: Title`, code blocks indented by four spaces without
 * their fences (an example's fix is labelled), emphasis and link targets dropped.
 */
export function renderForTerminal(section: string, color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[0m` : s);
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of section.split("\n")) {
    const opening = /^```(.*)$/.exec(line);
    if (opening) {
      if (fence === null) {
        fence = opening[1]!.trim();
        if (fence === "nn fix") out.push("    // fixed:");
        else if (fence.startsWith("nn file=")) out.push(`    // ${fence.slice("nn file=".length)}:`);
      } else fence = null;
      continue;
    }
    if (fence !== null) {
      out.push(line === "" ? "" : `    ${line}`);
      continue;
    }
    const heading = /^## (NN\d{4}) (.*)$/.exec(line);
    if (heading) {
      out.push(bold(`${heading[1]}: ${heading[2]}`));
      continue;
    }
    out.push(line.replace(/\*\*([^*]+)\*\*/g, (_, s: string) => bold(s)).replace(/\[([^\]]+)\]\([^)]*\)/g, "$1"));
  }
  return `${out.join("\n").replace(/\n{3,}/g, "\n\n")}\n`;
}

export function registerExplain(program: Command): void {
  program
    .command("explain")
    .description("explain a diagnostic code: when it happens, an example, and the fix")
    .argument("<code>", "a code such as NN2001")
    .addHelpText("after", "\nExample:\n  nnc explain NN3001")
    .action((written: string) => {
      const trimmed = written.trim().toUpperCase();
      const code = /^\d{4}$/.test(trimmed) ? `NN${trimmed}` : trimmed;
      if (!isCode(code)) {
        const hint = didYouMean(code, Object.keys(messages));
        return fail(`unknown code '${written}'${hint ? `; ${hint}` : ""}`);
      }
      const path = diagnosticsDocPath();
      const markdown = path && existsSync(path) ? readFileSync(path, "utf8") : undefined;
      const section = markdown && docSection(markdown, code);
      if (!section) {
        // The catalogue still knows the title; the page is missing from this installation.
        return fail(`${code} (${messages[code].title}) has no documentation in this installation`);
      }
      process.stdout.write(renderForTerminal(section, useColor(process.stdout)));
    });
}
