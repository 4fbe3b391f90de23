/**
 * The VS Code client for nnc: starts `nnc lsp --stdio` for `.nn` files and restarts it on request, when
 * `nnc.path` changes or when the workspace becomes trusted. Highlighting comes from the TextMate grammar
 * alone, so a file is coloured even when the server cannot start.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import {
  LanguageClient,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("nnc", { log: true });
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("nnc.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("nnc.path")) void restart();
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(restart),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

/**
 * The nnc executable: `nnc.path` when set, else the workspace's own `node_modules/.bin/nnc`, else `nnc` on
 * PATH. A workspace's own binary runs only in a trusted workspace: opening a folder must not run code that
 * came with it.
 */
function nncExecutable(): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const configured = vscode.workspace.getConfiguration("nnc").get<string>("path", "").trim();
  if (configured) {
    // A bare command name is looked up on PATH; a relative path is relative to the workspace.
    const relativePath = /[\\/]/.test(configured) && !path.isAbsolute(configured);
    return folder && relativePath ? path.join(folder, configured) : configured;
  }
  const bin = process.platform === "win32" ? "nnc.cmd" : "nnc";
  if (vscode.workspace.isTrusted) {
    for (const workspaceFolder of vscode.workspace.workspaceFolders ?? []) {
      const local = path.join(workspaceFolder.uri.fsPath, "node_modules", ".bin", bin);
      if (existsSync(local)) return local;
    }
  }
  return bin;
}

async function start(): Promise<void> {
  const command = nncExecutable();
  // TransportKind.stdio appends `--stdio`. Windows runs npm's `nnc.cmd` shims only through a shell.
  const serverOptions: ServerOptions = {
    command,
    args: ["lsp"],
    transport: TransportKind.stdio,
    options: { shell: process.platform === "win32" },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "nn" },
      { scheme: "untitled", language: "nn" },
    ],
    // Imported files that change on disk, not only in an editor, re-check the files importing them.
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.nn") },
    outputChannel: output,
  };
  client = new LanguageClient("nnc", "nnc language server", serverOptions, clientOptions);
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    const reason = error instanceof Error ? error.message : String(error);
    const choice = await vscode.window.showErrorMessage(
      `nnc: could not start the language server with '${command} lsp --stdio' (${reason}). ` +
        "Install nnc (npm install --save-dev nnc) or set nnc.path.",
      "Open Settings",
    );
    if (choice === "Open Settings") await vscode.commands.executeCommand("workbench.action.openSettings", "nnc.path");
  }
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.dispose();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}
