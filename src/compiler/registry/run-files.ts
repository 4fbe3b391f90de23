/**
 * The names nnc gives its own files and folders inside a run folder, in one place: the runtime writes (and
 * replaces, and deletes) only these and the files a callback was told to write, and `nnc check` refuses a
 * callback path that would land on one of them or outside the run folder. It imports nothing (the compiler
 * cannot load the runtime, and `nnc check` loads this at start).
 */

/** The marker that makes a folder a run folder: nnc's version, when it was made, and what nnc wrote there. */
export const markerFile = ".nnc-run.json";

/** Held while a process trains into the folder: the PID (and host) of that process. */
export const lockFile = ".nnc-run.lock";

/** Every name nnc may make inside a run folder that starts with this prefix (temporaries, the lock's takeover). */
export const reservedPrefix = ".nnc-";

/** The files of a saved run (`saveRun`) and of a `model_checkpoint` checkpoint, at the top of their folder. */
export const savedRunFiles = {
  model: "model.json",
  weights: "weights.bin",
  history: "history.json",
  labels: "labels.json",
  preprocessing: "preprocessing.json",
  test: "test.json",
  plotSvg: "history.svg",
  plotPng: "history.png",
  reconstructions: "reconstructions.png",
  predictedSvg: "predicted.svg",
  predictedPng: "predicted.png",
  checkpointInfo: "checkpoint.json",
  vocabulary: "vocabulary.json",
} as const;

/** nnc's folders inside a run folder: `model_checkpoint`'s copy of the model, and the checkpoints to resume from. */
export const runFolders = { checkpoint: "checkpoint", resume: "resume" } as const;

/** Inside `resume/`: the pointer to the newest checkpoint, and each checkpoint's folder (see runtime/checkpoint.ts). */
export const resumeLatest = "latest.json";
export const resumeEntry = /^epoch-\d+-step-\d+-\d+-\d+$/;

/** Names at the top of a run folder that only nnc writes (compared without case: macOS and Windows ignore it). */
export const ownNames: readonly string[] = [
  markerFile,
  lockFile,
  ...Object.values(savedRunFiles),
  ...Object.values(runFolders),
];

/**
 * Why `file` cannot be a path a callback writes to inside the run folder, or null when it can: it must be
 * relative, stay inside the folder (no `..` above it), name a file, and not be (or be inside) one of nnc's own.
 * Backslashes count as separators too, so a spec means the same on every system.
 */
export function runPathProblem(file: string): string | null {
  const escapes = escapeProblem(file);
  if (escapes !== null) return escapes;
  const parts = normalRunPath(file).split("/");
  const first = parts[0]!.toLowerCase();
  const own = ownNames.find((name) => name.toLowerCase() === first);
  if (own !== undefined) {
    return parts.length === 1 ? `names ${own}, which nnc writes itself` : `is inside ${own}/, which nnc writes itself`;
  }
  if (parts.some((part) => part.toLowerCase().startsWith(reservedPrefix))) {
    return `uses a name starting with '${reservedPrefix}', which nnc keeps for its own files`;
  }
  return null;
}

/** Why `file` does not name a file inside a folder (absolute, `..` above it, no name), or null when it does. */
export function escapeProblem(file: string): string | null {
  if (file.includes("\0")) return "contains a NUL character";
  const slashed = file.replaceAll("\\", "/");
  if (slashed.startsWith("/") || /^[A-Za-z]:/.test(slashed)) return "must be relative to the run folder, not absolute";
  let depth = 0;
  for (const part of slashed.split("/")) {
    if (part === "..") depth--;
    else if (part !== "" && part !== ".") depth++;
    if (depth < 0) return "must stay inside the run folder ('..' leads out of it)";
  }
  if (depth === 0 || slashed.endsWith("/")) return "must name a file inside the run folder";
  return null;
}

/** `file` as the run-folder-relative path it names (`./logs//a.csv` -> `logs/a.csv`), for a path without a problem. */
export function normalRunPath(file: string): string {
  return file
    .replaceAll("\\", "/")
    .split("/")
    .reduce<string[]>((parts, part) => {
      if (part === "..") parts.pop();
      else if (part !== "" && part !== ".") parts.push(part);
      return parts;
    }, [])
    .join("/");
}
