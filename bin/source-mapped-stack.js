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

/**
 * The bundle's functions and classes by their minified names, each name's declarations in order of position
 * (a short name is used again in other scopes), with the name the source map gives each.
 * @param {string} file
 * @returns {Map<string, { line: number, column: number, name: string }[]>}
 */
function declarationsOf(file) {
  if (!declarations.has(file)) {
    const found = new Map();
    const map = sourceMapOf(file);
    let text = "";
    try {
      text = map ? readFileSync(file, "latin1") : "";
    } catch {
      // No readable bundle: names stay as they are.
    }
    text.split("\n").forEach((source, line) => {
      for (const match of source.matchAll(
        /(?:\bfunction\*?\s*|\bclass\s+)([\w$]+)|([\w$]+)=(?:async\s*)?(?:function\b|\()/g,
      )) {
        const minified = match[1] ?? match[2];
        const column =
          match.index + match[0].indexOf(minified, match[1] === undefined ? 0 : match[0].length - minified.length);
        const name = map.findEntry(line, column).name;
        if (name === undefined || name === minified) continue;
        if (!found.has(minified)) found.set(minified, []);
        found.get(minified).push({ line, column, name });
      }
    });
    declarations.set(file, found);
  }
  return declarations.get(file);
}

/** @type {Map<string, Map<string, { line: number, column: number, name: string }[]>>} */
const declarations = new Map();

/**
 * The original name of the function `minified` that runs at `line`:`column` of the bundle: the declaration of
 * that name last before the place (local names are minified; `obj.method` names are not).
 */
function originalName(file, minified, line, column) {
  const before = (declarationsOf(file).get(minified) ?? []).filter(
    (d) => d.line < line || (d.line === line && d.column <= column),
  );
  return before.at(-1)?.name ?? minified;
}

/** @param {unknown} error */
function sourceMappedStack(error) {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return stack.replace(
    /(?:(at (?:new |async )?)([\w$]+) \()?((?:file:\/\/)?[^\s()]*\/dist\/cli\/[^\s():]+\.c?js):(\d+):(\d+)/g,
    (frame, at, name, location, line, column) => {
      const file = location.startsWith("file://") ? fileURLToPath(location) : location;
      const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
      if (!entry?.originalSource) return frame;
      const source = resolve(dirname(file), entry.originalSource.replace(/^file:\/\//, ""));
      const named =
        name === undefined ? "" : `${at}${originalName(file, name, Number(line) - 1, Number(column) - 1)} (`;
      return `${named}${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
    },
  );
}

module.exports = { sourceMappedStack };
