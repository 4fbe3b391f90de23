/**
 * The only place where compiler offsets meet LSP positions (0-based lines, UTF-16 columns) and file paths
 * meet URIs.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
  type Position,
  type Range,
} from "vscode-languageserver/node";
import type { Span } from "../compiler/syntax/ast.js";
import type { Diagnostic, Fix } from "../compiler/diagnostics/index.js";
import { LineMap } from "../compiler/base/line-map.js";

/** A file path for a document URI; other schemes (`untitled:`) keep the URI as their name. */
export function uriToPath(uri: string): string {
  return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
}

export function pathToUri(path: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) && !/^[a-z]:[\\/]/i.test(path) ? path : pathToFileURL(path).href;
}

/** Line maps are cached per text: one text is converted many times per request. */
const lastByText = new Map<string, LineMap>();

export function lineMapOf(text: string): LineMap {
  let map = lastByText.get(text);
  if (!map) {
    map = new LineMap(text);
    if (lastByText.size > 32) lastByText.clear();
    lastByText.set(text, map);
  }
  return map;
}

export function toPosition(text: string, offset: number): Position {
  const p = lineMapOf(text).position(offset);
  return { line: p.line - 1, character: p.column - 1 };
}

export function toOffset(text: string, position: Position): number {
  return lineMapOf(text).offset({ line: position.line + 1, column: position.character + 1 });
}

export function toRange(text: string, span: Span): Range {
  return { start: toPosition(text, span.start), end: toPosition(text, span.end) };
}

export function toSpan(text: string, range: Range): Span {
  return { start: toOffset(text, range.start), end: toOffset(text, range.end) };
}

const severities = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  info: DiagnosticSeverity.Information,
} as const;

/** What a diagnostic's `data` carries to code actions: its fixes, already in LSP ranges. */
export interface DiagnosticData {
  readonly fixes: readonly { readonly title: string; readonly edits: readonly { range: Range; newText: string }[] }[];
}

/**
 * A compiler diagnostic as LSP sees it. The hint goes after the message (every client shows the message;
 * few show more), related locations become `relatedInformation`, fixes ride along in `data`.
 */
export function toLspDiagnostic(d: Diagnostic, sourceOf: (file: string) => string | undefined): LspDiagnostic {
  const text = sourceOf(d.file) ?? "";
  const related: DiagnosticRelatedInformation[] = (d.related ?? []).map((r) => ({
    location: { uri: pathToUri(r.file), range: toRange(sourceOf(r.file) ?? "", r.span) },
    message: r.message,
  }));
  const data: DiagnosticData = { fixes: (d.fixes ?? []).map((fix) => fixToLsp(fix, text)) };
  return {
    range: toRange(text, d.span),
    severity: severities[d.severity],
    code: d.code,
    source: "nnc",
    message: d.hint ? `${d.message}\nhint: ${d.hint}` : d.message,
    ...(related.length > 0 ? { relatedInformation: related } : {}),
    ...(data.fixes.length > 0 ? { data } : {}),
  };
}

function fixToLsp(fix: Fix, text: string): DiagnosticData["fixes"][number] {
  return { title: fix.title, edits: fix.edits.map((e) => ({ range: toRange(text, e.span), newText: e.newText })) };
}
