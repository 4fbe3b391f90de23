/** One differential run: the fast-check property, statistics, and a report a person can act on. */
import fc from "fast-check";
import { modelArbitrary, type ModelDesc } from "./generate.js";
import { compare, setUpTfjs, type Outcome } from "./oracle.js";
import { printModel } from "./print.js";

/** A model and whether to also run it on data (a third of the accepted ones: it is the slow part). */
export const caseArbitrary = fc.tuple(modelArbitrary, fc.integer({ min: 0, max: 2 }));

export interface Stats {
  models: number;
  accepted: number;
  bothRefuse: number;
  stricter: Map<string, number>;
  predicted: number;
  kinds: Map<string, number>;
  forms: Map<string, number>;
  /** Of the models using each form, those both accepted. */
  formsAccepted: Map<string, number>;
  codes: Map<string, number>;
}

export function newStats(): Stats {
  return {
    models: 0,
    accepted: 0,
    bothRefuse: 0,
    stricter: new Map(),
    predicted: 0,
    kinds: new Map(),
    forms: new Map(),
    formsAccepted: new Map(),
    codes: new Map(),
  };
}

const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

export function record(stats: Stats, o: Outcome): void {
  stats.models++;
  if (o.codes.length === 0) stats.accepted++;
  else if (o.tfjs === "threw") stats.bothRefuse++;
  for (const s of o.stricter) bump(stats.stricter, s);
  if (o.predicted) stats.predicted++;
  for (const k of new Set(o.kinds)) bump(stats.kinds, k);
  for (const f of o.forms) bump(stats.forms, f);
  for (const f of o.codes.length === 0 ? o.forms : []) bump(stats.formsAccepted, f);
  for (const c of o.codes) bump(stats.codes, c);
}

/** The property: nnc and tfjs agree on the model. */
export function property(stats: Stats) {
  return fc.property(caseArbitrary, ([desc, roll]) => {
    record(stats, compare(desc, roll === 0));
  });
}

export function formatStats(stats: Stats, seconds: number): string {
  const list = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ") || "none";
  const forms =
    [...stats.forms.entries()].map(([f, n]) => `${f} ${n} (${stats.formsAccepted.get(f) ?? 0})`).join(", ") || "none";
  return [
    `${stats.models} models in ${seconds.toFixed(1)} s: ${stats.accepted} accepted by both ` +
      `(${stats.predicted} also run on data), ${stats.bothRefuse} refused by both, ` +
      `${stats.models - stats.accepted - stats.bothRefuse} refused by nnc's stricter checks only`,
    `stricter checks: ${list(stats.stricter)}`,
    `nnc codes: ${list(stats.codes)}`,
    `kinds (models using each): ${list(stats.kinds)}`,
    `shared layers and several outputs (models using each, accepted by both): ${forms}`,
  ].join("\n");
}

/** A counterexample as a fixture: the description and what nnc must say. */
export function fixtureOf(desc: ModelDesc): string {
  return `${JSON.stringify({ expect: [], model: desc }, null, 2)}\n`;
}

export async function runFuzz(options: { runs: number; seed: number; progress: boolean }): Promise<boolean> {
  await setUpTfjs();
  const stats = newStats();
  const started = performance.now();
  let last = started;
  const prop = fc.property(caseArbitrary, ([desc, roll]) => {
    record(stats, compare(desc, roll === 0));
    const now = performance.now();
    if (options.progress && now - last > 5000) {
      last = now;
      console.log(`  ${stats.models} models, ${((now - started) / 1000).toFixed(0)} s`);
    }
  });
  console.log(`fuzz:shapes: ${options.runs} runs, seed ${options.seed}`);
  // No shrinking: each step builds tfjs models, and a generated model is short already.
  const result = fc.check(prop, { numRuns: options.runs, seed: options.seed, endOnFailure: true });
  console.log(formatStats(stats, (performance.now() - started) / 1000));
  if (!result.failed) return true;
  const [[desc]] = result.counterexample!;
  console.log(
    `\nDISAGREEMENT after ${result.numRuns} runs (${result.numShrinks} shrinks), seed ${options.seed}, path ${result.counterexamplePath}`,
  );
  console.log(result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance));
  console.log(`\n--- save as test/fixtures/differential/NAME.nn ---\n${printModel(desc).text}`);
  console.log(
    `--- and the description as test/fixtures/differential/NAME.json ("expect": the codes nnc must report, [] for none) ---\n${fixtureOf(desc)}`,
  );
  return false;
}
