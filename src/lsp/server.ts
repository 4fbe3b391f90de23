/**
 * The language server: `nnc lsp --stdio`. Parse and check only (never the runtime); every request handler is
 * wrapped so that no input, however half-typed, can bring the server down: a failure is logged to the
 * client and the request answered empty.
 */
import {
  CodeActionKind,
  createConnection,
  ProposedFeatures,
  StreamMessageReader,
  StreamMessageWriter,
  TextDocuments,
  TextDocumentSyncKind,
  LSPErrorCodes,
  ResponseError,
  type CodeAction,
  type Location as LspLocation,
  type TextEdit,
  type WorkspaceEdit,
} from "vscode-languageserver/node";
import { TextDocument } from "vscode-languageserver-textdocument";
import { keywords } from "../../grammar/tokens.js";
import { append } from "../compiler/base/arrays.js";
import type { Span } from "../compiler/syntax/ast.js";
import { formatRange, formatSource } from "../compiler/format/index.js";
import { limits } from "../compiler/base/limits.js";
import { Analysis, DocumentHost } from "./analysis.js";
import { Reuse } from "./incremental.js";
import { blockOccurrences, candidateFiles, renameClash, type FileEdits } from "./rename.js";
import { complete, signatureHelp } from "./completion.js";
import { pathToUri, toLspDiagnostic, toOffset, toRange, uriToPath, type DiagnosticData } from "./convert.js";
import { hover } from "./hover.js";
import type { FileBinding, NameSymbol, SymbolKind } from "../compiler/bind/index.js";
import { modelOfParam, occurrenceAt, spaceKeySpans } from "./model-params.js";
import { LifecycleReader } from "./lifecycle.js";
import { documentSymbols } from "./outline.js";

/**
 * What rename renames: tensors (in their body), models (their train blocks are in the same file), blocks
 * (across files) and model parameters (with the sweep keys that set them, model-params.ts). A block parameter
 * is also named by the argument names of every call, which the binder does not link, so it is not offered.
 */
const renamable = new Set<SymbolKind>(["tensor", "layer", "block", "model"]);
const canRename = (binding: FileBinding, symbol: NameSymbol) =>
  renamable.has(symbol.kind) || modelOfParam(binding, symbol) !== undefined;

