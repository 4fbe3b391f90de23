/**
 * NN4026's hint for precision on class indices says what scores a class: on two units, one sigmoid unit
 * (whose positive class is the second sorted label; over two one-hot units precision equals accuracy); on
 * more, categorical_crossentropy, whose precision pools every class's unit.
 */
import { describe, expect, it } from "vitest";
import { checkSource } from "../src/compiler/index.js";

function hints(units: number): (string | undefined)[] {
  const text =
    `model M {\n  input x: [4]\n  dense(${units}, activation: softmax)\n}\ntrain M {\n  data: csv("d.csv", label: "y")\n` +
    `  loss: sparse_categorical_crossentropy\n  metrics: [precision]\n  optimizer: adam\n  epochs: 1\n  batch_size: 4\n}\n`;
  return checkSource(text, "/tmp/p.nn", { read: () => undefined } as never)
    .diagnostics.filter((d) => d.code === "NN4026")
    .map((d) => d.hint);
}

describe("NN4026's hint for precision on class indices", () => {
  it("on two units names one sigmoid unit and its positive class", () => {
    expect(hints(2)).toEqual([
      "to score one class, train dense(1, activation: sigmoid) with binary_crossentropy: the positive class is the second of the sorted labels (over two one-hot units precision and recall equal accuracy)",
    ]);
  });

  it("on more units says that one-hot precision pools the classes", () => {
    expect(hints(3)).toEqual([
      "train with categorical_crossentropy, whose one-hot targets fit it: it then pools every class's unit, not one class's",
    ]);
  });
});
