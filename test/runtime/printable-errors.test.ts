/**
 * Data files are untrusted: a column name or label that holds terminal control characters (an escape sequence
 * that retitles the window or recolours the screen) is quoted in messages as visible escapes, never as the
 * raw bytes a terminal would act on.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { printable } from "../../src/compiler/base/line-map.js";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, trainModel } from "../../src/runtime/index.js";
import { userError } from "../helpers/data-files.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-printable-"));

describe("messages that quote a data file", () => {
  beforeAll(() => initBackend("cpu"));

  it("show control characters as escapes", async () => {
    writeFileSync(join(dir, "esc.csv"), "a,b,\u001b]0;pwned\u0007\u001b[31mRED,p\n1,2,3,4\n");
    writeFileSync(
      join(dir, "esc.nn"),
      `model M {\n  input x: [3]\n  dense(1)\n}\ntrain M {\n  data: csv("esc.csv", label: "k")\n  loss: mse\n  optimizer: adam\n  epochs: 1\n  batch_size: 1\n}\n`,
    );
    const { program } = checkFile(join(dir, "esc.nn"));
    const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
    const error = await userError(() => trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet }));
    const shown = error.format();
    expect(shown).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(shown).toContain("\\x1b]0;pwned\\x07\\x1b[31mRED");
  });

  it("printable keeps tabs, newlines and text, and escapes C0, C1 and bidirectional controls", () => {
    expect(printable("a\tb\nc é ☃")).toBe("a\tb\nc é ☃");
    expect(printable("\u0000\r\u007f\u009b\u202e")).toBe("\\x00\\x0d\\x7f\\x9b\\u202e");
  });
});
