/**
 * The syntax tree of a `.nn` file, built from Chevrotain's CST by `parse()` (index.ts).
 *
 * Every node has a half-open `span` of offsets into its file. A node that Chevrotain's error recovery had to
 * invent or cut short is marked `recovered`; the checker skips it, so one typo gives one error.
 */
import type { Span } from "../base/span.js";

export type { Span } from "../base/span.js";

interface NodeBase {
  readonly span: Span;
  readonly recovered?: boolean;
}

export interface Ident extends NodeBase {
  readonly kind: "ident";
  readonly text: string;
}

export interface NumberValue extends NodeBase {
  readonly kind: "number";
  readonly value: number;
  /** Written without a fraction or exponent (`10`, not `10.0` or `1e1`). */
  readonly isInteger: boolean;
}
export interface StringValue extends NodeBase {
  readonly kind: "string";
  readonly value: string;
}
export interface BoolValue extends NodeBase {
  readonly kind: "bool";
  readonly value: boolean;
}
/** `?`: an unknown dimension. */
export interface UnknownValue extends NodeBase {
  readonly kind: "unknown";
}
export interface ListValue extends NodeBase {
  readonly kind: "list";
  readonly items: readonly Value[];
}
/** `{ kind: mse, "price": mae }`: keys (an identifier or a string) in the order written, each once. */
export interface MapValue extends NodeBase {
  readonly kind: "map";
  readonly entries: readonly MapEntry[];
}
export interface MapEntry extends NodeBase {
  /** The key; its text is the string's value when written as a string. */
  readonly key: Ident;
  readonly value: Value;
}
export interface BinaryValue extends NodeBase {
  readonly kind: "binary";
  readonly op: "+" | "-" | "*" | "/";
  readonly left: Value;
  readonly right: Value;
}
export interface NegateValue extends NodeBase {
  readonly kind: "negate";
  readonly operand: Value;
}
/** `dense(10)`, `flatten`, `relu`, `x`: `args` is null when no parentheses were written. */
export interface Call extends NodeBase {
  readonly kind: "call";
  readonly callee: Ident;
  readonly args: readonly Arg[] | null;
}
export type Value =
  NumberValue | StringValue | BoolValue | UnknownValue | ListValue | MapValue | BinaryValue | NegateValue | Call;

export interface Arg extends NodeBase {
  readonly name: Ident | null;
  readonly value: Value;
}

export interface Chain extends NodeBase {
  readonly kind: "chain";
  readonly steps: readonly Call[];
}

export interface InputStmt extends NodeBase {
  readonly kind: "input";
  readonly name: Ident;
  readonly shape: ListValue;
  readonly dtype: Ident | null;
}
export interface OutputStmt extends NodeBase {
  readonly kind: "output";
  readonly names: readonly Ident[];
}
export interface ReturnStmt extends NodeBase {
  readonly kind: "return";
  readonly value: Chain;
}
export interface RepeatStmt extends NodeBase {
  readonly kind: "repeat";
  readonly count: Value;
  readonly body: readonly Statement[];
}
/** `h = x -> relu()`; `seq, h, c = x -> lstm(8, return_state: true)` binds each output (`_` drops one). */
export interface Assignment extends NodeBase {
  readonly kind: "assign";
  readonly targets: readonly Ident[];
  readonly chain: Chain;
}
/** `layer embed = dense(64)`: one instance of a layer or block, applied with the same weights at every use. */
export interface LayerStmt extends NodeBase {
  readonly kind: "layer";
  readonly name: Ident;
  readonly call: Call;
  /** Steps written after the call (`layer d = x -> dense(3)`), which a declaration does not take. */
  readonly extra: readonly Call[];
}
export interface ChainStmt extends NodeBase {
  readonly kind: "chainStmt";
  readonly chain: Chain;
}
export type ComparisonOp = "<" | "<=" | ">" | ">=" | "==";
/**
 * A compile-time check in a model body, written `WORD SUBJECT OP VALUE` or `WORD SUBJECT: SHAPE`:
 * `assert params < 5_000_000`, `expect params == 34_826` (`test.kind === "compare"`: a figure of the model,
 * `params`, `trainable_params`, `non_trainable_params` or `macs`, against a number expression), or
 * `expect conv1: [26, 26, 32]` (`test.kind === "shape"`: the shape of a tensor or layer named `conv1`).
 * `word` is the word written; `assert` and `expect` check the same way. The formatter prints a compare test
 * as `WORD SUBJECT OP VALUE` and a shape test as `WORD SUBJECT: SHAPE`.
 */
export interface AssertStmt extends NodeBase {
  readonly kind: "assert";
  readonly word: "assert" | "expect";
  readonly subject: Ident;
  readonly test:
    | { readonly kind: "compare"; readonly op: ComparisonOp; readonly value: Value }
    | { readonly kind: "shape"; readonly shape: ListValue };
}
export type Statement =
  InputStmt | OutputStmt | ReturnStmt | RepeatStmt | Assignment | LayerStmt | ChainStmt | AssertStmt;

export interface ModelDecl extends NodeBase {
  readonly kind: "model";
  readonly name: Ident;
  /** `model Net(units = 128)`: parameters, each with a default (the checker requires one); empty without. */
  readonly params: readonly Param[];
  readonly body: readonly Statement[];
}
export interface Param extends NodeBase {
  readonly name: Ident;
  readonly defaultValue: Value | null;
}
export interface BlockDecl extends NodeBase {
  readonly kind: "block";
  readonly name: Ident;
  readonly params: readonly Param[];
  readonly inputs: readonly Ident[];
  readonly body: readonly Statement[];
}
export interface TrainEntry extends NodeBase {
  readonly key: Ident;
  readonly value: Value;
}
export interface TrainDecl extends NodeBase {
  readonly kind: "train";
  readonly model: Ident;
  readonly entries: readonly TrainEntry[];
}
/**
 * `sweep Net { space: {...} objective: minimize(val_loss) sampler: tpe(trials: 30) assert params < 1e6 }`:
 * a hyperparameter search over the train block of `model`. Entries are read like a train block's; the
 * assertions are budgets every configuration must meet before it trains.
 */
export interface SweepDecl extends NodeBase {
  readonly kind: "sweep";
  readonly model: Ident;
  readonly entries: readonly TrainEntry[];
  readonly asserts: readonly AssertStmt[];
}
export interface ImportDecl extends NodeBase {
  readonly kind: "import";
  readonly names: readonly Ident[];
  readonly from: StringValue;
}
export type Declaration = ImportDecl | ModelDecl | BlockDecl | TrainDecl | SweepDecl;

export interface SourceFile {
  readonly path: string;
  readonly text: string;
  readonly declarations: readonly Declaration[];
  /** Comment tokens, kept for the formatter. */
  readonly comments: readonly { readonly span: Span; readonly text: string }[];
}
