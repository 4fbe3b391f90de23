import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { safetensorsPython } from "../src/compiler/emit/pytorch/python.js";
import {
  readSafetensors,
  safetensorsLimits,
  SafetensorsUnusable,
  writeSafetensors,
  type SafeTensor,
} from "../src/io/safetensors.js";
import { hasTorch, python } from "./helpers/torch.js";

const dir = mkdtempSync(join(tmpdir(), "nnc-safetensors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sample = new Map<string, SafeTensor>([
  ["dense.weight", { dtype: "F32", shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 0.25, 1e-8, -0]) }],
  ["dense.bias", { dtype: "F32", shape: [2], data: Float32Array.from([0.5, -0.5]) }],
  ["steps", { dtype: "I64", shape: [], data: BigInt64Array.from([2n ** 40n]) }],
  ["ids", { dtype: "I32", shape: [1, 3], data: Int32Array.from([7, -1, 2 ** 30]) }],
  ["empty", { dtype: "F32", shape: [0, 4], data: new Float32Array(0) }],
]);

/** A file made of an 8-byte length, `header` (JSON text, or the object as JSON) and `data`. */
function rawFile(name: string, header: unknown, data: Uint8Array = new Uint8Array(0), length?: bigint): string {
  const text = Buffer.from(typeof header === "string" ? header : JSON.stringify(header));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(length ?? BigInt(text.length));
  const file = join(dir, name);
  writeFileSync(file, Buffer.concat([prefix, text, data]));
  return file;
}

async function reason(file: string): Promise<string> {
  try {
    await readSafetensors(file);
  } catch (error) {
    expect(error).toBeInstanceOf(SafetensorsUnusable);
    const message = (error as SafetensorsUnusable).message;
    expect(message).not.toContain("\n");
    expect(message.startsWith(`${file}: `) || message.includes(file.split("/").at(-1)!)).toBe(true);
    return (error as SafetensorsUnusable).reason;
  }
  throw new Error(`${file} was read`);
}

