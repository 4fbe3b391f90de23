/**
 * Keeps the reference docs true: every diagnostic code has a section in docs/diagnostics.md whose example
 * produces that code, with the output block after it exactly what nnc prints, and whose fix checks clean (a
 * target's code, NN6xxx, is what `nnc compile --target pytorch` prints: the example is checked, then compiled for
 * PyTorch, and its fix must do both without errors); every layer kind in the registry is in the layer table of
 * docs/language.md; the train-key table of docs/language.md is the one scripts/docs-tables.ts prints from
 * registry/train-keys.ts; every complete example in docs/language.md checks as the page says.
 *
 * Fenced blocks are told apart by their info string: `nn` (an example), `nn fix` (the corrected example),
 * `nn error=NN3001` (an example that shows that error), `nn fragment` (a piece, not checked), and
 * `nn file=NAME` (a second file, written beside the example so that imports resolve). Anything else (`text`,
 * `sh`, `json`, `ebnf`) is not compiled. Examples are checked as `example.nn` in a fresh temporary directory.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";
import { emitPytorch } from "../src/compiler/emit/pytorch/script.js";
import { layerKinds } from "../src/compiler/registry/layers/index.js";
import { isCode, messages } from "../src/compiler/diagnostics/messages.js";
import { renderDiagnostics } from "../src/compiler/diagnostics/render.js";
import * as trainOptions from "../src/compiler/registry/train-options.js";
import { dataSources } from "../src/compiler/registry/data-sources.js";
import { withGeneratedTables } from "../scripts/docs-tables.js";

const docs = join(import.meta.dirname, "..", "docs");
const diagnosticsDoc = readFileSync(join(docs, "diagnostics.md"), "utf8");
const languageDoc = readFileSync(join(docs, "language.md"), "utf8");

interface Fence {
  readonly info: string;
  readonly text: string;
  /** Offset of the fence in its section, to find the output block that follows an example. */
  readonly at: number;
}

function fences(markdown: string): Fence[] {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```$/gm)].map((m) => ({
    info: m[1]!.trim(),
    text: m[2]!,
    at: m.index!,
  }));
}

/** `## NN2001 Unknown layer or block` sections: code, title and body up to the next `## `. */
function sections(markdown: string): { code: string; title: string; body: string }[] {
  return markdown.split(/^(?=## )/m).flatMap((part) => {
    const heading = /^## (NN\d{4}) (.+)$/m.exec(part);
    return heading && heading.index === 0 ? [{ code: heading[1]!, title: heading[2]!.trim(), body: part }] : [];
  });
}

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A fresh directory holding the `nn file=NAME` blocks; returns the path the example is checked as. */
function workspaceFor(blocks: readonly Fence[]): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "nnc-docs-"));
  tempDirs.push(dir);
  for (const block of blocks) {
    const name = /^nn file=(\S+)$/.exec(block.info)?.[1];
    if (!name) continue;
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), block.text);
  }
  return { dir, file: join(dir, "example.nn") };
}

/** The diagnostics `nnc check` reports for an example, or with a target `nnc compile --target pytorch`'s. */
function check(text: string, file: string, target?: "pytorch") {
  const result = checkSource(text, file);
  const emitted = target && result.program ? emitPytorch(result.program) : undefined;
  const diagnostics = [...result.diagnostics, ...(emitted && "diagnostics" in emitted ? emitted.diagnostics : [])];
  return {
    result,
    diagnostics,
    codes: diagnostics.map((d) => d.code),
    errors: diagnostics.filter((d) => d.severity === "error"),
  };
}

/** The target a code belongs to: NN6xxx are the PyTorch target's. */
const targetOf = (code: string) => (code.startsWith("NN6") ? "pytorch" : undefined);

