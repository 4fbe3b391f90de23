/**
 * An error's stack trace with the frames in the bundle (dist/cli) mapped back to src/ through the bundle's
 * source maps. bin/nnc.js uses it for internal errors only: Node's own source-map support would read every
 * chunk's map at each start.
 */
import { readFileSync } from "node:fs";
import { SourceMap } from "node:module";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

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
export function sourceMappedStack(error) {
  const stack = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  return stack.replace(/(file:\/\/[^\s()]*\/dist\/cli\/[^\s():]+\.js):(\d+):(\d+)/g, (frame, url, line, column) => {
    const file = fileURLToPath(url);
    const entry = sourceMapOf(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry?.originalSource) return frame;
    const source = resolve(dirname(file), entry.originalSource.replace(/^file:\/\//, ""));
    return `${source}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
