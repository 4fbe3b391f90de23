/**
 * Position tables are as long as `sequence_length`; an input of unknown length (`[?]`) checks clean and may
 * still bring more steps. Keras raises there; nnc's layers raise NN4007 before slicing (tfjs's slice reads past
 * the table on wasm and throws a raw stack trace on cpu), in predict, in fit, and as one line from `nnc train`.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { NncUserError } from "../src/runtime/errors.js";
import { buildSpec } from "./helpers/attention-models.js";
import { nnc } from "./helpers/cli.js";
import { useCpuBackend } from "./helpers/layer-oracle.js";

beforeAll(useCpuBackend);

/** What `run` throws: an NncUserError, formatted as the CLI prints it. */
async function userError(run: () => unknown): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(NncUserError);
    return (error as NncUserError).format();
  }
  throw new Error("expected an NncUserError");
}

describe("a sequence longer than the position table", () => {
  it("position_embedding predicts up to sequence_length steps and refuses more", async () => {
    const { model } = buildSpec("input x: [?, 4]", "y = x -> position_embedding(5)");
    expect((model.predict(tf.ones([2, 5, 4])) as tf.Tensor).shape).toEqual([2, 5, 4]);
    expect(await userError(() => model.predict(tf.ones([2, 6, 4])))).toBe(
      "error[NN4007]: position_embedding 'position_embedding' has positions for 5 steps, but the input has 6 " +
        "(raise sequence_length or cut the sequences to 5 steps)",
    );
  });

  it("token_and_position_embedding refuses it inside fit", async () => {
    const { model } = buildSpec(
      "input ids: [?] int32",
      "y = ids -> token_and_position_embedding(10, 5, 2) -> global_average_pooling1d()",
    );
    model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
    const fit = (steps: number) =>
      model.fit(tf.ones([2, steps], "int32"), tf.zeros([2, 2]), { epochs: 1, batchSize: 2, verbose: 0 });
    expect((await fit(5)).history["loss"]).toHaveLength(1);
    expect(await userError(() => fit(6))).toMatch(
      /^error\[NN4007\]: token_and_position_embedding '.*' has positions for 5 steps, but the input has 6 /,
    );
  });

  it("nnc train prints it in one line and exits 1", () => {
    const scratch = mkdtempSync(join(tmpdir(), "nnc-positions-"));
    const steps = Array.from({ length: 60 }, (_, i) => `t${i}`);
    const rows = [0, 1, 2, 3].map((r) => [...steps.map((_, i) => 1 + ((r * 7 + i) % 99)), r % 2 ? "a" : "b"]);
    writeFileSync(join(scratch, "long.csv"), [[...steps, "label"], ...rows].map((row) => row.join(",")).join("\n"));
    writeFileSync(
      join(scratch, "seq.nn"),
      `model Seq {
  input ids: [?] int32
  ids -> token_and_position_embedding(100, 50, 8) -> global_average_pooling1d() -> dense(2, activation: softmax)
}
train Seq {
  data: csv("long.csv", label: "label")
  loss: categorical_crossentropy
  optimizer: adam(0.01)
  batch_size: 4
  epochs: 1
}
`,
    );
    // wasm (nnc's default) would read past the table silently; cpu would throw tfjs's own error.
    for (const backend of ["wasm", "cpu"]) {
      const result = nnc(["train", "seq.nn", "--out", `run-${backend}`, "--backend", backend], { cwd: scratch });
      expect(result.stderr).toBe(
        "error[NN4007]: token_and_position_embedding 'token_and_position_embedding' has positions for 50 steps, " +
          "but the input has 60 (raise sequence_length or cut the sequences to 50 steps)\n",
      );
      expect(result.status).toBe(1);
      expect(existsSync(join(scratch, `run-${backend}`))).toBe(false);
    }
  });
});
