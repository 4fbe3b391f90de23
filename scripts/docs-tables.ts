/**
 * The tables of docs/language.md that are printed from the registries (docs/sweeps.md shows the sweep keys' too,
 * kept equal by test/sweeps-doc-output.test.ts), between `<!-- NAME:start -->` and
 * `<!-- NAME:end -->` markers. `npx tsx scripts/docs-tables.ts` rewrites them in place; test/docs.test.ts fails
 * while a table differs from what this prints, so a key added to a registry shows up in the docs.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { trainKeys } from "../src/compiler/registry/train-keys.js";
import { sweepKeys } from "../src/compiler/registry/sweep-keys.js";
import { layerTable } from "./layer-table.js";

/** Keys with their doc lines, required first: a train block's (registry/train-keys.ts) or a sweep's (sweep-keys.ts). */
function keyTable(keys: readonly { name: string; required: boolean; doc: string }[]): string {
  const ordered = [...keys.filter((k) => k.required), ...keys.filter((k) => !k.required)];
  return [
    "| Key | Required | Value |",
    "| --- | --- | --- |",
    ...ordered.map((k) => `| \`${k.name}\` | ${k.required ? "yes" : "no"} | ${k.doc} |`),
  ].join("\n");
}

/** Each generated table by its marker name. */
export const generatedTables: Readonly<Record<string, () => string>> = {
  "train-keys": () => keyTable(trainKeys),
  "sweep-keys": () => keyTable(sweepKeys),
  "layer-table": layerTable,
};

/** `markdown` with every marked table printed afresh; throws when a marker is missing (an invariant of the docs). */
export function withGeneratedTables(markdown: string): string {
  let text = markdown;
  for (const [name, print] of Object.entries(generatedTables)) {
    const start = `<!-- ${name}:start -->\n`;
    const end = `<!-- ${name}:end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end, from);
    if (from < 0 || to < 0) throw new Error(`docs/language.md has no ${start.trim()} ... ${end} section`);
    text = `${text.slice(0, from + start.length)}${print()}\n${text.slice(to)}`;
  }
  return text;
}

export const languageDoc = join(import.meta.dirname, "..", "docs", "language.md");

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const before = readFileSync(languageDoc, "utf8");
  const after = withGeneratedTables(before);
  if (after !== before) writeFileSync(languageDoc, after);
  console.log(after === before ? "docs/language.md: tables up to date" : "docs/language.md: tables rewritten");
}
