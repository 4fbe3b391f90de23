/**
 * An error's stack trace with the frames in the bundle (dist/cli/nnc.cjs) mapped back to src/ through the
 * bundle's source map. bin/nnc.js uses it for internal errors only: Node's own source-map support would read
 * the map at each start.
 */
"use strict";
const { readFileSync } = require("node:fs");
const { SourceMap } = require("node:module");
const { dirname, resolve } = require("node:path");
const { fileURLToPath } = require("node:url");

/** @type {Map<string, SourceMap | null>} */
const maps = new Map();

/** @param {string} file */
function sourceMapOf(file) {
  if (!maps.has(file)) {
    let map = null;
    try {
      map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, "utf8")));
    } catch {
      // No readable map: the frame stays as it is.
    }
    maps.set(file, map);
  }
  return maps.get(file);
}

/** @param {unknown} error */
function sourceMappedStack(error) {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return stack.replace(
    /((?:file:\/\/)?[^\s()]*\/dist\/cli\/[^\s():]+\.c?js):(\d+):(\d+)/g,
    (frame, at, line, column) => {
      const file = at.startsWith("file://") ? fileURLToPath(at) : at;
      const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry?.originalSource) return frame;
      const source = resolve(dirname(file), entry.originalSource.replace(/^file:\/\//, ""));
      return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    },
  );
}

module.exports = { sourceMappedStack };
