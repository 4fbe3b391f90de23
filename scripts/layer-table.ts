/**
 * docs/language.md's layer table, printed from the layer registry: one row per kind, in name order, with its
 * positional arguments, how many inputs it takes, its aliases, its traits and its doc line, then what each trait
 * means. scripts/docs-tables.ts writes it between the `layer-table` markers.
 */
import { layerKinds, traitDocs, type LayerKind, type Trait } from "../src/compiler/registry/index.js";

const code = (names: readonly string[]) => (names.length === 0 ? "—" : names.map((n) => `\`${n}\``).join(", "));

/** `1`, `2`, `2+` (two or more) or `1–3`. */
function inputCount(kind: LayerKind): string {
  const { min, max } = kind.inputs ?? { min: 1, max: 1 };
  if (max === undefined) return `${min}+`;
  return min === max ? `${min}` : `${min}–${max}`;
}

export function layerTable(): string {
  const kinds = [...layerKinds].sort((a, b) => (a.name < b.name ? -1 : 1));
  const row = (k: LayerKind) =>
    `| \`${k.name}\` | ${code(k.positional)} | ${inputCount(k)} | ${code(k.aliases ?? [])} | ${code(k.traits)} | ${k.doc} |`;
  const traits = Object.entries(traitDocs) as [Trait, (typeof traitDocs)[Trait]][];
  return [
    "| Layer | Positional arguments | Inputs | Aliases | Traits | What it does |",
    "| --- | --- | --- | --- | --- | --- |",
    ...kinds.map(row),
    "",
    "Traits, which the lints and the editor read:",
    "",
    ...traits.map(([name, { meaning }]) => `- \`${name}\`: ${meaning}.`),
  ].join("\n");
}
