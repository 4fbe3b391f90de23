/**
 * The installed nnc package: its root is the nearest directory above this file with a package.json
 * (`src/cli` run from source, `dist/src/cli` or the bundle in `dist/cli` when built).
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export function packageRoot(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/** nnc's own version, from its package.json (not npm's `npm_package_version`, which is the user's project's). */
export function packageVersion(): string {
  const root = packageRoot();
  if (root === undefined) return "unknown";
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version?: string };
  return version ?? "unknown";
}
