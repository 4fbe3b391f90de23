/**
 * The paths an emitted module prints (data files, runs it loads weights from). With an output file they are
 * relative to the module, resolved through `import.meta.url` at run time, so the module keeps working when it
 * is moved together with them; as URL segments they are percent-encoded, or a `#` in a file name would start a
 * fragment. Without one, or for a path that shares no folder with the module but the root, they stay as written.
 */
import path from "node:path";

/**
 * A file's path as a URL relative to the module, or undefined when it stays as written: without an output
 * file, or when the file shares no folder with the module but the root.
 */
export function moduleRelativeUrl(file: unknown, outFile: string | undefined): string | undefined {
  if (outFile === undefined || typeof file !== "string" || sharesOnlyTheRoot(path.dirname(outFile), file))
    return undefined;
  const relative = path.relative(path.dirname(outFile), file).split(path.sep).map(encodeURIComponent).join("/");
  return relative.startsWith("../") ? relative : `./${relative}`;
}

/**
 * The expression the module computes `file` with, `fileURLToPath(new URL("./x.csv", import.meta.url))`, or
 * undefined when the path is printed as written (see `moduleRelativeUrl`).
 */
export function relativePathExpression(file: unknown, outFile: string | undefined): string | undefined {
  const url = moduleRelativeUrl(file, outFile);
  return url === undefined ? undefined : `fileURLToPath(new URL(${JSON.stringify(url)}, import.meta.url))`;
}

/** Whether any of `files` is printed relative to the module (which then imports `fileURLToPath`). */
export function printsRelativePaths(files: readonly unknown[], outFile: string | undefined): boolean {
  return files.some((file) => moduleRelativeUrl(file, outFile) !== undefined);
}

/**
 * True when two absolute paths have no common folder but the root (`/usr/share/...` beside `/home/me/...`).
 * Such data is a system location, not something that moves with the module: it stays absolute, and the printed
 * path does not depend on how deep the module happens to sit.
 */
function sharesOnlyTheRoot(from: string, to: string): boolean {
  const [fromTop] = path.relative(path.parse(from).root, from).split(path.sep);
  const [toTop] = path.relative(path.parse(to).root, to).split(path.sep);
  return path.parse(from).root !== path.parse(to).root || fromTop !== toTop;
}
