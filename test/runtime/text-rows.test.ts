/**
 * How `text(...)` reads its file, through csv.ts's and json.ts's readers: a CSV row of another number of
 * fields than the header, mixed line endings, spaces kept in text cells; a deeply nested JSON array record;
 * a byte order mark; bytes that are not UTF-8 and NUL characters; token ids kept in one store.
 */
import { describe, expect, it } from "vitest";
import { readTextRows, type TextSpec } from "../../src/runtime/data/text-rows.js";
import { TokenIds } from "../../src/runtime/data/text-ids.js";
import { dataLimits } from "../../src/runtime/data/files.js";
import { scratchFolder } from "../helpers/runs.js";

const { file } = scratchFolder("nnc-text-rows-");
const spec: TextSpec = { text: "text", labels: [{ output: "", column: "label" }], missing: "error" };
const limits = { ...dataLimits, rows: 1000 };
const read = (name: string, content: string | Buffer, lines = false, given = spec) =>
  readTextRows(file(name, content), given, limits, lines);
const failure = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    const { code, args } = error as { code: string; args: { where?: string; reason: string } };
    return { code, where: args.where, reason: args.reason };
  }
  throw new Error("expected an error");
};

describe("text() CSV rows", () => {
  it("counts each row's fields as csv() does: an unquoted comma is NN4006 at its line", () => {
    const error = failure(() => read("extra.csv", "text,label\ngood,pos\nbad, really bad,neg\n"));
    expect(error).toMatchObject({ code: "NN4006", reason: "expected 2 fields, got 3" });
    expect(error.where).toMatch(/extra\.csv:3$/);
    const short = failure(() => read("short.csv", "text,label\ngood\n"));
    expect(short.reason).toBe("expected 2 fields, got 1 (no value for 'label')");
  });

  it("drops a short row with missing: drop, and counts it", () => {
    const rows = read("drop.csv", "text,label\ngood\nfine,pos\n", false, { ...spec, missing: "drop" });
    expect([rows.texts, rows.dropped]).toEqual([["fine"], 1]);
  });

  it("reads a file of \\r\\n and \\n line endings both as one row a line", () => {
    const rows = read("mixed.csv", "text,label\r\none two,a\nfour five,neg\r\nsix,a\n");
    expect(rows.labels[0]).toEqual(["a", "neg", "a"]);
    expect(rows.lines).toEqual([2, 3, 4]);
  });

  it("keeps the spaces of a text cell, quoted or not; trims header names and labels", () => {
    const rows = read("spaces.csv", 'text , label\n  padded ,  pos\n" quoted ",neg\n');
    expect(rows.texts).toEqual(["  padded ", " quoted "]);
    expect(rows.labels[0]).toEqual(["pos", "neg"]);
  });
});

describe("text() JSON and encodings", () => {
  it("a deeply nested JSON array record is NN4021 naming the record, not a stack overflow", () => {
    const deep = `[{"text":"a","label":"x"},{"text":"b","label":"y","extra":${"[".repeat(20000)}${"]".repeat(20000)}}]`;
    const error = failure(() => read("deep.json", deep));
    expect(error.code).toBe("NN4021");
    expect(error.where).toMatch(/deep\.json: record 2$/);
  });

  it("drops a byte order mark from a .jsonl and a .txt", () => {
    const jsonl = read("bom.jsonl", '\ufeff{"text":"hello there","label":"x"}\n');
    expect(jsonl.texts).toEqual(["hello there"]);
    const txt = read("bom.txt", "\ufeffhello\n\nworld\n", true, { ...spec, labels: [] });
    expect([txt.texts, txt.lines]).toEqual([
      ["hello", "world"],
      [1, 3],
    ]);
  });

  it("bytes that are not UTF-8, and a NUL, are NN4006 at the first line holding them", () => {
    const latin1 = Buffer.concat([Buffer.from("text,label\nfine,a\ncaf"), Buffer.from([0xe9]), Buffer.from(",b\n")]);
    const error = failure(() => read("latin1.csv", latin1));
    expect(error.code).toBe("NN4006");
    expect(error.where).toMatch(/latin1\.csv:3$/);
    const nul = failure(() => read("nul.csv", "text,label\nfi\0ne,a\n"));
    expect(nul.where).toMatch(/nul\.csv:2$/);
  });
});

describe("token ids", () => {
  it("keeps rows as views of one store, and refuses more ids than its limit with NN4021", () => {
    const ids = new TokenIds("t.csv", 2000);
    ids.push(Int32Array.of(1, 2, 3));
    ids.push(new Int32Array(1500).fill(7));
    ids.push(Int32Array.of(4));
    expect([...ids.row(0)]).toEqual([1, 2, 3]);
    expect(ids.row(1).length).toBe(1500);
    expect([...ids.row(2)]).toEqual([4]);
    expect(failure(() => ids.push(new Int32Array(600))).code).toBe("NN4021");
  });
});
