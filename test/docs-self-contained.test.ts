/**
 * The repository is self-contained: its docs and sources cite only files it holds, so a clone reads whole.
 * Every `.md` file named anywhere (`docs/language.md`, a comment's "see security.md") is a file of the
 * repository; every Markdown link leads to one of its files and, with `#anchor`, to a heading there; and no text
 * holds an absolute path into the folder the repository sits in (a sibling checkout, a folder shared on one
 * machine). This file is not scanned: it plants such references on purpose, to show that the check fails.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, parse, relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "..");
const self = relative(repo, import.meta.filename);

/** What is read: the docs and every source, test and fixture; not what is built or installed. */
const roots = [
  "README.md",
  "CONTRIBUTING.md",
  "BENCHMARKS.md",
  "package.json",
  "bench",
  "bin",
  "docs",
  "editors",
  "examples",
  "grammar",
  "scripts",
  "src",
  "test",
];
const skippedFolders = new Set(["node_modules", "dist", "out", ".git"]);
const binary = /\.(gz|png|wasm|vsix|bin)$/;

/** A `.md` name nnc writes, not a file it cites: bench/run.ts's quick report, in the temporary folder. */
const writtenNotCited = new Set(["nnc-BENCHMARKS.quick.md"]);

function filesUnder(path: string): string[] {
  const full = join(repo, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return binary.test(path) ? [] : [path];
  return readdirSync(full)
    .filter((name) => !skippedFolders.has(name))
    .flatMap((name) => filesUnder(join(path, name)));
}

const inRepo = (path: string) => !relative(repo, path).startsWith("..") && !isAbsolute(relative(repo, path));

/** Whether a file of the repository has this path, in this case (`LANGUAGE.md` is not `language.md`, even on macOS). */
const isRepoFile = (path: string) =>
  inRepo(path) && existsSync(path) && readdirSync(dirname(path)).includes(basename(path));

/** GitHub's anchors for a Markdown file's headings (code blocks left out; a repeated heading gets `-1`, ...). */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
  for (const [, title] of prose.matchAll(/^#{1,6} +(.+?) *#* *$/gm)) {
    const slug = title!
      .toLowerCase()
      .replace(/[^\p{L}\p{N} _-]/gu, "")
      .replace(/ /g, "-");
    let anchor = slug;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${slug}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

const lineAt = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** The references to files outside the repository (or to none) in one file's text, as `file:line: what`. */
function referencesOutside(file: string, text: string): string[] {
  const problems: string[] = [];
  const here = dirname(join(repo, file));
  const withoutUrls = text.replace(/\bhttps?:\/\/[^\s)>"'`]+/g, (url) => " ".repeat(url.length));

  for (const match of withoutUrls.matchAll(/(?<![\w./-])((?:\.{0,2}\/)?(?:[\w.-]+\/)*\w[\w.-]*\.md)(?![\w-])/g)) {
    const name = match[1]!;
    if (writtenNotCited.has(name)) continue;
    const candidates = isAbsolute(name) ? [name] : [join(here, name), join(repo, name), join(repo, "docs", name)];
    if (!candidates.some(isRepoFile))
      problems.push(`${file}:${lineAt(text, match.index)}: ${name} is not a file of the repository`);
  }

  // A path into the folder around the repository that names something there (a sibling checkout, a folder
  // shared on one machine): where that folder is a scratch one (a clone in /tmp), its scratch names are not.
  const outside = dirname(repo);
  if (outside !== parse(repo).root) {
    for (const match of withoutUrls.matchAll(
      new RegExp(`${outside.replaceAll(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\${sep}([^\\s"'\`)/\\\\]+)`, "g"),
    )) {
      const entry = join(outside, match[1]!);
      if (entry === repo || !existsSync(entry)) continue;
      problems.push(
        `${file}:${lineAt(text, match.index)}: an absolute path into ${outside}${sep}, outside the repository`,
      );
    }
  }

  if (file.endsWith(".md")) {
    for (const match of withoutUrls.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1]!;
      if (/^(mailto:|https?:)/.test(target)) continue;
      const [path, anchor] = target.split("#") as [string, string | undefined];
      const linked = path === "" ? join(repo, file) : resolve(here, path);
      const at = `${file}:${lineAt(text, match.index)}: the link ${target}`;
      if (linked !== repo && !isRepoFile(linked)) problems.push(`${at} leads outside the repository or nowhere`);
      else if (anchor !== undefined && linked.endsWith(".md") && !anchorsOf(readFileSync(linked, "utf8")).has(anchor))
        problems.push(`${at} names no heading of ${relative(repo, linked)}`);
    }
  }
  return problems;
}

const files = roots.flatMap(filesUnder).filter((file) => file !== self);

describe("the repository cites only files it holds", () => {
  it("in its docs, sources, tests and fixtures", () => {
    const problems = files.flatMap((file) => referencesOutside(file, readFileSync(join(repo, file), "utf8")));
    expect(problems).toEqual([]);
  });

  it("reads the docs and the sources (it would pass vacuously otherwise)", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "docs/language.md", "src/compiler/index.ts"]));
    expect(files.length).toBeGreaterThan(300);
  });

  it("finds a planted reference of each kind, and none in a reference to the repository's own files", () => {
    // Something beside the repository: a path into it is flagged only when it names what is there.
    const sibling = readdirSync(dirname(repo)).find((name) => join(dirname(repo), name) !== repo) ?? "";
    const planted = [
      ["docs/language.md", "everything in `LANGUAGE.md` holds"],
      ["docs/language.md", "see [the contract](../shared/LANGUAGE.md)"],
      ["src/compiler/index.ts", " * house style: ../../../shared/STYLE.md"],
      ["src/compiler/index.ts", ` * hooks: ${join(dirname(repo), sibling, "hooks")}`],
      ["README.md", "[reference](docs/language.md#no-such-heading)"],
      ["README.md", "[notes](docs/notes.txt)"],
    ];
    for (const [file, text] of planted) expect(referencesOutside(file!, text!).length, text).toBeGreaterThan(0);
    const own = [
      ["src/compiler/index.ts", " * the JSON of docs/language.md; see security.md"],
      ["docs/language.md", "[codes](diagnostics.md#nn2001-unknown-layer-or-block), [layers](#layers), README.md"],
      ["README.md", "[the guide](https://example.com/GUIDE.md), [security](docs/security.md#run-folders)"],
    ];
    for (const [file, text] of own) expect(referencesOutside(file!, text!), text).toEqual([]);
  });
});
