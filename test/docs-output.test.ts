/**
 * What docs/ shows of nnc's output is what nnc prints now, not what it printed once (test/docs.test.ts keeps the
 * examples and output blocks of docs/diagnostics.md and docs/language.md): the JSON example of docs/language.md
 * is what the built `nnc check --format json` prints for the example it names, each example of
 * docs/differences.md gives exactly the codes its sentence names, the lint table of docs/language.md lists
 * every lint of the catalogue, and the Neovim line of docs/editors.md is the diagnostic the language server sends
 * for the line it names (as `vim.diagnostic.get(0)` gives it: 1-based line and column, the hint after a `|`).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { messages } from "../src/compiler/diagnostics/messages.js";
import { toLspDiagnostic } from "../src/lsp/convert.js";
import { nnc } from "./helpers/cli.js";

const docs = join(import.meta.dirname, "..", "docs");
const page = (name: string) => readFileSync(join(docs, name), "utf8");

/** The text of a page from the `## TITLE` heading (or `## TITLE more words`) up to the next `## ` heading. */
function section(markdown: string, title: string): string {
  const heading = new RegExp(`^## ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}( .*)?$`, "m").exec(markdown);
  expect(heading, `## ${title}`).not.toBeNull();
  const end = markdown.indexOf("\n## ", heading!.index + 1);
  return markdown.slice(heading!.index, end < 0 ? undefined : end);
}

/** The fenced blocks with this info string, with the prose between the previous block and each. */
function blocks(markdown: string, info: string): { before: string; text: string }[] {
  const found: { before: string; text: string }[] = [];
  let previousEnd = 0;
  for (const match of markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)) {
    if (match[1]!.trim() === info) found.push({ before: markdown.slice(previousEnd, match.index), text: match[2]! });
    previousEnd = match.index + match[0].length;
  }
  return found;
}

const codesIn = (text: string) => [...new Set([...text.matchAll(/NN\d{4}/g)].map((m) => m[0]))].sort();

describe("docs/language.md", () => {
  const language = page("language.md");

  it("shows for --format json what nnc check prints for the diagnostics.md example it names", () => {
    const [json] = blocks(section(language, "What nnc prints for machines"), "json");
    const code = /the (NN\d{4}) example of \[diagnostics\.md\]/.exec(json!.before)?.[1];
    expect(code, "the sentence before the JSON names the example").toBeDefined();
    const [example] = blocks(section(page("diagnostics.md"), code!), "nn");
    const dir = mkdtempSync(join(tmpdir(), "nnc-docs-json-"));
    try {
      writeFileSync(join(dir, "example.nn"), example!.text);
      const result = nnc(["check", "example.nn", "--format", "json"], { cwd: dir });
      expect(result.status, result.stderr).toBe(1);
      expect(JSON.parse(result.stdout)).toEqual(JSON.parse(json!.text));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lists every lint of the catalogue in its lint table, and no other code", () => {
    const table = section(language, "Lints");
    const rows = [...table.matchAll(/^\| (NN\d{4}) \|/gm)].map((m) => m[1]!);
    expect(rows).toEqual(Object.keys(messages).filter((code) => code.startsWith("NN5")));
  });
});

describe("docs/differences.md", () => {
  const examples = blocks(section(page("differences.md"), "Examples"), "text");

  it("has its examples (it would pass vacuously otherwise)", () => {
    expect(examples.length).toBeGreaterThanOrEqual(10);
  });

  examples.forEach(({ before, text }, i) => {
    const named = codesIn(before);
    it(`example ${i + 1} gives exactly the codes its sentence names: ${named.join(", ")}`, () => {
      expect(named.length, "the sentence before the example names a code").toBeGreaterThan(0);
      const found = checkSource(text, join(tmpdir(), "example.nn")).diagnostics.map((d) => d.code);
      expect(codesIn(found.join(" "))).toEqual(named);
    });
  });
});

describe("docs/editors.md", () => {
  it("shows the diagnostic the language server sends for the line it names", () => {
    const editors = page("editors.md");
    const line = /opening a file with `([^`]+)` gives/.exec(editors)?.[1];
    const [shown] = blocks(editors.slice(editors.indexOf("opening a file with")), "text");
    expect(line, "the sentence names the line").toBeDefined();
    const text = `model M {\n  input x: [4]\n  ${line}\n}\n`;
    const file = join(tmpdir(), "example.nn");
    const [diagnostic] = checkSource(text, file).diagnostics.map((d) => toLspDiagnostic(d, () => text));
    const { range, code, message } = diagnostic!;
    expect(typeof message).toBe("string");
    const oneLine = (message as string).replace("\n", " | ");
    const asNeovimShows = `${range.start.line + 1}:${range.start.character + 1} ${code} ${oneLine}`;
    expect(shown!.text.trimEnd()).toBe(asNeovimShows);
  });
});
