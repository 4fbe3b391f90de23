/**
 * The server keeps parses and model checks between changes (src/lsp/incremental.ts); its diagnostics must
 * still be exactly those of a check from scratch. Over stdio: a document edited through a series of changes,
 * each answer compared with `nnc check --format json` of the same text. In process: random edits of the
 * examples, the incremental parse and check compared with fresh ones.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Diagnostic as LspDiagnostic } from "vscode-languageserver-protocol";
import { sortDiagnostics } from "../../src/compiler/diagnostics/index.js";
import { checkSource } from "../../src/compiler/index.js";
import { parse } from "../../src/compiler/syntax/index.js";
import { Reuse } from "../../src/lsp/incremental.js";
import { nnc, repo } from "../helpers/cli.js";
import { fileUri, LspClient } from "./client.js";

const blocks = `block residual(filters)(x) {
  h = x -> conv2d(filters, 3, padding: same) -> relu()
  return add(x, h)
}
`;

const start = `import { residual } from "./blocks.nn"

block head(units = 10)(x) {
  return x -> global_average_pooling2d() -> dense(units, activation: softmax)
}

model M1 {
  input image: [16, 16, 3]
  conv2d(8, 3, padding: same)
  residual(8)
  dropout(0.1)
  head()
}

model M2 {
  input image: [16, 16, 3]
  conv2d(8, 3, padding: same)
  residual(8) -> residual(8)
  flatten()
  dense(10)
}

model M3 {
  input x: [12]
  dense(16, activation: relu)
  dropout(0.2)
  dense(1, activation: sigmoid)
}

train M3 {
  data: csv("data.csv", label: "y")
  loss: binary_crossentropy
  optimizer: adam(1e-3)
  epochs: 3
  batch_size: 8
}
`;

/** Each change: a function of the text before it. */
const changes: [string, (text: string) => string][] = [
  ["an invalid rate", (t) => t.replace("dropout(0.1)", "dropout(1.5)")],
  ["a valid rate of another length", (t) => t.replace("dropout(1.5)", "dropout(0.25)")],
  ["a line at the top moves everything", (t) => `// models\n${t}`],
  ["half a call typed", (t) => t.replace("  dense(10)\n", "  dense(10)\n  dense(\n")],
  ["the call completed", (t) => t.replace("  dense(\n", "  dense(4)\n")],
  [
    "a wrong argument in the middle model",
    (t) => t.replace("dense(16, activation: relu)", "dense(16, activaton: relu)"),
  ],
  ["a block that models call changes", (t) => t.replace("global_average_pooling2d() -> ", "flatten() -> ")],
  ["an unclosed comment swallows the rest", (t) => t.replace("model M2 {", "/* model M2 {")],
  ["the comment closed", (t) => t.replace("  flatten()\n  dense(10)", "  flatten() */\n  dense(10)")],
  ["a block default with a problem", (t) => t.replace("units = 10", "units = 4 / 0")],
  ["a second model calling it", (t) => `${t}\nmodel M4 {\n  input image: [8, 8, 3]\n  head()\n}\n`],
  ["the default fixed", (t) => t.replace("units = 4 / 0", "units = 10")],
  ["two models of one name", (t) => t.replace("model M4 {", "model M1 {")],
  ["a model deleted", (t) => t.replace(/model M1 \{\n  input image: \[8, 8, 3\]\n  head\(\)\n\}\n/, "")],
  [
    "a lint: dropout last",
    (t) => t.replace("dense(1, activation: sigmoid)", "dense(1, activation: sigmoid)\n  dropout(0.5)"),
  ],
  [
    "a lint: softmax with binary crossentropy",
    (t) => t.replace("dense(1, activation: sigmoid)", "dense(1, activation: softmax)"),
  ],
  ["blocks renamed", (t) => t.replaceAll("head", "top")],
  ["everything on one line moved", (t) => t.replace("model M3 {\n  input x: [12]", "model M3 {  input x: [12]")],
];

/** What both sides report, in one form: code, severity, 0-based range, message with its hint, related. */
interface Seen {
  code: string;
  severity: string;
  range: string;
  message: string;
  related: string[];
}