describe("safetensors in TypeScript", () => {
  it("reads back what it writes: names, dtypes, shapes, values and metadata", async () => {
    const file = join(dir, "round.safetensors");
    await writeSafetensors(file, sample, { model: "Iris", format: "nnc-pytorch" });
    const read = await readSafetensors(file);
    expect([...read.tensors.keys()].sort()).toEqual([...sample.keys()].sort());
    for (const [name, tensor] of sample) expect(read.tensors.get(name)).toEqual(tensor);
    expect(read.metadata).toEqual({ model: "Iris", format: "nnc-pytorch" });
    // The header is padded to 8 bytes, so the data is aligned as the Python writer aligns it.
    const bytes = readFileSync(file);
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0);
  });

  it("writes a file of no tensors and no metadata as an empty header", async () => {
    const file = join(dir, "none.safetensors");
    await writeSafetensors(file, new Map());
    expect((await readSafetensors(file)).tensors.size).toBe(0);
    expect(readFileSync(file).subarray(8).toString().trim()).toBe("{}");
  });

  it("refuses files that are not safetensors, each with one line naming the file", async () => {
    expect(await reason(join(dir, "missing.safetensors"))).toBe("no such file");
    expect(await reason(dir)).toBe("not a regular file");
    writeFileSync(join(dir, "short"), "abc");
    expect(await reason(join(dir, "short"))).toMatch(/^not a safetensors file \(3 bytes, shorter than/);
    writeFileSync(join(dir, "csv"), "sepal_length,sepal_width,petal_length\n5.1,3.5,1.4\n");
    expect(await reason(join(dir, "csv"))).toMatch(/^not a safetensors file \(its first 8 bytes give a header of/);
    expect(await reason(rawFile("text", "not json"))).toMatch(/^not a safetensors file \(its header is not JSON/);
    expect(await reason(rawFile("array", [1, 2]))).toBe("not a safetensors file (its header is not a JSON object)");
    const latin1 = rawFile("latin1", Buffer.from([0x7b, 0xe9, 0x7d]).toString("latin1"));
    expect(await reason(latin1)).toMatch(/header is not JSON/);
  });

  it("refuses a header past its limit before reading it", async () => {
    const file = rawFile("huge", "{}", new Uint8Array(16), 200_000_000n);
    // The length passes the end of this small file; a file that long would be refused for the limit.
    expect(await reason(file)).toMatch(/past the end of its 26 bytes/);
    const big = join(dir, "big-header");
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(100_000_001n);
    writeFileSync(big, prefix);
    truncateSync(big, 8 + 100_000_001); // sparse: no 100 MB written
    expect(await reason(big)).toMatch(/^its header is 100000001 bytes, more than the 100000000 nnc reads/);
    truncateSync(big, safetensorsLimits.fileBytes + 1); // sparse too
    expect(await reason(big)).toBe(
      `${safetensorsLimits.fileBytes + 1} bytes, more than the ${safetensorsLimits.fileBytes} a safetensors file nnc reads may have`,
    );
  });

  it("checks every entry: dtype, shape, offsets, sizes, metadata", async () => {
    const data = new Uint8Array(16);
    const entry = (more: object) => ({ dtype: "F32", shape: [2], data_offsets: [0, 8], ...more });
    const cases: [object, RegExp][] = [
      [{ a: entry({ dtype: "F16" }) }, /^tensor 'a' has dtype F16; nnc reads F32, I64 and I32$/],
      [{ a: entry({ shape: [-1] }) }, /^tensor 'a' has no shape/],
      [{ a: entry({ shape: "2" }) }, /^tensor 'a' has no shape/],
      [{ a: entry({ data_offsets: [8, 0] }) }, /^tensor 'a' has no data_offsets/],
      [{ a: entry({ data_offsets: [0] }) }, /^tensor 'a' has no data_offsets/],
      [{ a: entry({ shape: [3] }) }, /^tensor 'a' is 8 bytes \(data_offsets \[0, 8\]\), but F32 of shape \[3\] is 12$/],
      [{ a: entry({ extra: 1 }) }, /^tensor 'a' has a field 'extra'/],
      [{ a: 3 }, /^tensor 'a' is not an object$/],
      [{ a: entry({}) }, /^its tensors describe 8 bytes of data, but the file has 16 after its header$/],
      [
        { a: entry({}), b: entry({ data_offsets: [4, 12] }) },
        /^tensor 'b' \(data_offsets \[4, 12\]\) overlaps the tensor before it$/,
      ],
      [{ a: entry({ data_offsets: [8, 16] }) }, /^tensor 'a' \(data_offsets \[8, 16\]\) leaves bytes 0 to 8 unused$/],
      [
        { a: entry({}), b: entry({ data_offsets: [8, 16] }), c: entry({ data_offsets: [16, 24] }) },
        /^its tensors need 24 bytes of data, but the file has 16 after its header \(it is cut short\)$/,
      ],
      [{ a: entry({ shape: [1e6, 1e6], data_offsets: [0, 4e12] }) }, /more than the 1000000000 a model may have/],
      [{ __metadata__: { n: 1 } }, /^__metadata__\.n must be a string$/],
      [{ __metadata__: [] }, /^__metadata__ must be an object of strings$/],
    ];
    for (const [i, [header, expected]] of cases.entries()) {
      expect(await reason(rawFile(`case-${i}`, header, data))).toMatch(expected);
    }
  });

  it("reads an entry order other than the data's, and header padding", async () => {
    const values = Float32Array.from([1, 2, 3]);
    const header = `${JSON.stringify({
      b: { dtype: "F32", shape: [2], data_offsets: [4, 12] },
      a: { dtype: "F32", shape: [], data_offsets: [0, 4] },
    }).slice(0, -1)},"__metadata__":{"__proto__":"x"}}   `;
    const read = await readSafetensors(rawFile("order", header, new Uint8Array(values.buffer)));
    expect([...read.tensors.get("a")!.data]).toEqual([1]);
    expect([...read.tensors.get("b")!.data]).toEqual([2, 3]);
    expect(Object.entries(read.metadata)).toEqual([["__proto__", "x"]]);
  });
});

describe.runIf(hasTorch)("safetensors between TypeScript and the Python writer the script carries", () => {
  // One Python process (importing torch takes seconds) reads the file TypeScript wrote, then writes its own.
  let ran: { status: number | null; stdout: string; stderr: string };
  beforeAll(async () => {
    await writeSafetensors(join(dir, "ts.safetensors"), sample, { model: "Iris" });
    const body = [
      "t = load_safetensors(os.path.join(sys.argv[1], 'ts.safetensors'))",
      "print(json.dumps({k: [str(v.dtype), list(v.shape), v.flatten().tolist()] for k, v in sorted(t.items())}))",
      "w = torch.arange(12, dtype=torch.float32).reshape(3, 4) / 7",
      "t = {'w': w, 'n': torch.tensor([3, -4], dtype=torch.int64), 'e': torch.zeros(0, 2)}",
      "save_safetensors(os.path.join(sys.argv[1], 'py.safetensors'), t, {'model': 'Iris', 'epochs': 5})",
    ].join("\n");
    const script = `import json, math, os, struct, sys\nimport torch\n${safetensorsPython}\n${body}\n`;
    ran = spawnSync(python, ["-c", script, dir], { encoding: "utf8", timeout: 60_000 });
  });

  it("Python reads what TypeScript writes", () => {
    expect(ran.stderr).toBe("");
    expect(ran.status).toBe(0);
    const read = JSON.parse(ran.stdout) as Record<string, [string, number[], number[]]>;
    expect(read["dense.weight"]).toEqual(["torch.float32", [2, 3], [...sample.get("dense.weight")!.data]]);
    expect(read["steps"]).toEqual(["torch.int64", [], [2 ** 40]]);
    expect(read["ids"]).toEqual(["torch.int32", [1, 3], [7, -1, 2 ** 30]]);
    expect(read["empty"]).toEqual(["torch.float32", [0, 4], []]);
  });

  it("TypeScript reads what Python writes", async () => {
    expect(ran.stderr).toBe("");
    expect(ran.status).toBe(0);
    const read = await readSafetensors(join(dir, "py.safetensors"));
    expect(read.metadata).toEqual({ model: "Iris", epochs: "5" });
    expect(read.tensors.get("w")).toEqual({
      dtype: "F32",
      shape: [3, 4],
      data: Float32Array.from({ length: 12 }, (_, i) => i / 7),
    });
    expect(read.tensors.get("n")).toEqual({ dtype: "I64", shape: [2], data: BigInt64Array.from([3n, -4n]) });
    expect(read.tensors.get("e")).toEqual({ dtype: "F32", shape: [0, 2], data: new Float32Array(0) });
  });
});
