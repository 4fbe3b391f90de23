import type { Command } from "commander";

export function registerLsp(program: Command): void {
  program
    .command("lsp")
    .description("run the language server (Language Server Protocol) for editors")
    .option("--stdio", "talk over standard input and output (the only transport, and the default)")
    .addHelpText("after", "\nSee docs/editors.md for VS Code and Neovim set-ups.")
    .action(async () => {
      // Loaded only here: the other commands never pay for the server's modules.
      const { startServer } = await import("../lsp/server.js");
      startServer();
    });
}
