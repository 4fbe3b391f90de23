/**
 * A model as a PyTorch module: `class M(nn.Module)` with one attribute per layer that has weights or state
 * (`__init__`) and a `forward` that applies the layers in the IR's order, each statement commented with its
 * output shape and parameter count as nnc's summary prints them.
 *
 * Layout: `forward` takes and returns channels-last tensors, as tfjs. Each local keeps the layout its layer made
 * (a convolution's output stays channels-first for the next convolution) and is permuted only where a layer
 * needs the other layout, so a `flatten` sees channels-last data, in tfjs's order.
 */
import type { Diagnostic } from "../../diagnostics/index.js";
import { append } from "../../base/arrays.js";
import { formatShape, type IrLayer, type IrModel, type TensorRef } from "../../ir/index.js";
import { hasTrait } from "../../registry/layers/index.js";
import { initHelperNames, initStatements } from "./init.js";
import { attentionMaskKeywords } from "./layers-attention.js";
import { diagnosticsOf, inSourceOrder, weightLoadDiagnostics } from "./module-diagnostics.js";
import { torchModuleMembers } from "./module-members.js";
import { torchHelperDefinitions, torchLayer } from "./layers.js";
import { PyScope, pyIdentifier } from "./python.js";
import type { Layout, StateDictMap, TorchLayer, Unsupported } from "./types.js";

/** The module's Python text and what goes with it. */
export interface TorchModule {
  /** `class <Model>(nn.Module): ...`, 4-space indent, lines of 100 characters at most. */
  readonly code: string;
  /** The helper definitions it uses (`torchHelpers(helpers)` prints them). */
  readonly helpers: string[];
  readonly stateDict: StateDictMap;
  /** NN6001 for each layer PyTorch cannot express, at its call; NN6003 for each run its layers load weights from. */
  readonly diagnostics: Diagnostic[];
}

/**
 * Names a layer's attribute must not take: nn.Module's members (module-members.ts), and the methods the emitted
 * class defines besides `forward`.
 */
const moduleMembers = [...torchModuleMembers, "reset_parameters"];

/**
 * The attribute a layer's module is held in: its name as a Python identifier, never starting with `_`
 * (`_modules`, `__dict__`, `__class__` and the names Python mangles are nn.Module's or Python's own).
 */
function attributeName(name: string): string {
  const id = pyIdentifier(name);
  return id.startsWith("_") ? `layer${id}` : id;
}

/** Names the module's code uses besides its locals: imports and helpers. */
const pythonNames = [
  "self",
  "torch",
  "nn",
  "F",
  "math",
  "json",
  "os",
  "struct",
  ...Object.keys(torchHelperDefinitions),
];

/** One layer as planned: its PyTorch form (or why it has none) and the attribute that holds it. */
interface Planned {
  readonly layer: IrLayer;
  readonly torch: TorchLayer | Unsupported;
  /** `self.<attribute>` of the layer (of its owner for a shared layer), when it has a module. */
  readonly attribute?: string;
  /**
   * The masks it reads, each a keyword argument (a recurrent layer's `mask=`, an attention's `query_mask=`) with
   * the embeddings (with `mask_zero`) whose masks it combines.
   */
  readonly reads?: readonly MaskArgument[];
  /** The statements that set its weights as tfjs initializes them (the owner's only, for a shared layer). */
  readonly init?: readonly string[];
}

/** A keyword argument of masks: `mask=` and the embeddings whose masks (all of them) it is. */
interface MaskArgument {
  readonly keyword: string;
  readonly from: readonly string[];
}