const severities = ["", "error", "warning", "info"];
const lspRange = (r: { start: { line: number; character: number }; end: { line: number; character: number } }) =>
  `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

function fromServer(d: LspDiagnostic): Seen {
  return {
    code: String(d.code),
    severity: severities[d.severity ?? 0]!,
    range: lspRange(d.range),
    message: typeof d.message === "string" ? d.message : d.message.value,
    related: (d.relatedInformation ?? []).map((r) => `${r.message} @ ${lspRange(r.location.range)}`),
  };
}

interface CliDiagnostic {
  file: string;
  code: string;
  severity: string;
  message: string;
  hint?: string;
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
  related?: { message: string; range: CliDiagnostic["range"] }[];
}

const cliRange = (r: CliDiagnostic["range"]) =>
  `${r.start.line - 1}:${r.start.column - 1}-${r.end.line - 1}:${r.end.column - 1}`;

function fromCli(d: CliDiagnostic): Seen {
  return {
    code: d.code,
    severity: d.severity,
    range: cliRange(d.range),
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    related: (d.related ?? []).map((r) => `${r.message} @ ${cliRange(r.range)}`),
  };
}

let dir: string;
let client: LspClient;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnc-incremental-"));
  writeFileSync(join(dir, "blocks.nn"), blocks);
  client = new LspClient(dir);
  await client.initialize();
});

afterAll(async () => {
  expect(await client.close()).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

describe("diagnostics after changes equal a check from scratch", () => {
  it("over stdio, against nnc check --format json of each version", async () => {
    const uri = fileUri(join(dir, "main.nn"));
    const texts = [start];
    for (const [, change] of changes) texts.push(change(texts.at(-1)!));
    texts.forEach((text, k) => expect(k === 0 || text !== texts[k - 1], `change ${k} changes nothing`).toBe(true));

    const served: Seen[][] = [];
    await client.open(uri, texts[0]!, 1);
    served.push((await client.diagnosticsOf(uri)).map(fromServer));
    for (let k = 1; k < texts.length; k++) {
      const before = client.published(uri);
      await client.change(uri, texts[k]!, k + 1);
      served.push((await client.diagnosticsOf(uri, before)).map(fromServer));
    }

    // Every version as a file next to main.nn (same imports), checked by one nnc process.
    const names = texts.map((text, k) => {
      const name = `v${String(k).padStart(2, "0")}.nn`;
      writeFileSync(join(dir, name), text);
      return name;
    });
    const cli = nnc(["check", "--format", "json", ...names], { cwd: dir });
    expect(cli.stderr).toBe("");
    const reported = (JSON.parse(cli.stdout) as { diagnostics: CliDiagnostic[] }).diagnostics;
    names.forEach((name, k) => {
      const label = k === 0 ? "the first text" : changes[k - 1]![0];
      expect(served[k], label).toEqual(reported.filter((d) => d.file === name).map(fromCli));
    });
    // The series meant something: errors, lints and clean versions all occurred.
    expect(served.some((s) => s.some((d) => d.severity === "error"))).toBe(true);
    expect(served.some((s) => s.some((d) => d.code.startsWith("NN5")))).toBe(true);
    expect(served.some((s) => s.length === 0)).toBe(true);
  });
});

describe("the incremental parse and check equal fresh ones", () => {
  const examples = readdirSync(join(repo, "examples"))
    .filter((f) => f.endsWith(".nn"))
    .map((f) => join(repo, "examples", f));
  // Pieces of code that open and close things, start declarations, or break tokens.
  const snippets = ["(", ")", "{", "}", "\n", "model X {\n", "/*", "*/", "dense(3)", " -> ", "1.5", "x", ",", '"'];
  snippets.push("block b(n = 2)(y) {\n  return y\n}\n", "//", "train X {\n  epochs: 3\n}\n", "input a: [3]\n");

  it("a comment opened in one declaration and closed two declarations later", () => {
    const reuse = new Reuse();
    const model = (name: string) => `model ${name} {\n  input x: [4]\n  dense(2)\n}\n`;
    const texts = [
      model("A") + model("B") + model("C") + model("D"),
      model("A").replace("dense(2)", "dense(2) /* off") + model("B") + model("C").replace("}", "*/ }") + model("D"),
      model("A").replace("dense(2)", "dense(2) /* off") + model("B") + model("C") + model("D"),
    ];
    for (const text of texts) {
      expect(reuse.parse(text, "/m.nn").value).toEqual(parse(text, "/m.nn").value);
      expect(checkSource(text, "/m.nn", undefined, { reuse }).diagnostics).toEqual(
        checkSource(text, "/m.nn").diagnostics,
      );
    }
  });

  it.each(examples.map((path) => [path.slice(repo.length + 1), path]))("%s, edited at random", (_, path) => {
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const reuse = new Reuse();
    let text = readFileSync(path, "utf8");
    checkSource(text, path, undefined, { reuse });
    for (let step = 0; step < 25; step++) {
      const at = random(text.length + 1);
      const kind = random(3);
      if (kind === 0) text = text.slice(0, at) + snippets[random(snippets.length)] + text.slice(at);
      else if (kind === 1) text = text.slice(0, at) + text.slice(at + 1 + random(20));
      else text = text.slice(0, at) + text.slice(at, at + random(40)) + text.slice(at);
      const fresh = parse(text, path);
      const kept = reuse.parse(text, path);
      expect(kept.value, `parse, step ${step}`).toEqual(fresh.value);
      expect(sortDiagnostics(kept.diagnostics), `parse, step ${step}`).toEqual(sortDiagnostics(fresh.diagnostics));
      const a = checkSource(text, path);
      const b = checkSource(text, path, undefined, { reuse });
      expect(b.diagnostics, `check, step ${step}`).toEqual(a.diagnostics);
      expect(b.program, `check, step ${step}`).toEqual(a.program);
    }
  });
});
