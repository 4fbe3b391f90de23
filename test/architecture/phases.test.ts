/**
 * `src/compiler/` is laid out by phase, and data flows one way: no module imports one of a later phase. The
 * order is the pipeline's; `index.ts`, the pipeline itself, is the one module that may import every phase.
 * Type-only imports count: a phase that needs a later one's types has its layering wrong.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const compiler = join(import.meta.dirname, "..", "..", "src", "compiler");

/** The phases, first to last. */
const phases = [
  "base",
  "diagnostics",
  "syntax",
  "ir",
  "registry",
  "bind",
  "check",
  "lint",
  "emit",
  "format",
  "overrides",
  "sweep",
];

const sources = readdirSync(compiler, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));

function phaseOf(file: string): string {
  return file.split("/")[0]!;
}

/** Every relative module a source file imports (static, dynamic and re-exports), as paths under src/compiler. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(compiler, file), "utf8");
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+)["'](\.[^"']+)["']/gm)].map((m) => m[1]!);
  return specifiers.map((spec) => relative(compiler, resolve(dirname(join(compiler, file)), spec)));
}

describe("src/compiler is laid out by phase", () => {
  it("every module sits in a phase's folder, except the pipeline (index.ts)", () => {
    const misplaced = sources.filter((f) => f !== "index.ts" && !phases.includes(phaseOf(f)));
    expect(misplaced).toEqual([]);
  });

  it("every phase folder has a main file whose header says what enters and what leaves", () => {
    // base/ is not a phase: it holds what every phase shares (arrays, limits, spans, line numbers).
    for (const phase of phases.filter((p) => p !== "base")) {
      const main = readFileSync(join(compiler, phase, "index.ts"), "utf8");
      expect(main.startsWith("/**"), `${phase}/index.ts starts with its header`).toBe(true);
      expect(main, `${phase}/index.ts's header names what enters and what leaves`).toMatch(/In:[\s\S]*Out:/);
    }
  });

  it("no phase imports a later one", () => {
    const backEdges: string[] = [];
    for (const file of sources) {
      if (file === "index.ts") continue;
      const rank = phases.indexOf(phaseOf(file));
      for (const target of importsOf(file)) {
        if (target.startsWith("..")) {
          // Outside the compiler only grammar/ may be imported (it comes before every phase).
          if (!target.startsWith(join("..", "..", "grammar"))) backEdges.push(`${file} -> ${target}`);
          continue;
        }
        if (phases.indexOf(phaseOf(target)) > rank) backEdges.push(`${file} -> ${target}`);
      }
    }
    expect(backEdges).toEqual([]);
  });

  it("grammar/ and src/compiler/ load no TensorFlow.js, not even its types, and grammar/ nothing of src/", () => {
    const grammar = join(compiler, "..", "..", "grammar");
    const files = [
      ...sources.map((f) => join(compiler, f)),
      ...readdirSync(grammar)
        .filter((f) => f.endsWith(".ts"))
        .map((f) => join(grammar, f)),
    ];
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const m of text.matchAll(/(?:from\s+|import\s*\(\s*|^import\s+|require\(\s*)["']([^"']+)["']/gm)) {
        const spec = m[1]!;
        const intoSrc =
          file.startsWith(grammar) && spec.startsWith(".") && !resolve(dirname(file), spec).startsWith(grammar);
        if (spec.startsWith("@tensorflow/") || intoSrc) found.push(`${relative(compiler, file)} -> ${spec}`);
      }
    }
    expect(found).toEqual([]);
  });

  it("the test sees imports of every form (it would pass vacuously otherwise)", () => {
    expect(importsOf("index.ts").length).toBeGreaterThan(3);
    expect(sources.length).toBeGreaterThan(40);
  });
});
