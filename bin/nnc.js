#!/usr/bin/env node
/**
 * The nnc command: runs the bundle that scripts/build.mjs makes (dist/cli/nnc.cjs, from src/cli/main.ts), and
 * the second one (dist/cli/nnc-lazy.cjs) when a command first needs what that holds.
 *
 * CommonJS (bin/package.json says so), so Node never starts its ES module loader, and the bundle is compiled
 * with a V8 code cache (each bundle its own, and each argument validator that a check loads from
 * dist/cli/validators/): V8 then neither parses the bundle nor compiles the functions that the run which wrote
 * the cache used. The cache is written when there is none or V8 rejects it (another Node version, other V8
 * flags): after the command, at exit, to a temporary file renamed into place, and the caches nnc wrote for
 * earlier versions of the bundle are removed then. Its name carries the bundle's inode, size and modification
 * time, so a cache written for an older bundle (a build swapped it, or it was edited in place) is never taken
 * for the new one's: V8 itself checks only the source's length, and would run the old code. Without a
 * writable dist/ nnc runs as well, only without the cache. A bundle that is empty or does not parse (a build
 * cut short) is one line saying to rebuild.
 */
"use strict";
const {
  closeSync,
  constants,
  fstatSync,
  openSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} = require("node:fs");
const { isAscii } = require("node:buffer");
const Module = require("node:module");
const { basename, dirname, join } = require("node:path");
const v8 = require("node:v8");
const vm = require("node:vm");

const dir = join(__dirname, "..", "dist", "cli");
/**
 * How the bundles start: scripts/build.mjs writes each as the function expression that Node's CommonJS loader
 * would wrap it in, so V8 compiles the file's text as read (wrapping it here makes a second copy of it).
 */
const wrapperHead = "(function (exports, require, module, __filename, __dirname) {";
const nodeRequire = Module.createRequire(join(dir, "nnc.cjs"));
/**
 * The files loaded so far, by name in dist/cli: nnc.cjs at start, nnc-lazy.cjs when a command first needs it,
 * an argument validator (validators/N.cjs) when a check first meets its schema.
 */
const loaded = new Map();
/** How nnc opens a bundle or a cache: a pipe or a device in its place is refused at once, not read from. */
const readOnly = constants.O_RDONLY | constants.O_NONBLOCK;
/** The code caches to write at exit: those that were missing or that V8 rejected. */
const unwritten = [];

/**
 * V8 grows the young generation as a run allocates (each semi-space 1 MB, then 2, 4, ... 16), and every page
 * it takes for the first time is a page fault (~11 us each in the VM nnc's benchmarks run in: 500-1,300 of
 * them in a `nnc check` of a large spec). The short commands, run by nnc.cjs alone, allocate ~15 MB in all:
 * they keep the young generation at its first size (growth factor 1), collecting it more often in pages
 * already touched. A command that loads nnc-lazy.cjs or a package (training, the language server, prettier)
 * gets V8's default (2) from then on. V8 counts the flag in the hash that a code cache must match: it is the
 * default whenever a cache is read or written.
 */
let longRun = false;
/** Unknown at first: the first call sets the flag, so a cache is read under the value it is written with. */
let smallYoungGeneration;
function youngGeneration(small) {
  if (small === smallYoungGeneration) return;
  v8.setFlagsFromString(`--semi-space-growth-factor=${small ? 1 : 2}`);
  smallYoungGeneration = small;
}

/**
 * The `require` that the bundles see: nnc.cjs require()s nnc-lazy.cjs (see scripts/build.mjs), which is loaded
 * as nnc.cjs is, with its own code cache; every other module is Node's. `require.nncLoadCached(name)` loads
 * another file of dist/cli so (the bundles' precompiled argument validators: their first call would parse
 * them whole at every start without a cache).
 */
const bundleRequire = Object.assign(
  (id) => {
    if (id === "./nnc-lazy.cjs") return load("nnc-lazy.cjs");
    // A package of the long commands (tfjs, prettier, the language server's, ...), not an argument validator's.
    if (!id.startsWith("node:") && !id.startsWith("ajv/dist/runtime/")) {
      longRun = true;
      youngGeneration(false);
    }
    return nodeRequire(id);
  },
  nodeRequire,
  { nncLoadCached: (name) => load(name) },
);