/** Serves one client over standard input and output until it says exit. */
export function startServer(): void {
  const writer = new StreamMessageWriter(process.stdout);
  const reader = new LifecycleReader(new StreamMessageReader(process.stdin), writer);
  const connection = createConnection(ProposedFeatures.all, reader, writer);
  // Given a reader rather than the streams, the library does not end the process when the input ends: this
  // does, with the code `exit` would have given.
  reader.onClose(() => process.exit(reader.shutDown ? 0 : 1));
  const documents = new TextDocuments(TextDocument);
  const host = new DocumentHost();
  const reuse = new Reuse();
  const analyses = new Map<string, Analysis>();
  const timers = new Map<string, NodeJS.Timeout>();

  /** Runs a handler; an internal error is logged and answered with `fallback`. */
  const guard =
    <P, R>(name: string, fallback: R, handler: (params: P) => R) =>
    (params: P): R => {
      try {
        return handler(params);
      } catch (error) {
        connection.console.error(
          `nnc: ${name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
        return fallback;
      }
    };

  /** The analysis of an open document, made now if a pending check has not run yet. */
  const analysisOf = (uri: string): Analysis | undefined => {
    const document = documents.get(uri);
    if (!document) return undefined;
    const known = analyses.get(uri);
    if (known && known.text === document.getText()) return known;
    const analysis = new Analysis(uriToPath(uri), document.getText(), host, reuse);
    analyses.set(uri, analysis);
    return analysis;
  };

  const publish = (uri: string) => {
    const analysis = analysisOf(uri);
    if (!analysis) return;
    const sources = analysis.check.sources;
    const diagnostics = analysis.check.diagnostics
      .filter((d) => d.file === analysis.file)
      .map((d) => toLspDiagnostic(d, (file) => sources.get(file) ?? host.readFile(file)));
    void connection.sendDiagnostics({ uri, diagnostics });
  };

  /** Checks a document again, and every open document that reads it. */
  const recheck = guard("diagnostics", undefined, (uri: string) => {
    timers.delete(uri);
    publish(uri);
    const path = uriToPath(uri);
    const dependents = [...analyses].filter(
      ([other, analysis]) => other !== uri && analysis.dependencies().includes(path),
    );
    for (const [other] of dependents) {
      analyses.delete(other);
      publish(other);
    }
  });
  /**
   * Checks as soon as the messages already received are handled: changes that arrived together are checked
   * once, and no change waits for a timer.
   */
  const schedule = (uri: string) => {
    clearTimeout(timers.get(uri));
    timers.set(
      uri,
      setTimeout(() => recheck(uri), 0),
    );
  };

  documents.onDidOpen(
    guard("didOpen", undefined, (e) => {
      host.setOpen(uriToPath(e.document.uri), e.document.getText());
      schedule(e.document.uri);
    }),
  );
  documents.onDidChangeContent(
    guard("didChange", undefined, (e) => {
      host.setOpen(uriToPath(e.document.uri), e.document.getText());
      schedule(e.document.uri);
    }),
  );
  documents.onDidClose(
    guard("didClose", undefined, (e) => {
      host.setOpen(uriToPath(e.document.uri), undefined);
      clearTimeout(timers.get(e.document.uri));
      analyses.delete(e.document.uri);
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
    }),
  );
  connection.onDidChangeWatchedFiles(
    guard("didChangeWatchedFiles", undefined, () => {
      for (const uri of analyses.keys()) {
        analyses.delete(uri);
        schedule(uri);
      }
    }),
  );

  /** Folders of the workspace (where importers of a renamed block are looked for). */
  let roots: string[] = [];
  /** The client takes versioned document edits in a WorkspaceEdit. */
  let documentChanges = false;

  connection.onInitialize((params) => {
    const folders = params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []);
    roots = folders.filter((uri) => uri.startsWith("file:")).map(uriToPath);
    if (roots.length === 0 && params.rootPath) roots = [params.rootPath];
    documentChanges = params.capabilities?.workspace?.workspaceEdit?.documentChanges === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Full,
        hoverProvider: true,
        completionProvider: { triggerCharacters: ["(", ",", ":", ">", " ", "["] },
        signatureHelpProvider: { triggerCharacters: ["(", ","], retriggerCharacters: [":"] },
        definitionProvider: true,
        referencesProvider: true,
        documentSymbolProvider: true,
        renameProvider: { prepareProvider: true },
        documentFormattingProvider: true,
        documentRangeFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: "nnc", version: process.env["npm_package_version"] ?? "0.1.0" },
    };
  });

  /** An open document's analysis and the offset of a position in it. */
  const at = (params: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
    const analysis = analysisOf(params.textDocument.uri);
    return analysis ? { analysis, offset: toOffset(analysis.text, params.position) } : undefined;
  };
  const location = (analysis: Analysis, file: string, span: Span): LspLocation => ({
    uri: pathToUri(file),
    range: toRange(analysis.semantic.sources.get(file) ?? host.readFile(file) ?? "", span),
  });

  connection.onHover(
    guard("hover", null, (params) => {
      const found = at(params);
      return found ? hover(found.analysis, found.offset) : null;
    }),
  );
  connection.onCompletion(
    guard("completion", [], (params) => {
      const found = at(params);
      return found ? complete(found.analysis, found.offset) : [];
    }),
  );
  connection.onSignatureHelp(
    guard("signatureHelp", null, (params) => {
      const found = at(params);
      return found ? signatureHelp(found.analysis, found.offset) : null;
    }),
  );
  connection.onDefinition(
    guard("definition", null, (params) => {
      const found = at(params);
      if (!found) return null;
      const occurrence = found.analysis.semantic.binding.occurrenceAt(found.offset);
      const binding = occurrence?.binding;
      if (binding) return location(found.analysis, found.analysis.file, binding.name.span);
      const definition = occurrence?.symbol.definition;
      if (definition) return location(found.analysis, definition.file, definition.span);
      // An import's path: the file it names.
      const source = found.analysis.semantic.source;
      const imported = source.declarations.find(
        (d) => d.kind === "import" && d.from.span.start <= found.offset && found.offset <= d.from.span.end,
      );
      if (imported?.kind !== "import") return null;
      const target = [...found.analysis.semantic.sources.keys()].find(
        (p) => p !== found.analysis.file && p.endsWith(imported.from.value.replace(/^\.\//, "")),
      );
      return target
        ? { uri: pathToUri(target), range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } }
        : null;
    }),
  );
  connection.onReferences(
    guard("references", [], (params) => {
      const found = at(params);
      if (!found) return [];
      const { binding } = found.analysis.semantic;
      const occurrence = occurrenceAt(binding, found.offset);
      if (!occurrence) return [];
      const spans = binding
        .referencesOf(occurrence.symbol)
        .filter((o) => params.context.includeDeclaration || !o.isDefinition)
        .map((o) => o.span);
      return [...spans, ...spaceKeySpans(binding, occurrence.symbol)].map((span) =>
        location(found.analysis, found.analysis.file, span),
      );
    }),
  );
  connection.onPrepareRename(
    guard("prepareRename", null, (params) => {
      const found = at(params);
      const binding = found?.analysis.semantic.binding;
      const occurrence = found && occurrenceAt(binding!, found.offset);
      if (!found || !occurrence || !canRename(binding!, occurrence.symbol)) return null;
      return { range: toRange(found.analysis.text, occurrence.span), placeholder: occurrence.symbol.name };
    }),
  );
  connection.onRenameRequest(
    guard("rename", null, (params): WorkspaceEdit | ResponseError | null => {
      const found = at(params);
      if (!found || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(params.newName) || keywords.includes(params.newName)) return null;
      const { binding } = found.analysis.semantic;
      const occurrence = occurrenceAt(binding, found.offset);
      if (!occurrence || !canRename(binding, occurrence.symbol)) return null;
      const clash = renameClash(binding, occurrence, params.newName);
      if (clash) return new ResponseError(LSPErrorCodes.RequestFailed, `cannot rename: ${clash}`);
      const files: FileEdits[] = [];
      const definition = occurrence.symbol.definition;
      if (occurrence.symbol.kind === "block" && definition) {
        // The definition, its file's calls, and every file that imports it, open or on disk.
        const involved = [found.analysis.file, definition.file, ...host.openPaths()];
        const walk = candidateFiles(roots, involved);
        for (const root of walk.refused) {
          connection.console.warn(
            `nnc: rename did not search ${root} for importers: a workspace folder that is / or holds the home folder is not walked`,
          );
        }
        if (walk.capped) {
          connection.console.warn(
            `nnc: rename searched only the first ${limits.workspaceEntries.value} files and folders of the workspace for importers`,
          );
        }
        const candidates = [...involved, ...walk.files];
        append(files, blockOccurrences(occurrence.symbol.name, definition.file, candidates, host, reuse));
      } else {
        const spans = binding.referencesOf(occurrence.symbol).map((o) => o.span);
        append(spans, spaceKeySpans(binding, occurrence.symbol));
        files.push({ path: found.analysis.file, text: found.analysis.text, spans });
      }
      const editsOf = (file: FileEdits): TextEdit[] =>
        file.spans.map((span) => ({ range: toRange(file.text, span), newText: params.newName }));
      if (documentChanges) {
        return {
          documentChanges: files.map((file) => {
            const uri = pathToUri(file.path);
            const version = documents.get(uri)?.version ?? null;
            return { textDocument: { uri, version }, edits: editsOf(file) };
          }),
        };
      }
      return { changes: Object.fromEntries(files.map((file) => [pathToUri(file.path), editsOf(file)])) };
    }),
  );
  connection.onDocumentSymbol(
    guard("documentSymbol", [], (params) => {
      const analysis = analysisOf(params.textDocument.uri);
      return analysis ? documentSymbols(analysis.semantic.binding, analysis.text) : [];
    }),
  );
  connection.onDocumentFormatting(
    guard("formatting", null, (params) => {
      const analysis = analysisOf(params.textDocument.uri);
      if (!analysis) return null;
      const formatted = formatSource(analysis.text, analysis.file).value;
      if (formatted === null || formatted === analysis.text) return [];
      return [{ range: toRange(analysis.text, { start: 0, end: analysis.text.length }), newText: formatted }];
    }),
  );
  connection.onDocumentRangeFormatting(
    guard("rangeFormatting", null, (params) => {
      const analysis = analysisOf(params.textDocument.uri);
      if (!analysis) return null;
      const span = {
        start: toOffset(analysis.text, params.range.start),
        end: toOffset(analysis.text, params.range.end),
      };
      const edit = formatRange(analysis.text, analysis.file, span).value;
      return edit ? [{ range: toRange(analysis.text, edit.span), newText: edit.newText }] : [];
    }),
  );
  connection.onCodeAction(
    guard("codeAction", [], (params) => {
      const actions: CodeAction[] = [];
      for (const diagnostic of params.context.diagnostics) {
        const data = diagnostic.data as DiagnosticData | undefined;
        for (const fix of data?.fixes ?? []) {
          actions.push({
            title: fix.title,
            kind: CodeActionKind.QuickFix,
            diagnostics: [diagnostic],
            isPreferred: data!.fixes.length === 1,
            edit: {
              changes: { [params.textDocument.uri]: fix.edits.map((e) => ({ range: e.range, newText: e.newText })) },
            },
          });
        }
      }
      return actions;
    }),
  );

  documents.listen(connection);
  connection.listen();
}
