/**
 * The one error type for a user's mistake found while training (a missing data file, a malformed row, data
 * that does not fit the model). The CLI prints it as one line, `error[NN4006]: ...`, without a stack trace;
 * anything else that is thrown is a bug in nnc.
 */
import { printable } from "../compiler/base/line-map.js";
import { messages, type Code, type MessageArgs } from "../compiler/diagnostics/messages.js";

/** Training and data codes: the runtime reports only from the NN4xxx catalogue. */
export type RuntimeCode = Extract<Code, `NN4${string}`>;

export class NncUserError extends Error {
  override readonly name = "NncUserError";

  constructor(
    readonly code: RuntimeCode,
    private readonly args: MessageArgs<RuntimeCode>,
    /** How to fix it, printed after the message. */
    readonly hint?: string,
  ) {
    super((messages[code].message as (a: MessageArgs<RuntimeCode>) => string)(args));
  }

  /** The same error with another hint: a reader's advice that does not fit where its data is read from. */
  withHint(hint: string): NncUserError {
    return new NncUserError(this.code, this.args, hint);
  }

  /**
   * `error[NN4006]: data/x.csv:12: column 'petal_width': 'abc' is not a number`, its control characters shown
   * as escapes (a message may quote a data file's text).
   */
  format(): string {
    return printable(`error[${this.code}]: ${this.message}${this.hint ? ` (${this.hint})` : ""}`);
  }
}

/** The WebAssembly engine's and Emscripten's words for a wasm memory that is full (the RuntimeError's). */
const outOfMemory = /memory access out of bounds|^Aborted\(/;

/** A JavaScript view of the wasm memory, or its growth, that does not fit (the RangeError's). */
const viewPastMemory =
  /WebAssembly\.Memory|Cannot enlarge memory|Array buffer allocation failed|Invalid typed array length|outside the bounds of the buffer/;

/**
 * What went wrong, in the error's first line, when `error` is the wasm backend failing for want of memory;
 * undefined for any other error. Past its 4 GiB the backend's `malloc` returns 0 and the next kernel reads or
 * writes outside the memory (`RuntimeError: memory access out of bounds`), Emscripten aborts (`Aborted(...)`),
 * or a view of the memory does not fit in it (a `RangeError`).
 */
export function wasmMemoryFailure(error: unknown): string | undefined {
  const full =
    (error instanceof WebAssembly.RuntimeError && outOfMemory.test(error.message)) ||
    (error instanceof RangeError && viewPastMemory.test(error.message));
  return full ? error.message.split("\n")[0]!.replace(/\. Build with -sASSERTIONS.*$/, "") : undefined;
}
