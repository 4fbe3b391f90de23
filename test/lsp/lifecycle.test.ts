/**
 * The protocol's lifecycle over real stdio: nothing is served before `initialize` or after `shutdown`, and
 * `exit` ends the process with 0 after `shutdown` and 1 without.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ResponseError } from "vscode-languageserver-protocol";
import { fileUri, LspClient } from "./client.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnc-lsp-lifecycle-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The error a request is answered with (fails when it is answered with a result). */
async function refusal(promise: Promise<unknown>): Promise<ResponseError<unknown>> {
  const outcome = await promise.then(
    (result) => new Error(`answered with ${JSON.stringify(result)}`),
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ResponseError);
  return outcome as ResponseError<unknown>;
}

const position = { line: 2, character: 4 }; // on `dense`
const spec = "model M {\n  input x: [4]\n  dense(2)\n}\n";

describe("nnc lsp before initialize and after shutdown", () => {
  it("answers requests before initialize with ServerNotInitialized, and drops notifications", async () => {
    const client = new LspClient(dir);
    const early = fileUri(join(dir, "early.nn"));
    const hover = await refusal(client.request("textDocument/hover", early, position));
    expect(hover.code).toBe(-32002);
    expect((await refusal(client.connection.sendRequest("shutdown"))).code).toBe(-32002);
    // Dropped: the server never checks this document, nor knows it once initialized.
    await client.open(early, "model M {\n  input x: [4]\n  dense(0)\n}\n");
    await client.initialize();
    const later = fileUri(join(dir, "later.nn"));
    await client.open(later, spec);
    expect(await client.diagnosticsOf(later)).toEqual([]);
    expect(client.published(early)).toBe(0);
    expect(await client.request("textDocument/hover", early, position)).toBeNull();
    // A second initialize is refused; the session goes on.
    const again = await refusal(
      client.connection.sendRequest("initialize", { processId: null, rootUri: null, capabilities: {} }),
    );
    expect(again.code).toBe(-32600);
    expect(await client.request("textDocument/hover", later, position)).not.toBeNull();
    expect(await client.close()).toBe(0);
  });

  it("answers requests after shutdown with InvalidRequest, drops notifications, and exits with 0 on exit", async () => {
    const client = new LspClient(dir);
    await client.initialize();
    const uri = fileUri(join(dir, "open.nn"));
    await client.open(uri, spec);
    await client.diagnosticsOf(uri);
    expect(await client.connection.sendRequest("shutdown")).toBeNull();
    const hover = await refusal(client.request("textDocument/hover", uri, position));
    expect(hover.code).toBe(-32600);
    expect((await refusal(client.connection.sendRequest("shutdown"))).code).toBe(-32600);
    // A change after shutdown is dropped: no new diagnostics come before the answer to a later request.
    await client.change(uri, "model M {\n  input x: [4]\n  dense(0)\n}\n", 2);
    await refusal(client.request("textDocument/hover", uri, position));
    expect(client.published(uri)).toBe(1);
    await client.connection.sendNotification("exit");
    expect(await client.exited).toBe(0);
    expect(client.published(uri)).toBe(1);
    client.connection.dispose();
  });

  it("exits when its input ends: 0 after shutdown, 1 without", async () => {
    const orderly = new LspClient(dir);
    await orderly.initialize();
    await orderly.connection.sendRequest("shutdown");
    orderly.endInput();
    expect(await orderly.exited).toBe(0);
    orderly.connection.dispose();
    const abrupt = new LspClient(dir);
    await abrupt.initialize();
    abrupt.endInput();
    expect(await abrupt.exited).toBe(1);
    abrupt.connection.dispose();
  });

  it("exits with 1 on exit without shutdown, before or after initialize", async () => {
    const before = new LspClient(dir);
    await before.connection.sendNotification("exit");
    expect(await before.exited).toBe(1);
    before.connection.dispose();
    const after = new LspClient(dir);
    await after.initialize();
    await after.connection.sendNotification("exit");
    expect(await after.exited).toBe(1);
    after.connection.dispose();
  });
});
