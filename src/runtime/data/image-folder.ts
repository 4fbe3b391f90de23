/**
 * Listing a folder of images as Keras's `image_dataset_from_directory` does: one sub-folder per class, named
 * after it, the classes sorted (or in the order `class_names` gives, which must name every sub-folder), each
 * class's images found at any depth below its folder, sorted by path. Only files with an image extension
 * (`.png`, `.jpg`, `.jpeg`, and `.bmp`, `.gif`, which Keras lists and nnc cannot decode) are images; other
 * files are ignored, as are files directly in the folder and hidden files and folders (names starting with
 * ".": `.ipynb_checkpoints`, `.DS_Store`). Links are followed, and each real folder and file is read once: a
 * folder or image reached again through another link (in the same class) is skipped, one reached from two
 * classes is an error, a link back to a folder above it is a loop (an error). More files, class folders,
 * entries or deeper folders than the limits allow are NN4050.
 */
import { readdirSync, realpathSync, statSync, type Stats } from "node:fs";
import * as path from "node:path";
import { limits } from "../../compiler/base/limits.js";
import { displayPath } from "../../compiler/diagnostics/render.js";
import { printable } from "../../compiler/base/line-map.js";
import { NncUserError } from "../errors.js";
import { append, maxOf } from "../../compiler/base/arrays.js";

/** The limits an image reader applies; tests lower them to prove each one with small folders. */
export interface ImageLimits {
  /** Image files in one folder (all classes), or given to `nnc predict`. */
  readonly files: number;
  /** Bytes of one image file. */
  readonly fileBytes: number;
  /** Pixels of one image (width x height), from its header, before it is decoded. */
  readonly pixels: number;
  /** Folders below a class folder (or a folder given to `nnc predict`). */
  readonly depth: number;
  /** Class folders of one images() folder. */
  readonly classes: number;
  /** Names (files and folders of any kind) looked at while listing one folder. */
  readonly entries: number;
}

export const imageLimits: ImageLimits = {
  files: limits.imageFiles.value,
  fileBytes: limits.imageBytes.value,
  pixels: limits.imagePixels.value,
  depth: limits.imageFolderDepth.value,
  classes: limits.imageClasses.value,
  entries: limits.imageFolderEntries.value,
};

/** What a walk has seen: counts against the limits, and the class (or -1) of each real path it listed. */
interface Walk {
  files: number;
  entries: number;
  readonly seen: Map<string, number>;
  readonly classes: readonly string[];
}

const imageExtensions = new Set([".png", ".jpg", ".jpeg", ".bmp", ".gif"]);

/** One image file: its path, its name in messages, and its class (an index into the folder's classes). */
export interface ImageFile {
  readonly path: string;
  readonly shown: string;
  readonly label: number;
}

export interface ImageFolder {
  /** Class names, in class order. */
  readonly classes: readonly string[];
  /** The images of every class, the classes taken in turn (see `interleaved`). */
  readonly files: readonly ImageFile[];
}

/**
 * The classes and images of `root`. The images come class by class in turn (the first image of each class,
 * then the second, ...), each class's in sorted order: a fixed order in which any tail (what
 * `validation_split` holds out without `shuffle`) holds every class in proportion.
 */
export function listImageFolder(
  root: string,
  classNames: readonly string[] | undefined,
  limits: ImageLimits = imageLimits,
): ImageFolder {
  const shown = shownPath(root);
  const classes = classFolders(root, classNames, limits);
  const walk: Walk = { files: 0, entries: 0, seen: new Map([[realpathSync(root), -1]]), classes };
  const perClass = classes.map((name, label) => {
    const folder = path.join(root, name);
    const real = realpathSync(folder);
    if (!isNew(walk, real, label, shownPath(folder))) return [];
    return imagesBelow(folder, [realpathSync(root), real], 0, limits, walk, label).map((file) => ({
      path: file,
      shown: shownPath(file),
      label,
    }));
  });
  if (walk.files === 0) {
    throw new NncUserError("NN4048", {
      where: shown,
      reason: `holds no images (.png, .jpg, .jpeg) in its class folders ${classes.map(shownName).join(", ")}`,
    });
  }
  return { classes, files: interleaved(perClass) };
}

/**
 * The class names of `root`: its sub-folders, sorted, or `classNames`, which must name each of them once
 * (NN4048 otherwise, and for a path that is not a folder of sub-folders).
 */
export function classFolders(
  root: string,
  classNames: readonly string[] | undefined,
  limits: ImageLimits = imageLimits,
): readonly string[] {
  const shown = shownPath(root);
  const stats = statOf(root, shown);
  if (!stats.isDirectory()) {
    throw new NncUserError("NN4048", {
      where: shown,
      reason: "is a file; images() reads a folder holding one sub-folder of images per class",
    });
  }
  const names = entries(root).filter((name) => !name.startsWith("."));
  if (names.length > limits.entries) throw tooManyEntries(shown, limits);
  const folders = names
    .filter((name) => statOf(path.join(root, name), shownPath(path.join(root, name))).isDirectory())
    .sort(byCodeUnits);
  if (folders.length > limits.classes) {
    throw new NncUserError("NN4050", {
      where: shown,
      reason: `holds ${folders.length.toLocaleString("en-US")} class folders; nnc reads at most ${limits.classes.toLocaleString("en-US")} classes`,
    });
  }
  if (folders.length === 0) {
    throw new NncUserError("NN4048", {
      where: shown,
      reason: "holds no sub-folders; images() reads one sub-folder of images per class, named after the class",
    });
  }
  if (classNames && (classNames.length !== folders.length || classNames.some((name) => !folders.includes(name)))) {
    throw new NncUserError(
      "NN4048",
      {
        where: shown,
        reason: `class_names [${classNames.map(shownName).join(", ")}] must name its sub-folders, each once: ${folders.map(shownName).join(", ")}`,
      },
      "class_names orders the classes; it must list every sub-folder",
    );
  }
  return classNames ?? folders;
}

