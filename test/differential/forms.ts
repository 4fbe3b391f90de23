/** Which of the language's newer forms a generated model uses, for the run's statistics and its assertions. */
import { layerCalls, type ModelDesc } from "./generate.js";
import type { TfjsBuilder } from "./tfjs-builder.js";

/**
 * The forms of shared layers and of calls with several outputs a model uses: the run reports how many models
 * used each, and the test asserts that each took part.
 */
export const newForms = [
  "shared layer",
  "shared block instance",
  "shared merge",
  "shared layer on inputs of other shapes",
  "shared layer whose weights do not fit an input",
  "several outputs bound",
  "initial_state",
  "initial_state that does not fit",
] as const;

/** Whether the states of some `initial_state:` differ in count or size from the layer's (tfjs refuses them). */
function statesMisfit(desc: ModelDesc): boolean {
  const statements = [desc.body, ...desc.blocks.map((b) => b.body)].flat();
  return [...layerCalls(desc)].some(([c]) => {
    if (!c.initialState) return false;
    const from = statements.find((s) => s.targets?.includes(c.initialState![0]!))?.steps.at(-1);
    const source = from && "layer" in from ? from.layer : null;
    const count = c.kind === "lstm" ? 2 : 1;
    return c.initialState.length !== count || source?.args["units"] !== c.args["units"];
  });
}

/** The forms in `newForms` the model uses (`built` tells the shapes each shared layer was applied to). */
export function formsOf(desc: ModelDesc, built: TfjsBuilder): string[] {
  const statements = [desc.body, ...desc.blocks.map((b) => b.body)].flat();
  const used: Record<(typeof newForms)[number], boolean> = {
    "shared merge": statements.some((s) => s.merge && "use" in s.merge.call),
    "shared layer": statements.some((s) => s.declare && "kind" in s.declare.call),
    "shared block instance": statements.some((s) => s.declare && "block" in s.declare.call),
    "shared layer on inputs of other shapes": built.otherShapes > 0,
    "shared layer whose weights do not fit an input": built.misfits > 0,
    "several outputs bound": statements.some((s) => s.targets),
    initial_state: [...layerCalls(desc)].some(([c]) => c.initialState),
    "initial_state that does not fit": statesMisfit(desc),
  };
  return newForms.filter((f) => used[f]);
}
