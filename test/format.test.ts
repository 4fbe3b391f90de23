/**
 * The formatter: idempotent and meaning-preserving over every fixture and example, goldens for messy inputs
 * (`test/fixtures/format/<case>.nn` -> `<case>.formatted.nn`), comments kept, range formatting, `nnc fmt`
 * and the prettier plugin run by the real prettier CLI.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type * as ast from "../src/compiler/syntax/ast.js";
import { formatRange, formatSource } from "../src/compiler/format/index.js";
import { render } from "../src/compiler/format/doc.js";
import { Printer, WIDTH } from "../src/compiler/format/print.js";
import { SourceText } from "../src/compiler/format/source.js";
import { checkSource } from "../src/compiler/index.js";
import { parse } from "../src/compiler/syntax/index.js";
import { nnc, repo } from "./helpers/cli.js";
import { marked } from "./helpers/marked.js";

function nnFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".nn"))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

const specs = [...nnFiles(join(repo, "examples")), ...nnFiles(join(repo, "test", "fixtures"))].filter(
  (file) => formatSource(readFileSync(file, "utf8"), file).value !== null,
);

/** What a spec means: the checked program (or the diagnostics' codes and messages), without positions. */
function meaning(text: string, file: string): string {
  const checked = checkSource(text, file);
  const noPositions = (key: string, value: unknown) => (key === "span" || key === "location" ? undefined : value);
  return JSON.stringify(
    { program: checked.program, diagnostics: checked.diagnostics.map((d) => [d.code, d.message]) },
    noPositions,
  );
}

