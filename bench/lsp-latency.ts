/**
 * Diagnostics latency of the language server: the time from sending a change of a 2,000-line file to
 * receiving its diagnostics, over the real server process and stdio, as an editor sees it.
 *
 *   npm run bench:lsp [-- EDITS]
 *
 * The file is generated: a residual block and 20 convnets of 99 lines each. Each edit changes one dropout
 * rate in the middle of the file, alternating between a valid and an invalid value, so that every
 * change really changes the diagnostics. Not a test: the goal (under 50 ms) is reported, not asserted.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileUri, LspClient } from "../test/lsp/client.js";

const LINES = 2000;
const edits = Number(process.argv[2] ?? 50);

/** A file written the way people write them: sequential convnets, a residual block, comments, blank lines. */
function generate(): string {
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

const dir = mkdtempSync(join(tmpdir(), "nnc-bench-"));
const client = new LspClient(dir);
try {
  await client.initialize();
  const text = generate();
  const lines = text.split("\n");
  const target = lines.findIndex((l, i) => i > LINES / 2 && l === "  dropout(0.1)");
  const uri = fileUri(join(dir, "big.nn"));
  let start = performance.now();
  await client.open(uri, text, 1);
  await client.diagnosticsOf(uri);
  const first = performance.now() - start;

  const times: number[] = [];
  for (let i = 0; i < edits; i++) {
    const edited = [...lines];
    // Alternate between a file with an error (a dropout rate of 1.5) and a clean one.
    edited[target] = edited[target]!.replace("0.1", i % 2 === 0 ? "1.5" : `0.${i}`);
    const before = client.published(uri);
    start = performance.now();
    await client.change(uri, edited.join("\n"), i + 2);
    const diagnostics = await client.diagnosticsOf(uri, before);
    times.push(performance.now() - start);
    const errors = diagnostics.filter((d) => d.severity === 1).length;
    if ((errors > 0) !== (i % 2 === 0)) throw new Error(`edit ${i}: ${errors} errors, ${diagnostics.length} diagnostics`);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  const ms = (t: number) => `${t.toFixed(1)} ms`;
  console.log(`file: ${lines.length - 1} lines, ${text.length} characters; first check on open: ${ms(first)}`);
  console.log(`diagnostics after an edit, ${edits} edits: median ${ms(median)}, range ${ms(times[0]!)} .. ${ms(times.at(-1)!)}`);
  console.log(`load average while measuring: ${loadavg()[0]!.toFixed(1)}`);
  console.log(median < 50 ? "goal met: median under 50 ms" : "goal missed: median 50 ms or more");
} finally {
  await client.close();
  rmSync(dir, { recursive: true, force: true });
}