/** Each layer's PyTorch form, in the IR's order, with attributes claimed for those with a module. */
function plan(model: IrModel): Planned[] {
  const attributes = new PyScope(moduleMembers);
  const owners = new Map<string, Planned>();
  const shapes = new Map<string, readonly IrLayer["outputShapes"][number][]>(
    model.inputs.map((input) => [input.name, [input.shape]]),
  );
  const masks = new Map<string, readonly string[]>();
  return model.layers.map((layer): Planned => {
    shapes.set(layer.name, layer.outputShapes);
    const inputs = layer.inputs.map((ref) => ({ expr: "", shape: shapes.get(ref.node)![ref.index]! }));
    const mask = maskOf(layer, masks);
    const made = torchLayer(layer, inputs);
    const torch = mask.refuse ? { unsupported: mask.refuse, location: layer.location } : made;
    if (mask.passed) masks.set(layer.name, mask.passed);
    if (layer.tfjs.config["maskZero"] === true && !("unsupported" in torch)) masks.set(layer.name, [layer.name]);
    const reads = mask.read ? { reads: mask.read } : {};
    const owner = layer.shares === undefined ? undefined : owners.get(layer.shares);
    if (owner) {
      // A shared layer's module is its owner's: a use that would need another (other padding for another
      // size) cannot share it.
      if (!("unsupported" in torch) && !("unsupported" in owner.torch) && torch.module !== owner.torch.module) {
        const unsupported = `shared by inputs of other sizes, it would need another ${torch.module}`;
        return { layer, torch: { unsupported, location: layer.location } };
      }
      return { layer, torch, ...reads, ...(owner.attribute ? { attribute: owner.attribute } : {}) };
    }
    const attribute = "module" in torch && torch.module ? attributes.claim(attributeName(layer.name)) : undefined;
    const init = attribute && "weights" in torch ? initStatements(layer.tfjs, attribute, torch.weights) : undefined;
    const planned: Planned =
      init && "refuse" in init
        ? { layer, torch: { unsupported: init.refuse, location: layer.location } }
        : { layer, torch, ...reads, ...(attribute ? { attribute } : {}), ...(init ? { init: init.lines } : {}) };
    owners.set(layer.name, planned);
    return planned;
  });
}

/** The weights of each layer, by attribute, as the weight bridge reads them; an owner only for shared layers. */
function stateDictOf(model: IrModel, planned: readonly Planned[]): StateDictMap {
  const layers = planned.flatMap(({ layer, torch, attribute }) =>
    layer.shares === undefined && attribute && "weights" in torch && torch.weights.length > 0
      ? [{ layer: layer.name, attribute, links: torch.weights }]
      : [],
  );
  return { model: model.name, layers };
}

/** The map from a model's layers to the emitted module's state dict, or NN6001 for the layers it cannot express. */
export function torchStateDict(model: IrModel): StateDictMap | Diagnostic[] {
  const planned = plan(model);
  const diagnostics = diagnosticsOf(planned);
  return diagnostics.length > 0 ? diagnostics : stateDictOf(model, planned);
}

/** A local of `forward`: its expression (a name, or `name[i]` of a layer of several outputs) and its layout. */
interface Local {
  readonly expr: string;
  readonly layout: Layout;
  readonly rank: number;
}

/** `expr` in layout `to`: a permute between channels-last and channels-first (none for a tensor of rank 1). */
function inLayout({ expr, layout, rank }: Local, to: Layout): string {
  if (layout === to || rank < 2) return expr;
  const middle = Array.from({ length: rank - 1 }, (_, i) => i + (to === "channels_first" ? 1 : 2));
  const axes = to === "channels_first" ? [0, rank, ...middle] : [0, ...middle, 1];
  return `${expr}.permute(${axes.join(", ")})`;
}

/** How many times each tensor is read: by layers and as an output. */
function uses(model: IrModel): Map<string, number> {
  const count = new Map<string, number>();
  const read = (ref: TensorRef) => count.set(ref.node, (count.get(ref.node) ?? 0) + 1);
  for (const layer of model.layers) layer.inputs.forEach(read);
  model.outputs.forEach(read);
  return count;
}

/**
 * The masks a layer is handed (of the embeddings with `mask_zero` before it, passed on by the layers that keep
 * them), as tfjs hands them: those it reads (its first input's, as a recurrent layer's `mask=` or an
 * attention's `query_mask=`), those it passes on (every layer that keeps masks; a
 * recurrent one only with its sequences, an attention its query's), or why it cannot be expressed (another
 * layer that reads them).
 */
