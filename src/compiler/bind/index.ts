/**
 * Phase 2, bind: every name in a file is resolved to its symbol, once.
 *
 * In: a parsed file and the workspace that loads what it imports (workspace.ts). Out: the file's namespace of
 * blocks, and for every declaration what each identifier in it means (a tensor binding, a block, a block
 * parameter, a layer kind, a model, a figure of an `assert`), with the name diagnostics.
 */
export { fileSystemHost, readSourceFile, Workspace, type BlockDef, type Namespace, type SourceHost } from "./workspace.js";
