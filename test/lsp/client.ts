/**
 * A real LSP client for tests: spawns the built server (`node bin/nnc.js lsp --stdio`) and talks JSON-RPC to
 * it over its standard input and output, as an editor does.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type TextEdit,
} from "vscode-languageserver-protocol/node";
import { repo } from "../helpers/cli.js";

export class LspClient {
  readonly connection: ProtocolConnection;
  private readonly process: ChildProcess;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  private readonly waiters: (() => void)[] = [];
  readonly logs: string[] = [];
  stderr = "";
  /** The server process's exit code, once it has ended. */
  readonly exited: Promise<number | null>;

  constructor(readonly cwd = repo) {
    this.process = spawn(process.execPath, [join(repo, "bin", "nnc.js"), "lsp", "--stdio"], { cwd, stdio: "pipe" });
    this.process.stderr!.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) => this.process.on("exit", (code) => resolve(code)));
    this.connection = createProtocolConnection(
      new StreamMessageReader(this.process.stdout!),
      new StreamMessageWriter(this.process.stdin!),
    );
    this.connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
      const list = this.diagnostics.get(params.uri) ?? [];
      list.push(params);
      this.diagnostics.set(params.uri, list);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.connection.onNotification("window/logMessage", (params: { message: string }) => {
      this.logs.push(params.message);
    });
    this.connection.listen();
  }

  /** Starts the session with the client's folder as the workspace root. */
  async initialize(capabilities: object = {}): Promise<unknown> {
    const result = await this.connection.sendRequest("initialize", {
      processId: process.pid,
      rootUri: pathToFileURL(this.cwd).href,
      capabilities,
    });
    await this.connection.sendNotification("initialized", {});
    return result;
  }

  open(uri: string, text: string, version = 1): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "nn", version, text },
    });
  }

  change(uri: string, text: string, version: number): Promise<void> {
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges: [{ text }],
    });
  }

  /** How many times diagnostics were published for a document so far. */
  published(uri: string): number {
    return this.diagnostics.get(uri)?.length ?? 0;
  }

  /** Waits for the next diagnostics of `uri` after the first `after` publications. */
  async diagnosticsOf(uri: string, after = 0): Promise<Diagnostic[]> {
    while (this.published(uri) <= after) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri}; stderr: ${this.stderr}`)), 20_000);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.diagnostics.get(uri)!.at(-1)!.diagnostics;
  }

  request<R>(method: string, uri: string, position?: Position, extra: object = {}): Promise<R> {
    return this.connection.sendRequest(method, {
      textDocument: { uri },
      ...(position ? { position } : {}),
      ...extra,
    }) as Promise<R>;
  }

  /** Closes the server's standard input, as an editor that dies does. */
  endInput(): void {
    this.process.stdin!.end();
  }

  /** shutdown, exit, and the process's exit code. */
  async close(): Promise<number | null> {
    await this.connection.sendRequest("shutdown");
    await this.connection.sendNotification("exit");
    const code = await this.exited;
    this.connection.dispose();
    return code;
  }
}

/** The LSP position of an offset (lines split at `\n`, as the tests write them). */
export function positionAt(text: string, offset: number): Position {
  const before = text.slice(0, offset).split("\n");
  return { line: before.length - 1, character: before.at(-1)!.length };
}

/** The offset of an LSP position. */
export function offsetAt(text: string, p: Position): number {
  return (
    text
      .split("\n")
      .slice(0, p.line)
      .reduce((n, line) => n + line.length + 1, 0) + p.character
  );
}

/**
 * Text with cursor positions marked `<|>`: the text without the markers and each cursor as an LSP position.
 */
export function cursors(source: string): { text: string; at: Position[] } {
  const parts = source.split("<|>");
  let text = "";
  const at: Position[] = [];
  parts.forEach((part, i) => {
    text += part;
    if (i < parts.length - 1) at.push(positionAt(text, text.length));
  });
  return { text, at };
}

export function fileUri(path: string): string {
  return pathToFileURL(path).href;
}

/** Applies text edits to a text, last first. */
export function apply(text: string, edits: readonly TextEdit[]): string {
  const offset = (p: Position) => offsetAt(text, p);
  return [...edits]
    .sort((a, b) => offset(b.range.start) - offset(a.range.start))
    .reduce((t, e) => t.slice(0, offset(e.range.start)) + e.newText + t.slice(offset(e.range.end)), text);
}