function maskOf(
  layer: IrLayer,
  masks: ReadonlyMap<string, readonly string[]>,
): { read?: readonly MaskArgument[]; passed?: readonly string[]; refuse?: string } {
  const given = layer.inputs.map((ref) => masks.get(ref.node) ?? []);
  const all = [...new Set(given.flat())];
  if (all.length === 0) return {};
  if (!hasTrait(layer.kind, "reads-mask")) return hasTrait(layer.kind, "keeps-mask") ? { passed: all } : {};
  // tfjs's executor hands a layer its first input's mask only (as Keras's, an attention also reads the value's).
  const first = given[0]!;
  const read = (keyword: string) => (first.length > 0 ? [{ keyword, from: first }] : []);
  const keyword = attentionMaskKeywords[layer.kind];
  if (keyword) return { read: read(keyword), passed: first };
  if (!hasTrait(layer.kind, "recurrent")) return { refuse: "it would apply the mask of an embedding's mask_zero" };
  const config = layer.tfjs.config;
  const inner = (config["layer"] as { config?: typeof config } | undefined)?.config ?? config;
  return { read: read("mask"), ...(inner["returnSequences"] === true ? { passed: first } : {}) };
}

/** The class `M(nn.Module)` for a model, its helpers, its state dict map and NN6001 for what it cannot express. */
export function emitTorchModule(model: IrModel): TorchModule {
  const planned = plan(model);
  // The local of a chain of layers is `x`, or `h` when an input is named x.
  const chain = model.inputs.some((input) => pyIdentifier(input.name) === "x") ? "h" : "x";
  const locals = new PyScope([...pythonNames, chain]);
  const values = new Map<string, { name: string; layouts: Layout[]; ranks: number[]; list: boolean }>();
  const local = (ref: TensorRef): Local => {
    const found = values.get(ref.node);
    if (!found) throw new Error(`pytorch target: model ${model.name} uses '${ref.node}' before it is defined`);
    const expr = found.list ? `${found.name}[${ref.index}]` : found.name;
    return { expr, layout: found.layouts[ref.index]!, rank: found.ranks[ref.index]! };
  };
  const inputs = model.inputs.map((input) => {
    const name = locals.claim(input.name);
    values.set(input.name, { name, layouts: ["channels_last"], ranks: [input.shape.length], list: false });
    return name;
  });
  const read = uses(model);
  const outputs = new Set(model.outputs.map((ref) => ref.node));
  const init: string[] = [];
  const forward: string[] = [];
  const helpers = new Set<string>();
  const masks = new Map<string, string>();
  const initWeights = planned.flatMap((p) => p.init ?? []);
  if (initWeights.length > 0) initHelperNames.forEach((name) => helpers.add(name));
  planned.forEach(({ layer, torch, attribute, reads }, index) => {
    const ranks = layer.outputShapes.map((shape) => shape.length);
    const list = layer.outputShapes.length > 1;
    // A tensor read once, by the next statement (or returned right after), is the chain's local, as a person
    // writes a chain.
    const next = planned[index + 1]?.layer;
    const once =
      !list &&
      read.get(layer.name) === 1 &&
      (next ? next.inputs.some((ref) => ref.node === layer.name) : outputs.has(layer.name));
    const name = once ? chain : locals.claim(layer.shares ? layer.name.replace(":", "_use") : layer.name);
    if ("unsupported" in torch) {
      values.set(layer.name, { name, layouts: ranks.map(() => "channels_last"), ranks, list });
      append(forward, statement(`${name} = None`, `  # NN6001: ${layer.kind} has no PyTorch form`, 8));
      return;
    }
    for (const helper of torch.helpers ?? []) helpers.add(helper);
    const given = layer.inputs.map(local);
    // A layer that takes any layout takes its inputs' (the first's when they differ, channels-last when their
    // ranks differ, as broadcasting aligns channels-last axes).
    const layout = torch.layout ?? (given.every((g) => g.rank === given[0]!.rank) ? given[0]!.layout : "channels_last");
    const keywords = (reads ?? []).map(
      ({ keyword, from }) => `${keyword}=${from.map((e) => masks.get(e)!).join(" & ")}`,
    );
    const args = [...given.map((g) => inLayout(g, layout)), ...keywords];
    if (layer.tfjs.config["maskZero"] === true) {
      const made = locals.claim(`${layer.name}_mask`);
      append(forward, statement(`${made} = ${args[0]} != 0`, "  # the padding (id 0) that later layers skip", 8));
      masks.set(layer.name, made);
    }
    const self = attribute ? `self.${attribute}` : "self";
    if (attribute && layer.shares === undefined) {
      const frozen = layer.tfjs.config["trainable"] === false ? ".requires_grad_(False)" : "";
      const note = torch.paramNote ? `  # ${torch.paramNote}` : "";
      append(init, statement(`self.${attribute} = ${torch.module}${frozen}`, note, 8));
    }
    const made = torch.outputLayout ?? layout;
    values.set(layer.name, { name, layouts: ranks.map(() => made), ranks, list });
    const params = layer.params.trainable + layer.params.nonTrainable;
    const weights = layer.shares ? `the weights of ${layer.shares}` : `${params.toLocaleString("en-US")} params`;
    const shapes = layer.outputShapes.map(formatShape).join(", ");
    append(forward, statement(`${name} = ${torch.forward(self, args)}`, `  # ${shapes}, ${weights}`, 8));
  });
  const results = model.outputs.map((ref) => inLayout(local(ref), "channels_last"));
  forward.push(`return ${results.join(", ")}`);
  const code = [
    `class ${pyIdentifier(model.name)}(nn.Module):`,
    `    """Model ${model.name}, compiled by nnc.`,
    "",
    "    Tensors in and out are channels-last, as in tfjs; the comment beside each statement gives the",
    "    layer's output shape as tfjs has it (channels-last) and its parameter count.",
    '    """',
    "",
    "    def __init__(self):",
    "        super().__init__()",
    ...init.map((line) => `        ${line}`),
    ...(initWeights.length > 0 ? ["        self.reset_parameters()", ""] : [""]),
    ...(initWeights.length > 0
      ? [
          "    def reset_parameters(self):",
          '        """Every weight as tfjs initializes it (see keras_init_), not as PyTorch would."""',
          ...initWeights.flatMap((line) => statement(line, "", 8).map((l) => `        ${l}`)),
          "",
        ]
      : []),
    ...statement(`def forward(self, ${inputs.join(", ")}):`, "", 4).map((line) => `    ${line}`),
    ...forward.map((line) => `        ${line}`),
    "",
  ].join("\n");
  const diagnostics = inSourceOrder([...diagnosticsOf(planned), ...weightLoadDiagnostics(model)]);
  return { code, helpers: [...helpers], stateDict: stateDictOf(model, planned), diagnostics };
}