function load(name) {
  if (loaded.has(name)) return loaded.get(name).exports;
  const bundle = join(dir, name);
  let fd;
  try {
    fd = openSync(bundle, readOnly);
  } catch (error) {
    // A folder on the way that is a file (ENOTDIR) is a build cut short too; EACCES and the like are named.
    if (error.code !== "ENOENT" && error.code !== "ENOTDIR") damaged(bundle, `cannot be read (${error.code})`);
    process.stderr.write(`nnc: ${bundle} is missing: the package is not built; run \`npm run build\` in it\n`);
    process.exit(1);
  }
  let source;
  let cacheName;
  let cachedData;
  try {
    const stats = fstatSync(fd, { bigint: true });
    if (stats.isDirectory()) damaged(bundle, "is a folder");
    if (!stats.isFile()) damaged(bundle, "is not a regular file");
    const { ino, size, mtimeNs } = stats;
    cacheName = join(dirname(name), `${basename(name)}.${ino}-${size}-${mtimeNs}.cache`);
    let cacheFd;
    let cacheSize = 0;
    try {
      cacheFd = openSync(join(dir, cacheName), readOnly);
      const stats = fstatSync(cacheFd);
      if (!stats.isFile()) throw new TypeError("not a regular file");
      cacheSize = stats.size;
      // A cache is about twice its bundle's size: a far larger file there is not one nnc wrote.
      if (cacheSize > 16 * Number(size) + 2 ** 20) throw new RangeError("not a code cache");
    } catch {
      // No cache yet (or none to read): this run writes it.
      if (cacheFd !== undefined) closeSync(cacheFd);
      cacheFd = undefined;
      cacheSize = 0;
    }
    try {
      // One buffer for the file and then its cache: fresh memory costs a page fault a page (see youngGeneration).
      const buffer = Buffer.allocUnsafeSlow(Math.max(Number(size), cacheSize));
      const bytes = buffer.subarray(0, readInto(fd, buffer, Number(size)));
      // esbuild writes ASCII (it escapes other characters): read as Latin-1, the bytes are the text, and Node
      // neither decodes UTF-8 nor grows a buffer for it.
      source = isAscii(bytes) ? bytes.toString("latin1") : bytes.toString("utf8");
      try {
        if (cacheFd !== undefined) cachedData = buffer.subarray(0, readInto(cacheFd, buffer, cacheSize));
      } catch {
        // A cache that cannot be read is no cache: this run writes it, if it can.
      }
    } finally {
      if (cacheFd !== undefined) closeSync(cacheFd);
    }
  } finally {
    closeSync(fd);
  }
  if (source.length === 0) damaged(bundle, "is empty");
  let script;
  try {
    youngGeneration(false);
    const text = source.startsWith(wrapperHead) ? source : Module.wrap(source);
    script = new vm.Script(text, { filename: bundle, cachedData });
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    damaged(bundle, `does not parse (${error.message})`);
  }
  if (name === "nnc-lazy.cjs") longRun = true;
  youngGeneration(!longRun);
  if (cachedData === undefined || script.cachedDataRejected) {
    if (unwritten.length === 0) process.once("exit", () => unwritten.forEach((write) => write()));
    unwritten.push(() => writeCache(script, name, cacheName));
  }
  const module = { exports: {} };
  loaded.set(name, module);
  try {
    script.runInThisContext().call(module.exports, module.exports, bundleRequire, module, bundle, dir);
  } catch (error) {
    // The bundle's top level only defines and registers: a throw there is a cut-short or edited file.
    damaged(bundle, `fails to load (${String(error).split("\n")[0]})`);
  }
  if (name === "nnc.cjs" && typeof module.exports.main !== "function") damaged(bundle, "has no main function");
  if (name.startsWith("validators/") && typeof module.exports !== "function") damaged(bundle, "exports no validator");
  return module.exports;
}

/** Reads up to `size` bytes of the file at `fd` into the start of `buffer`; returns how many it read. */
function readInto(fd, buffer, size) {
  let read = 0;
  for (let n; read < size && (n = readSync(fd, buffer, read, size - read, read)) > 0;) read += n;
  return read;
}

/** A bundle that a build left unfinished: one line, and the way out. */
function damaged(bundle, problem) {
  process.stderr.write(`nnc: ${bundle} ${problem}: the package's build is damaged; run \`npm run build\` in it\n`);
  process.exit(1);
}

/**
 * Writes the file's cache as `cacheName`, and removes the caches of the file's earlier versions beside it: files
 * named as this function names them (`NAME.<ino>-<size>-<mtime>.cache`, or `NAME.<ino>.cache` as nnc named them
 * before, each perhaps with `.<pid>` after it), never another file.
 */
function writeCache(script, name, cacheName) {
  const cacheFile = join(dir, cacheName);
  const folder = dirname(cacheFile);
  const temporary = `${cacheFile}.${process.pid}`;
  try {
    youngGeneration(false);
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
    // With a process id after it: a temporary that a run killed before its rename left.
    const ours = new RegExp(`^${basename(name).replaceAll(".", "\\.")}\\.\\d+(-\\d+-\\d+)?\\.cache(\\.\\d+)?$`);
    for (const file of readdirSync(folder)) {
      if (file !== basename(cacheFile) && ours.test(file)) rmSync(join(folder, file), { force: true });
    }
  } catch {
    // A read-only install: nnc starts a little slower, nothing else changes.
    rmSync(temporary, { force: true });
  }
}

function internalError(error) {
  // An internal error (a user's mistake is a diagnostic): its stack trace, pointing into src/.
  const { sourceMappedStack } = require("./source-mapped-stack.js");
  process.stderr.write(`${sourceMappedStack(error)}\n`);
  process.exitCode = 1;
}

try {
  load("nnc.cjs").main(process.argv).catch(internalError);
} catch (error) {
  internalError(error);
}
