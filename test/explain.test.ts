/**
 * `nnc explain CODE` and the uniqueness of codes: every code has one meaning, one catalogue entry and one
 * section in docs/diagnostics.md, which ships with the package and is found from any working directory.
 */
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docSection, renderForTerminal } from "../src/cli/explain.js";
import { messages } from "../src/compiler/diagnostics/messages.js";
import { nnc, repo } from "./helpers/cli.js";

const diagnosticsDoc = readFileSync(join(repo, "docs", "diagnostics.md"), "utf8");

describe("diagnostic codes", () => {
  const headings = [...diagnosticsDoc.matchAll(/^## (\S+)/gm)].map((m) => m[1]!);

  it("are NN, a phase digit 1 to 6 (6: a target's), and three digits, in the catalogue and the docs", () => {
    const pattern = /^NN[1-6]\d{3}$/;
    expect(Object.keys(messages).filter((code) => !pattern.test(code))).toEqual([]);
    expect(headings.filter((code) => !pattern.test(code))).toEqual([]);
  });

  it("never collide: each docs heading is unique", () => {
    expect(headings.filter((code, i) => headings.indexOf(code) !== i)).toEqual([]);
  });

  it("ship with the package: docs is in package.json files", () => {
    const pkg = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { files: string[] };
    expect(pkg.files).toContain("docs");
  });
});

describe("nnc explain", () => {
  it("prints the code's section for a terminal, from any directory", () => {
    const result = nnc(["explain", "nn2001"], { cwd: tmpdir() });
    expect(result.status).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines[0]).toBe("NN2001: Unknown layer or block");
    expect(result.stdout).toContain("    example.nn:3:3: error NN2001: unknown layer or block 'dens'");
    expect(result.stdout).toContain("    // fixed:");
    expect(result.stdout).not.toMatch(/```|\*\*|## NN2002/);
  });

  it("an unknown code is a one-line error with a suggestion", () => {
    const result = nnc(["explain", "NN2101"]);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe("error: unknown code 'NN2101'; did you mean 'NN2001'?\n");
  });

  it("every catalogued code has a section that renders", () => {
    for (const code of Object.keys(messages)) {
      const section = docSection(diagnosticsDoc, code);
      expect(section, code).toBeDefined();
      expect(renderForTerminal(section!, false).split("\n")[0], code).toBe(
        `${code}: ${messages[code as keyof typeof messages].title}`,
      );
    }
  });
});
