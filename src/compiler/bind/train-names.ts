/**
 * The names a `train` block writes that are a model's tensors: the keys of per-output settings (`loss: { kind:
 * ..., price: mse }`, `metrics`, `loss_weights`), of a data source's targets per output (`labels: { kind:
 * "species" }`, npy's `y: { ... }`) and features per input (`features: { tokens: [...] }`, npy's `x: { ... }`),
 * and `target: NAME`. Each is an occurrence of the output's or the input's symbol, so rename, references and
 * hover follow a tensor into the train block. Which settings and arguments are keyed by what is read from
 * the registries (train-keys.ts, data-sources.ts). Whether a key names a real output or input is the checker's
 * (check/train-outputs.ts, check/data-source.ts, check/train-target.ts): a key that names none is no occurrence.
 */
import type * as ast from "../syntax/ast.js";
import { dataSources } from "../registry/data-sources.js";
import { trainKeys } from "../registry/train-keys.js";
import type { BodyBinding } from "./body.js";
import type { NameSymbol, Occurrence } from "./symbols.js";

/** The occurrences of the model's outputs and inputs among the names of `decl` (which trains `model`). */
export function trainOccurrences(decl: ast.TrainDecl, model: ast.ModelDecl, binding: BodyBinding): Occurrence[] {
  const outputs = new Map<string, NameSymbol>();
  const inputs = new Map<string, NameSymbol>();
  for (const stmt of model.body) {
    if (stmt.kind === "output" && outputs.size === 0) {
      for (const name of stmt.names) {
        const symbol = binding.output(name)?.symbol;
        if (symbol) outputs.set(name.text, symbol);
      }
    } else if (stmt.kind === "input") {
      const symbol = binding.input(stmt)?.symbol;
      if (symbol) inputs.set(stmt.name.text, symbol);
    }
  }
  const found: Occurrence[] = [];
  const keysOf = (value: ast.Value, names: ReadonlyMap<string, NameSymbol>) => {
    if (value.kind !== "map") return;
    for (const { key } of value.entries) {
      const symbol = names.get(key.text);
      if (symbol && !key.recovered) found.push({ span: key.span, symbol, isDefinition: false });
    }
  };
  for (const entry of decl.entries) {
    if (entry.recovered) continue;
    const key = trainKeys.find((k) => k.name === entry.key.text);
    const { value } = entry;
    if (!key || value.recovered) continue;
    switch (key.value.kind) {
      case "per output":
      case "weights":
        keysOf(value, outputs);
        break;
      case "input": {
        if (value.kind !== "call" || value.args !== null) break;
        const symbol = inputs.get(value.callee.text);
        if (symbol) found.push({ span: value.callee.span, symbol, isDefinition: false });
        break;
      }
      case "data source": {
        const source = value.kind === "call" ? dataSources[value.callee.text] : undefined;
        if (!source || value.kind !== "call") break;
        const args = value.args ?? [];
        const positional = args.filter((arg) => !arg.name);
        for (const arg of args) {
          const name = arg.name?.text ?? source.positional[positional.indexOf(arg)];
          if (name !== undefined && source.labels?.includes(name)) keysOf(arg.value, outputs);
          if (name !== undefined && name === source.features) keysOf(arg.value, inputs);
        }
        break;
      }
      default:
        break;
    }
  }
  return found;
}
