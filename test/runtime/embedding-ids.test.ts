/**
 * Ids fed to an `embedding` outside [0, input_dim), negative or fractional: NN4006 at their line before any
 * step of `nnc train` (read whole or streamed), and from `nnc predict`, instead of tfjs's GatherV2 stack trace.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { nnc } from "../helpers/cli.js";
import { scratchFolder, trainRun, userError } from "../helpers/runs.js";
import { checkFile } from "../../src/compiler/index.js";
import { initBackend, trainModel } from "../../src/runtime/index.js";

const { dir, file } = scratchFolder("nnc-embedding-ids-");
const quiet = { write: () => true } as unknown as NodeJS.WritableStream;
const rows = (last: string) =>
  ["a,b,c,y", ...Array.from({ length: 20 }, (_, i) => `${i % 10},${(i * 3) % 10},${(i * 7) % 10},${i % 2}`), last]
    .join("\n")
    .concat("\n");
const spec = (data: string) => `model Ids {
  input ids: [3] int32
  ids -> embedding(10, 4) -> flatten() -> dense(2, activation: softmax)
}
train Ids {
  data: csv("${data}", label: "y")
  loss: categorical_crossentropy
  optimizer: adam
  batch_size: 4
  epochs: 1
}
`;

beforeAll(async () => {
  await initBackend();
  file("good.csv", rows("1,2,3,0"));
  file("good.nn", spec("good.csv"));
  await trainRun(join(dir, "good.nn"), join(dir, "run"));
}, 60_000);

describe("embedding ids", () => {
  it("nnc train: an id past input_dim is NN4006 at its line, with the input_dim it needs", () => {
    file("big.csv", rows("1,1265,3,0"));
    file("big.nn", spec("big.csv"));
    const result = nnc(["train", "big.nn", "--out", "big"], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error[NN4006]: big.csv:22: input 'ids': 1265 is not an embedding id, a whole number from 0 to 9 (raise input_dim to at least 1266, or map the ids below 10)\n",
    );
  });

  it("negative and fractional ids too, and in a streamed file", async () => {
    for (const [name, last, value] of [
      ["negative", "-1,2,3,1", "-1"],
      ["fraction", "1,2.5,3,1", "2.5"],
    ] as const) {
      file(`${name}.csv`, rows(last));
      const { program } = checkFile(file(`${name}.nn`, spec(`${name}.csv`)));
      const train = () =>
        trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet, streamAbove: 0, chunkRows: 8 });
      expect(await userError(train, dir)).toBe(
        `error[NN4006]: /${name}.csv:22: input 'ids': ${value} is not an embedding id, a whole number from 0 to 9`,
      );
    }
  });

  it("ids in a JSON sequence field too", async () => {
    const records = Array.from({ length: 8 }, (_, i) => JSON.stringify({ tokens: [1, i % 9, 2], label: i % 2 }));
    file("seq.jsonl", [...records, JSON.stringify({ tokens: [1, 50], label: 1 })].join("\n") + "\n");
    const text = `model Seq {
  input tokens: [seq] int32
  embedding(10, 4, mask_zero: true)
  lstm(4)
  dense(1, activation: sigmoid)
}
train Seq {
  data: json("seq.jsonl", label: "label")
  loss: binary_crossentropy
  optimizer: adam
  batch_size: 4
  epochs: 1
}
`;
    const { program, diagnostics } = checkFile(file("seq.nn", text));
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const train = () => trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
    expect(await userError(train, dir)).toBe(
      "error[NN4006]: /seq.jsonl:9: field 'tokens': 50 is not an embedding id, a whole number from 0 to 9 (raise input_dim to at least 51, or map the ids below 10)",
    );
  });

  it("a pad: the embedding cannot take is NN4007 before any step; pad: 0 trains", async () => {
    file(
      "pad.jsonl",
      [1, 2, 3, 4].map((i) => JSON.stringify({ tokens: [1, i, 2].slice(0, i), label: i % 2 })).join("\n"),
    );
    for (const [pad, error] of [
      [
        "10",
        "error[NN4007]: pad: 10 is not an id the embedding reading input 'tokens' takes, a whole number from 0 to 9; pad: 0 is the usual one, masked with mask_zero: true",
      ],
      [
        "-1",
        "error[NN4007]: pad: -1 is not an id the embedding reading input 'tokens' takes, a whole number from 0 to 9; pad: 0 is the usual one, masked with mask_zero: true",
      ],
      ["0", null],
    ] as const) {
      const text = `model Pad {\n  input tokens: [seq] int32\n  embedding(10, 4, mask_zero: true)\n  lstm(4)\n  dense(1, activation: sigmoid)\n}\ntrain Pad {\n  data: json("pad.jsonl", label: "label", pad: ${pad})\n  loss: binary_crossentropy\n  optimizer: adam\n  batch_size: 4\n  epochs: 1\n}\n`;
      const { program } = checkFile(file(`pad${pad}.nn`, text));
      const train = () => trainModel(program!.models[0]!, program!.trains[0]!, { output: quiet });
      if (error === null) (await train()).model.dispose();
      else expect(await userError(train, dir)).toBe(error);
    }
  });

  it("nnc predict checks the ids it is given", () => {
    writeFileSync(join(dir, "q.csv"), "a,b,c\n1,2,3\n4,10,6\n");
    const result = nnc(["predict", "good.nn", "--model", "run", "--input", "q.csv"], { cwd: dir });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error\[NN4006\]: q\.csv:3: input 'ids': 10 is not an embedding id.*at least 11/);
  });
});
