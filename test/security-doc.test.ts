/**
 * Keeps docs/security.md true to the code: its limits table lists every entry of src/compiler/base/limits.ts with
 * the value in force and the flag that raises it, and nothing else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { limits, type Limit } from "../src/compiler/base/limits.js";

const page = readFileSync(join(import.meta.dirname, "..", "docs", "security.md"), "utf8");

/** 4194304 -> "4 MiB", 100000 -> "100,000": as a person reads a limit. */
function shown(limit: Limit): string {
  const mib = 1024 * 1024;
  if (/\bbytes\b/.test(limit.counts) && limit.value % mib === 0) return `${limit.value / mib} MiB`;
  return String(limit.value).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** The table's rows as the page must print them, in the order of limits.ts. */
function expectedRows(): string[] {
  return Object.values(limits as Record<string, Limit>).map(
    (limit) => `| ${limit.counts} | ${shown(limit)} | ${limit.override ? `\`${limit.override} N\`` : "-"} |`,
  );
}

describe("docs/security.md", () => {
  it("lists every limit of limits.ts with its value and override, and no other", () => {
    const section = page.slice(page.indexOf("## Limits"));
    const rows = section.split("\n").filter((line) => line.startsWith("| ") && !/^\| (What|---)/.test(line));
    expect(rows, `the table should read:\n${expectedRows().join("\n")}`).toEqual(expectedRows());
  });
});
