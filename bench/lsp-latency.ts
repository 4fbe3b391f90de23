/**
 * Diagnostics latency of the language server: the time from sending a change of a 2,000-line file to
 * receiving the diagnostics of that change, over the real server process and stdio, as an editor sees it.
 *
 *   npm run bench:lsp [-- EDITS]
 *
 * The file is generated: a residual block and 20 convnets of 99 lines each. Two series of edits, each
 * change sent and its diagnostics awaited before the next:
 * - `rate`: one dropout rate in the middle of the file, alternating between an invalid value (1.5) and a new
 *   valid one, so that every change really changes the diagnostics (and lints run on the valid ones);
 * - `typing`: a new layer line typed character by character in the middle of the file, half-typed code
 *   (syntax errors) on most keystrokes, every keystroke moving the rest of the file.
 * Not a test: the goal (under 50 ms) is reported, not asserted.
 *
 * Other benchmarks call `measureLspLatency()`: { median, min, max } in milliseconds, and more.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { fileUri, LspClient } from "../test/lsp/client.js";

const LINES = 2000;

/** A file written the way people write them: sequential convnets, a residual block, comments, blank lines. */
export function generate(): string {
  const lines = [
    "// Generated for bench/lsp-latency.ts",
    "block residual(filters)(x) {",
    "  h = x -> conv2d(filters, 3, padding: same, use_bias: false) -> batch_normalization() -> relu()",
    "  h = h -> conv2d(filters, 3, padding: same, use_bias: false) -> batch_normalization()",
    "  return add(x, h) -> relu()",
    "}",
    "",
  ];
  const stage = [
    "  // a stage",
    "  conv2d(32, 3, padding: same, use_bias: false)",
    "  batch_normalization()",
    "  relu()",
    "  residual(32)",
    "  dropout(0.1)",
    "",
  ];
  for (let m = 0; lines.length + 99 <= LINES; m++) {
    lines.push(`model Net${m} {`, "  input image: [32, 32, 3]", "  conv2d(32, 3, padding: same, activation: relu)");
    for (let i = 0; i < 13; i++) lines.push(...stage);
    lines.push("  global_average_pooling2d()", "  dense(10, activation: softmax)", "}", "");
  }
  while (lines.length < LINES) lines.push("// end");
  return lines.join("\n") + "\n";
}

export interface LspLatency {
  /** Milliseconds from a didChange to the publishDiagnostics of that change, over the `rate` edits. */
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The same over the `typing` keystrokes. */
  readonly typing: { readonly median: number; readonly min: number; readonly max: number };
  /** The first diagnostics after opening the file (nothing kept yet). */
  readonly open: number;
  readonly edits: number;
  readonly lines: number;
}

function summary(times: number[]): { median: number; min: number; max: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** Runs the server (the built one: `npm run build` first) and measures both series of `edits` changes. */
export async function measureLspLatency(edits = 50): Promise<LspLatency> {
  const dir = mkdtempSync(join(tmpdir(), "nnc-bench-"));
  const client = new LspClient(dir);
  try {
    await client.initialize();
    const text = generate();
    const lines = text.split("\n");
    const target = lines.findIndex((l, i) => i > LINES / 2 && l === "  dropout(0.1)");
    const uri = fileUri(join(dir, "big.nn"));
    let version = 1;
    /** Sends a change and waits for its diagnostics; the time between the two. */
    const send = async (next: string): Promise<{ ms: number; errors: number }> => {
      const before = client.published(uri);
      const start = performance.now();
      await client.change(uri, next, ++version);
      const diagnostics = await client.diagnosticsOf(uri, before);
      return { ms: performance.now() - start, errors: diagnostics.filter((d) => d.severity === 1).length };
    };

    let start = performance.now();
    await client.open(uri, text, version);
    await client.diagnosticsOf(uri);
    const open = performance.now() - start;

    const rate: number[] = [];
    for (let i = 0; i < edits; i++) {
      const edited = [...lines];
      edited[target] = edited[target]!.replace("0.1", i % 2 === 0 ? "1.5" : `0.${i + 2}`);
      const { ms, errors } = await send(edited.join("\n"));
      if (errors > 0 !== (i % 2 === 0)) throw new Error(`edit ${i}: ${errors} errors`);
      rate.push(ms);
    }

    // Type `  dense(32, activation: relu)` on a new line after the target, one character at a time.
    const typed = "  dense(32, activation: relu)";
    const typing: number[] = [];
    for (let i = 0; i < edits; i++) {
      const n = i % (typed.length + 1);
      const edited = [...lines.slice(0, target + 1), typed.slice(0, n), ...lines.slice(target + 1)];
      typing.push((await send(edited.join("\n"))).ms);
    }
    return { ...summary(rate), typing: summary(typing), open, edits, lines: lines.length - 1 };
  } finally {
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const edits = Number(process.argv[2] ?? 50);
  const load = loadavg()[0]!;
  const result = await measureLspLatency(edits);
  const ms = (t: number) => `${t.toFixed(1)} ms`;
  const line = (s: { median: number; min: number; max: number }) =>
    `median ${ms(s.median)}, range ${ms(s.min)} .. ${ms(s.max)}`;
  console.log(`file: ${result.lines} lines; first diagnostics on open: ${ms(result.open)}`);
  console.log(`diagnostics after an edit (a dropout rate, ${edits} edits): ${line(result)}`);
  console.log(`diagnostics while typing a line (${edits} keystrokes): ${line(result.typing)}`);
  console.log(`load average (1 min) before/after: ${load.toFixed(1)} / ${loadavg()[0]!.toFixed(1)}`);
  console.log(result.median < 50 ? "goal met: median under 50 ms" : "goal missed: median 50 ms or more");
}