/**
 * The image files `inputs` name, for `nnc predict`: a file as given (its content decides whether it is an
 * image), a folder's image files at any depth, sorted by path.
 */
export function listImageInputs(inputs: readonly string[], limits: ImageLimits = imageLimits): string[] {
  const walk: Walk = { files: 0, entries: 0, seen: new Map(), classes: [] };
  return inputs.flatMap((input) => {
    const file = path.resolve(input);
    if (!statOf(file, shownName(input)).isDirectory()) {
      if (++walk.files > limits.files) throw tooMany(shownName(input), limits);
      return [file];
    }
    const found = imagesBelow(file, [realpathSync(file)], 0, limits, walk, -1);
    if (found.length === 0) {
      throw new NncUserError("NN4048", { where: shownName(input), reason: "holds no images (.png, .jpg, .jpeg)" });
    }
    return found;
  });
}

/**
 * The image files below `folder` (of class `label`, -1 for none), sorted; `open` holds the real paths of the
 * folders being walked.
 */
function imagesBelow(
  folder: string,
  open: readonly string[],
  depth: number,
  limits: ImageLimits,
  walk: Walk,
  label: number,
): string[] {
  const found: string[] = [];
  for (const name of entries(folder).sort(byCodeUnits)) {
    if (name.startsWith(".")) continue;
    const file = path.join(folder, name);
    const shown = shownPath(file);
    if (++walk.entries > limits.entries) throw tooManyEntries(shown, limits);
    const stats = statOf(file, shown);
    if (stats.isDirectory()) {
      const real = realpathSync(file);
      if (open.includes(real)) {
        throw new NncUserError("NN4050", {
          where: shown,
          reason: "links back to a folder above it (a loop of links); images() would list it forever",
        });
      }
      if (depth + 1 > limits.depth) {
        throw new NncUserError("NN4050", {
          where: shown,
          reason: `is ${depth + 1} folders deep in its class folder; nnc reads at most ${limits.depth} levels`,
        });
      }
      if (isNew(walk, real, label, shown))
        append(found, imagesBelow(file, [...open, real], depth + 1, limits, walk, label));
    } else if (stats.isFile() && imageExtensions.has(path.extname(name).toLowerCase())) {
      if (!isNew(walk, realpathSync(file), label, shown)) continue;
      if (++walk.files > limits.files) throw tooMany(shown, limits);
      found.push(file);
    }
  }
  return found;
}

/**
 * Whether the real path `real` (reached as `shown`, in class `label`) is listed for the first time; false for
 * one listed before in the same class (a second link to it), NN4048 for one listed in another class.
 */
function isNew(walk: Walk, real: string, label: number, shown: string): boolean {
  const before = walk.seen.get(real);
  if (before === undefined) {
    walk.seen.set(real, label);
    return true;
  }
  if (before === label) return false;
  const where = before < 0 ? "the images() folder itself" : `class ${shownName(walk.classes[before]!)}`;
  throw new NncUserError(
    "NN4048",
    {
      where: shown,
      reason: `is reached through links both from class ${shownName(walk.classes[label]!)} and from ${where}`,
    },
    "an image belongs to one class: remove the link, or copy the images",
  );
}

/**
 * A file or class name as messages show it: every control character escaped, newlines and tabs too, so a file
 * named `x\nerror[NN0000]: fake.png` cannot print a second, fake error line.
 */
export function shownName(name: string): string {
  return printable(name).replace(/[\n\t]/g, (c) => (c === "\n" ? "\\n" : "\\t"));
}

/** A path as messages show it (relative to the working folder where it is inside it, names escaped). */
export function shownPath(file: string): string {
  return shownName(displayPath(file));
}

function tooManyEntries(shown: string, limits: ImageLimits): NncUserError {
  return new NncUserError("NN4050", {
    where: shown,
    reason: `is past the ${limits.entries.toLocaleString("en-US")} files and folders nnc looks at in one folder`,
  });
}

function tooMany(shown: string, limits: ImageLimits): NncUserError {
  return new NncUserError("NN4050", {
    where: shown,
    reason: `is past the ${limits.files.toLocaleString("en-US")} images nnc reads from one folder`,
  });
}

function entries(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch (error) {
    throw new NncUserError("NN4005", { path: shownPath(folder), reason: (error as Error).message });
  }
}

/** `stat` (links followed); NN4005 for a path that does not exist or cannot be read. */
function statOf(file: string, shown: string): Stats {
  try {
    return statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === "ENOENT"
        ? "no such file or folder"
        : code === "ELOOP"
          ? "is a loop of links"
          : code === "EACCES"
            ? "permission denied"
            : (error as Error).message;
    throw new NncUserError("NN4005", { path: shown, reason });
  }
}

/** Python's `sorted()` order of names (by code unit), whatever the locale. */
function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The lists' items taken in turn: a1, b1, c1, a2, b2, ... (a list that runs out is skipped). */
function interleaved<T>(lists: readonly (readonly T[])[]): T[] {
  const out: T[] = [];
  const longest = maxOf(lists.map((list) => list.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}
