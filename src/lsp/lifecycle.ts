/**
 * The protocol's lifecycle, kept before any handler sees a message: vscode-languageserver answers every
 * request whenever it comes. Before `initialize`, a request is answered ServerNotInitialized (-32002) and a
 * notification is dropped; after `shutdown`, a request is answered InvalidRequest (-32600) and a notification
 * is dropped; `exit` always passes (the library then ends the process: 0 after shutdown, 1 without). A second
 * `initialize` is an InvalidRequest too.
 */
import {
  ErrorCodes,
  Message,
  type DataCallback,
  type Disposable,
  type MessageReader,
  type MessageWriter,
  type ResponseMessage,
} from "vscode-languageserver/node";

export class LifecycleReader implements MessageReader {
  private state: "new" | "running" | "shut down" = "new";

  constructor(
    private readonly reader: MessageReader,
    /** Where the refusals are written: the connection's own writer. */
    private readonly writer: MessageWriter,
  ) {}

  get onError() {
    return this.reader.onError;
  }
  get onClose() {
    return this.reader.onClose;
  }
  get onPartialMessage() {
    return this.reader.onPartialMessage;
  }

  /** Whether `shutdown` was received (the exit code when the input ends: 0 if so, 1 if not). */
  get shutDown(): boolean {
    return this.state === "shut down";
  }

  listen(callback: DataCallback): Disposable {
    return this.reader.listen((message) => {
      if (Message.isRequest(message)) {
        const refusal = this.refusal(message.method);
        if (refusal) {
          const response: ResponseMessage = { jsonrpc: "2.0", id: message.id, error: refusal };
          void this.writer.write(response);
          return;
        }
        if (message.method === "initialize") this.state = "running";
        else if (message.method === "shutdown") this.state = "shut down";
      } else if (Message.isNotification(message) && message.method !== "exit" && this.state !== "running") {
        return;
      }
      callback(message);
    });
  }

  private refusal(method: string): { code: number; message: string } | undefined {
    if (this.state === "new" && method !== "initialize") {
      return {
        code: ErrorCodes.ServerNotInitialized,
        message: `'${method}' before 'initialize': the server is not initialized yet`,
      };
    }
    if (this.state === "running" && method === "initialize") {
      return { code: ErrorCodes.InvalidRequest, message: "'initialize' was already received" };
    }
    if (this.state === "shut down") {
      return {
        code: ErrorCodes.InvalidRequest,
        message: `'${method}' after 'shutdown': the server only waits for 'exit'`,
      };
    }
    return undefined;
  }

  dispose(): void {
    this.reader.dispose();
  }
}