function format(text: string, file = join(repo, "test/fixtures/format/inline.nn")): string {
  const result = formatSource(text, file);
  if (result.value === null) throw new Error(`syntax errors: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.value;
}

const comments = (text: string) => parse(text, "x.nn").value.comments.map((c) => c.text);

describe("every example and fixture that parses", () => {
  it("includes the examples and the format cases", () => {
    const names = specs.map((f) => relative(repo, f));
    expect(names).toContain("examples/vgg16.nn");
    expect(names).toContain("test/fixtures/format/comments.nn");
  });

  for (const file of specs) {
    it(`${relative(repo, file)}: formats to itself again, means the same and keeps its comments`, () => {
      const text = readFileSync(file, "utf8");
      const once = format(text, file);
      expect(format(once, file)).toBe(once);
      expect(meaning(once, file)).toBe(meaning(text, file));
      expect(comments(once)).toEqual(comments(text));
    });
  }

  it("leaves the examples as they are: they are written in the canonical style", () => {
    for (const file of nnFiles(join(repo, "examples"))) {
      const text = readFileSync(file, "utf8");
      expect(format(text, file), relative(repo, file)).toBe(text);
    }
  });
});

describe("golden outputs", () => {
  const dir = join(repo, "test/fixtures/format");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".nn") && !f.endsWith(".formatted.nn"));
  for (const name of cases) {
    it(name, async () => {
      const text = readFileSync(join(dir, name), "utf8");
      const formatted = format(text, join(dir, name));
      expect(formatted).not.toBe(text);
      await expect(formatted).toMatchFileSnapshot(join(dir, `${basename(name, ".nn")}.formatted.nn`));
    });
  }
});

describe("formatSource", () => {
  it("refuses a file with syntax errors and returns them", () => {
    const result = formatSource("model M {\n  dense(3\n}\n", "bad.nn");
    expect(result.value).toBeNull();
    expect(result.diagnostics.map((d) => d.code)).toContain("NN1001");
  });

  it("keeps CRLF line endings", () => {
    expect(format("model M {\r\n    input x: [4]\r\n  dense(2) // two\r\n}\r\n")).toBe(
      "model M {\r\n  input x: [4]\r\n  dense(2) // two\r\n}\r\n",
    );
  });

  it("prints an empty file as empty and a file of comments as its comments", () => {
    expect(format("\n\n")).toBe("");
    expect(format("// one\n\n\n/* two */  \n")).toBe("// one\n\n/* two */\n");
  });

  it("breaks a chain longer than the width before each arrow, 4 spaces in, and keeps one that fits on a line", () => {
    const long = `model M {\n  input x: [4]\n  h = x -> ${Array.from({ length: 12 }, () => "dense(4)").join(" -> ")}\n}\n`;
    const lines = format(long).split("\n");
    expect(lines[2]).toBe("  h = x -> dense(4)");
    expect(lines.slice(3, 14)).toEqual(Array.from({ length: 11 }, () => "      -> dense(4)"));
    const headed = long.replace("x -> dense(4)", "add(x, x) -> dense(4)");
    expect(format(headed).split("\n").slice(2, 4)).toEqual(["  h = add(x, x)", "      -> dense(4)"]);
    const short = "model M {\n  input x: [4]\n  h = x\n    -> dense(4)\n    -> relu()\n}\n";
    expect(format(short)).toBe("model M {\n  input x: [4]\n  h = x -> dense(4) -> relu()\n}\n");
    expect(
      Math.max(
        ...format(long)
          .split("\n")
          .map((l) => l.length),
      ),
    ).toBeLessThanOrEqual(WIDTH);
  });

  it("keeps a comment's text exactly, also inside a statement it cannot place", () => {
    const text = "model M {\n      input x: [4]\n      dense(/* units */ 3,\n            activation: relu)\n}\n";
    expect(format(text)).toBe("model M {\n  input x: [4]\n  dense(/* units */ 3,\n        activation: relu)\n}\n");
  });

  it("keeps the indentation of a declaration printed as written when a comment precedes it on its line", () => {
    const model = "model Net(units = 8) {\n  input x: [4]\n  return x -> dense(units)\n}\n\n";
    const sweep = [
      "sweep /* s1 */ Net /* s2 */ { // s3",
      "  space: {",
      "    units: choice([8, 16]) // s4",
      "  }",
      "  /* s5 */ trials: 2",
      "}",
      "",
    ].join("\n");
    expect(format(`${model}/* before sweep */ ${sweep}`)).toBe(`${model}/* before sweep */\n${sweep}`);
  });

  it("breaks a long model or block header between its parameters, not inside a default", () => {
    const params = [
      "first_parameter = 128",
      "second_parameter = 0.25",
      "third_parameter = [1, 2, 3]",
      "fourth_parameter = 1",
    ];
    const body = "  return x -> dense(first_parameter)\n}\n";
    const broken = `(\n${params.map((p) => `  ${p}`).join(",\n")}\n)`;
    const model = `model Net(${params.join(", ")}) {\n  input x: [4]\n${body}`;
    expect(format(model)).toBe(`model Net${broken} {\n  input x: [4]\n${body}`);
    const block = `block B(${params.join(", ")}, fifth_one = 5)(x) {\n${body}`;
    expect(format(block)).toBe(`block B${broken.replace("\n)", ",\n  fifth_one = 5\n)")}(x) {\n${body}`);
  });

  it("prints a node of a kind it does not know as written", () => {
    const text = "model M {\n  input x: [4]\n  dense(  3 )\n}\n";
    const source = parse(text, "m.nn").value;
    const model = source.declarations[0] as ast.ModelDecl;
    const future = { ...model.body[1]!, kind: "future" } as unknown as ast.Statement;
    const changed: ast.SourceFile = { ...source, declarations: [{ ...model, body: [model.body[0]!, future] }] };
    const printed = render(new Printer(new SourceText(text, source.comments)).file(changed), WIDTH).text;
    expect(printed).toBe("model M {\n  input x: [4]\n  dense(  3 )\n}\n");
  });
});

describe("formatRange", () => {
  const messy = "model M {\n  input x:[4]\n  dense( 3 )   // three\n  <|relu(  )|>\n}\ntrain M {\n  loss:mse\n}\n";

  it("formats only the statements the range touches", () => {
    const { text, spans } = marked(messy);
    const result = formatRange(text, "m.nn", spans[0]!);
    expect(result.value).toEqual({
      span: { start: text.indexOf("  relu"), end: text.indexOf("\n}") },
      newText: "  relu()",
    });
  });

  it("formats the smallest enclosing declaration when the range spans several of its statements", () => {
    const { text } = marked(messy);
    const range = { start: text.indexOf("input"), end: text.indexOf("dense") + 3 };
    const edit = formatRange(text, "m.nn", range).value!;
    expect(text.slice(edit.span.start, edit.span.end)).toBe("  input x:[4]\n  dense( 3 )   // three");
    expect(edit.newText).toBe("  input x: [4]\n  dense(3)   // three");
  });

  it("gives no edit when the range is already formatted, and null on syntax errors", () => {
    const text = "model M {\n  input x: [4]\n}\n";
    expect(formatRange(text, "m.nn", { start: 12, end: 14 }).value).toBeNull();
    const bad = formatRange("model M {\n  dense(\n}\n", "m.nn", { start: 0, end: 5 });
    expect(bad.value).toBeNull();
    expect(bad.diagnostics.length).toBeGreaterThan(0);
  });
});

describe("nnc fmt", () => {
  const scratch = mkdtempSync(join(tmpdir(), "nnc-fmt-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  const messyText = "model M {\n    input x: [4]\n    dense( 2 )\n}\n";
  const cleanText = "model M {\n  input x: [4]\n  dense(2)\n}\n";

  it("--check lists the files that would change and exits 1, changing nothing", () => {
    const messy = join(scratch, "messy.nn");
    const clean = join(scratch, "clean.nn");
    writeFileSync(messy, messyText);
    writeFileSync(clean, cleanText);
    const result = nnc(["fmt", "--check", messy, clean], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("messy.nn\n");
    expect(readFileSync(messy, "utf8")).toBe(messyText);
  });

  it("rewrites files in place, after which --check passes", () => {
    const messy = join(scratch, "rewrite.nn");
    writeFileSync(messy, messyText);
    const result = nnc(["fmt", messy], { cwd: scratch });
    expect(result.status).toBe(0);
    expect(readFileSync(messy, "utf8")).toBe(cleanText);
    expect(readdirSync(scratch).filter((f) => f.endsWith(".tmp"))).toEqual([]);
    expect(nnc(["fmt", "--check", messy], { cwd: scratch })).toMatchObject({ status: 0, stdout: "" });
  });

  it("reports syntax errors as check does and a missing file in one line, leaves files alone, exits 1", () => {
    const bad = join(scratch, "bad.nn");
    const text = "model M {\n    dense(3\n}\n";
    writeFileSync(bad, text);
    const missing = join(scratch, "missing.nn");
    const result = nnc(["fmt", bad, missing], { cwd: scratch });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("bad.nn:2:12: error NN1001");
    expect(result.stderr).toContain(`error: cannot read ${missing}: no such file\n`);
    expect(readFileSync(bad, "utf8")).toBe(text);
  });
});

describe("prettier plugin", () => {
  it("formats a file as nnc fmt does, through the real prettier CLI", () => {
    // Inside the repository, so that `nnc/prettier-plugin` resolves to this package.
    const dir = join(repo, ".tmp", `prettier-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      const source = readFileSync(join(repo, "test/fixtures/format/chains.nn"), "utf8");
      const file = join(dir, "model.nn");
      writeFileSync(file, source);
      const prettier = join(repo, "node_modules", ".bin", "prettier");
      const run = (...args: string[]) =>
        spawnSync(prettier, ["--plugin", "nnc/prettier-plugin", "--ignore-path", "", ...args, file], {
          cwd: repo,
          encoding: "utf8",
        });
      expect(run("--write").status).toBe(0);
      expect(readFileSync(file, "utf8")).toBe(format(source));
      expect(run("--check").status).toBe(0);
      writeFileSync(file, "model M {\n  dense(3\n}\n");
      const broken = run("--write");
      expect(broken.status).toBe(2);
      expect(broken.stderr).toContain("NN1001");
      expect(readFileSync(file, "utf8")).toBe("model M {\n  dense(3\n}\n");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