describe("docs/diagnostics.md", () => {
  const documented = sections(diagnosticsDoc);

  it("has one section per code in the catalogue, titled as the catalogue titles it", () => {
    const codes = documented.map((s) => s.code);
    expect(
      codes.filter((code) => !isCode(code)),
      "sections for unknown codes",
    ).toEqual([]);
    expect(
      codes.filter((code, i) => codes.indexOf(code) !== i),
      "codes with two sections",
    ).toEqual([]);
    expect(
      Object.keys(messages).filter((code) => !codes.includes(code)),
      "codes without a section",
    ).toEqual([]);
    for (const { code, title } of documented) {
      if (isCode(code)) expect(title, code).toBe(messages[code].title);
    }
  });

  for (const { code, body } of documented) {
    const blocks = fences(body);
    const example = blocks.find((b) => b.info === "nn");
    if (!example) {
      it(`${code} shows the situation in a block that is not compiled`, () => {
        expect(blocks.length, `${code} has no example at all`).toBeGreaterThan(0);
        expect(
          blocks.some((b) => b.info.startsWith("nn") && b.info !== "nn fix" && !b.info.startsWith("nn file=")),
        ).toBe(false);
      });
      continue;
    }
    it(`${code}: the example produces ${code}, as the output shows`, () => {
      const { dir, file } = workspaceFor(blocks);
      const { result, diagnostics, codes } = check(example.text, file, targetOf(code));
      expect(codes, "codes the example produces").toContain(code);
      const output = blocks.find((b) => b.info === "text" && b.at > example.at);
      expect(output, `${code} shows no output after its example`).toBeDefined();
      // The whole output, every diagnostic of the example: one that nnc no longer prints must not stay shown.
      const rendered = renderDiagnostics(diagnostics, result.sources, { color: false, cwd: dir });
      expect(output!.text.trimEnd()).toBe(rendered.trimEnd());
    });
    const fix = blocks.find((b) => b.info === "nn fix");
    if (fix) {
      it(`${code}: the fix checks without errors`, () => {
        const { file } = workspaceFor(blocks);
        expect(check(fix.text, file, targetOf(code)).errors).toEqual([]);
      });
    }
  }
});

describe("docs/language.md", () => {
  const blocks = fences(languageDoc);

  it("lists every registered layer kind in the layer table, with its positional arguments", () => {
    const table = languageDoc.slice(
      languageDoc.indexOf("<!-- layer-table:start -->"),
      languageDoc.indexOf("<!-- layer-table:end -->"),
    );
    const rows = new Map(
      [...table.matchAll(/^\| `([a-z0-9_]+)` \| ([^|]*) \|/gm)].map((m) => [
        m[1]!,
        [...m[2]!.matchAll(/`([a-z0-9_]+)`/g)].map((p) => p[1]!),
      ]),
    );
    expect(rows.size, "the layer table is empty").toBeGreaterThan(0);
    const registered = layerKinds.map((k) => k.name);
    expect(
      registered.filter((name) => !rows.has(name)),
      "kinds missing from the table",
    ).toEqual([]);
    expect(
      [...rows.keys()].filter((name) => !registered.includes(name)),
      "rows for unknown kinds",
    ).toEqual([]);
    for (const kind of layerKinds) expect(rows.get(kind.name), kind.name).toEqual(kind.positional);
  });

  it("names every loss, metric, optimizer, data source, schedule and callback the train checker accepts", () => {
    const training = languageDoc.slice(languageDoc.indexOf("## Training"), languageDoc.indexOf("## What nnc prints"));
    const { losses, metrics, optimizers, schedules, callbacks } = trainOptions;
    for (const table of [losses, metrics, optimizers, dataSources, schedules, callbacks]) {
      for (const name of Object.keys(table)) expect(training, name).toContain(`\`${name}`);
    }
  });

  it("has the train-key table that scripts/docs-tables.ts prints from the registry (run it to update)", () => {
    expect(languageDoc).toContain("<!-- train-keys:start -->");
    expect(languageDoc).toBe(withGeneratedTables(languageDoc));
  });

  it("marks every nn block as an example, a fragment, an expected error or a file", () => {
    const unknown = blocks.filter(
      (b) => b.info.startsWith("nn") && !/^nn( fragment| error=NN\d{4}| file=\S+)?$/.test(b.info),
    );
    expect(unknown.map((b) => b.info)).toEqual([]);
  });

  blocks.forEach((block, i) => {
    const line = languageDoc.slice(0, block.at).split("\n").length;
    if (block.info === "nn") {
      it(`the example at line ${line} checks without errors`, () => {
        const { file } = workspaceFor(blocks);
        expect(check(block.text, file).errors).toEqual([]);
      });
    }
    const expected = /^nn error=(NN\d{4})$/.exec(block.info)?.[1];
    if (expected) {
      it(`the example at line ${line} shows ${expected}, as the output after it`, () => {
        const { dir, file } = workspaceFor(blocks);
        const { result, codes } = check(block.text, file);
        expect(codes).toEqual([expected]);
        const output = blocks[i + 1];
        expect(output?.info).toBe("text");
        const rendered = renderDiagnostics(result.diagnostics, result.sources, {
          color: false,
          cwd: dir,
        });
        expect(output!.text.trimEnd()).toBe(rendered.trimEnd());
      });
    }
  });
});