/** The Python definitions of these helpers (as `TorchModule.helpers` names them), each once, in a fixed order. */
export function torchHelpers(names: readonly string[]): string {
  const wanted = new Set(names);
  return Object.entries(torchHelperDefinitions)
    .filter(([name]) => wanted.has(name))
    .map(([, text]) => `${text.trim()}\n`)
    .join("\n\n");
}

const width = 100;

/**
 * A statement with its trailing comment, as lines (without the `indent` they will get): the comment above it
 * when both do not fit, and the statement wrapped (`wrap`) when it does not fit alone.
 */
function statement(text: string, comment: string, indent: number): string[] {
  if (indent + text.length + comment.length <= width) return [text + comment];
  const above = comment ? [`# ${comment.replace(/^\s*#\s*/, "")}`] : [];
  return [...above, ...wrap(text, indent)];
}

/**
 * A line that does not fit broken as black breaks it: after the bracket that closes at its end (before a final
 * `,` or `:`), the items on one line, or one per line, each wrapped the same way.
 */
function wrap(text: string, indent: number): string[] {
  if (indent + text.length <= width) return [text];
  const suffix = /[,:]$/.test(text) ? text.slice(-1) : "";
  const body = text.slice(0, text.length - suffix.length);
  const open = openingOf(body);
  if (open < 0) return [text];
  const items = splitArguments(body.slice(open + 1, -1));
  const [head, close] = [body.slice(0, open + 1), body.slice(-1) + suffix];
  const flat = items.join(", ");
  const inner = indent + 4 + flat.length <= width ? [flat] : items.flatMap((item) => wrap(`${item},`, indent + 4));
  return [head, ...inner.map((line) => `    ${line}`), close];
}

/** The index of the bracket that the text's last character closes, or -1. */
function openingOf(text: string): number {
  if (!text.endsWith(")") && !text.endsWith("]")) return -1;
  let depth = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    if (text[i] === ")" || text[i] === "]") depth++;
    else if (text[i] === "(" || text[i] === "[") depth--;
    if (depth === 0) return i;
  }
  return -1;
}

/** A call's arguments, split at the commas outside brackets and strings. */
function splitArguments(text: string): string[] {
  const args: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === '"' || c === "'") quote = c;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (c === "," && depth === 0) {
      args.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(text.slice(start).trim());
  return args;
}
