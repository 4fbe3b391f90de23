/**
 * Learning-rate schedules: each one against Keras's formula written out by hand at chosen steps, and the
 * rate actually applied by every tfjs optimizer when a schedule changes it (sgd and momentum cache theirs).
 */
import * as tf from "@tensorflow/tfjs";
import { describe, expect, it } from "vitest";
import type { IrCall } from "../../src/compiler/ir/index.js";
import { optimizers } from "../../src/compiler/registry/train-options.js";
import { initBackend } from "../../src/runtime/index.js";
import { LearningRateScheduler, ReduceOnPlateau, currentRate } from "../../src/runtime/schedule-callbacks.js";
import { scheduledRate } from "../../src/runtime/schedules.js";

const lr = 0.1;
const rate = (name: string, args: IrCall["args"], step: number) => scheduledRate({ name, args }, lr, step);

describe("schedules follow Keras's formulas", () => {
  const D = 100;
  const steps = [0, 1, D, 2.5 * D];

  it("exponential_decay: lr * rate^(step / decay_steps), floored with staircase", () => {
    for (const step of steps) {
      expect(rate("exponential_decay", { decay_steps: D, decay_rate: 0.96, staircase: false }, step)).toBeCloseTo(
        lr * 0.96 ** (step / D),
        12,
      );
      expect(rate("exponential_decay", { decay_steps: D, decay_rate: 0.96, staircase: true }, step)).toBeCloseTo(
        lr * 0.96 ** Math.floor(step / D),
        12,
      );
    }
    expect(rate("exponential_decay", { decay_steps: D, decay_rate: 0.5, staircase: true }, 250)).toBeCloseTo(0.025, 12);
  });

  it("inverse_time_decay: lr / (1 + rate * step / decay_steps)", () => {
    for (const step of steps) {
      expect(rate("inverse_time_decay", { decay_steps: D, decay_rate: 0.5, staircase: false }, step)).toBeCloseTo(
        lr / (1 + (0.5 * step) / D),
        12,
      );
      expect(rate("inverse_time_decay", { decay_steps: D, decay_rate: 0.5, staircase: true }, step)).toBeCloseTo(
        lr / (1 + 0.5 * Math.floor(step / D)),
        12,
      );
    }
  });

  it("piecewise_constant_decay: values[i] up to and including boundaries[i]", () => {
    const args = { boundaries: [100, 200], values: [1.0, 0.5, 0.1] };
    expect([0, 100, 101, 200, 201, 1000].map((s) => rate("piecewise_constant_decay", args, s))).toEqual([
      1.0, 1.0, 0.5, 0.5, 0.1, 0.1,
    ]);
  });

  it("polynomial_decay: (lr - end) * (1 - step / decay_steps)^power + end, clamped or cycling", () => {
    const args = { decay_steps: D, end_learning_rate: 0.01, power: 2, cycle: false };
    for (const step of steps) {
      const clamped = Math.min(step, D);
      expect(rate("polynomial_decay", args, step)).toBeCloseTo((lr - 0.01) * (1 - clamped / D) ** 2 + 0.01, 12);
    }
    // cycle: decay_steps grows to the next multiple of itself; step 250 -> 300.
    expect(rate("polynomial_decay", { ...args, cycle: true }, 250)).toBeCloseTo(
      (lr - 0.01) * (1 - 250 / 300) ** 2 + 0.01,
      12,
    );
    expect(rate("polynomial_decay", { ...args, cycle: true }, 0)).toBeCloseTo(lr, 12);
  });

  it("cosine_decay: lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, D) / D)) + alpha), with linear warmup", () => {
    const alpha = 0.1;
    const cosine = (from: number, s: number) =>
      from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, D)) / D)) + alpha);
    for (const step of steps) {
      expect(rate("cosine_decay", { decay_steps: D, alpha, warmup_steps: 0 }, step)).toBeCloseTo(cosine(lr, step), 12);
    }
    expect(rate("cosine_decay", { decay_steps: D, alpha, warmup_steps: 0 }, D)).toBeCloseTo(lr * alpha, 12);
    // Warmup from lr to 1.0 over 10 steps, then the cosine from 1.0.
    const warm = { decay_steps: D, alpha, warmup_target: 1.0, warmup_steps: 10 };
    expect(rate("cosine_decay", warm, 0)).toBeCloseTo(lr, 12);
    expect(rate("cosine_decay", warm, 5)).toBeCloseTo(lr + (1.0 - lr) * 0.5, 12);
    expect(rate("cosine_decay", warm, 10)).toBeCloseTo(1.0, 12);
    expect(rate("cosine_decay", warm, 10 + 0.5 * D)).toBeCloseTo(cosine(1.0, 0.5 * D), 12);
    expect(rate("cosine_decay", warm, 10 * D)).toBeCloseTo(1.0 * alpha, 12);
  });

  it("cosine_decay_restarts: periods of D * t_mul^i peaking at m_mul^i", () => {
    const args = { first_decay_steps: D, t_mul: 2, m_mul: 0.5, alpha: 0 };
    const at = (fraction: number, restart: number) => lr * 0.5 * 0.5 ** restart * (1 + Math.cos(Math.PI * fraction));
    expect(rate("cosine_decay_restarts", args, 0)).toBeCloseTo(lr, 12);
    expect(rate("cosine_decay_restarts", args, 1)).toBeCloseTo(at(1 / D, 0), 12);
    expect(rate("cosine_decay_restarts", args, 50)).toBeCloseTo(at(0.5, 0), 12);
    // The second period runs from step 100 to 300 (200 steps) at half the height.
    expect(rate("cosine_decay_restarts", args, D)).toBeCloseTo(at(0, 1), 12);
    expect(rate("cosine_decay_restarts", args, 2.5 * D)).toBeCloseTo(at(150 / 200, 1), 12);
    // t_mul 1: equal periods.
    const even = { ...args, t_mul: 1, m_mul: 1, alpha: 0.2 };
    expect(rate("cosine_decay_restarts", even, 2.5 * D)).toBeCloseTo(
      lr * (0.8 * 0.5 * (1 + Math.cos(Math.PI * 0.5)) + 0.2),
      12,
    );
  });
});

describe("every tfjs optimizer applies the scheduled rate", () => {
  // exponential_decay with decay_steps 1 and rate 0.5: at step 3 the rate is lr / 8.
  const schedule: IrCall = { name: "exponential_decay", args: { decay_steps: 1, decay_rate: 0.5, staircase: false } };
  const make = (name: string, learningRate: number): tf.Optimizer => {
    const defaults = { learning_rate: learningRate };
    const checked = Object.fromEntries(
      Object.entries((optimizers[name]!.schema.properties ?? {}) as Record<string, { default?: unknown }>).map(
        ([k, p]) => [k, p.default],
      ),
    );
    const call = optimizers[name]!.tfjs({ ...checked, ...defaults } as IrCall["args"]);
    return (tf.train as unknown as Record<string, (...a: unknown[]) => tf.Optimizer>)[call.factory]!(...call.args);
  };
  /** The weights after one step of `optimizer` from [1, -2] with the loss sum(w * [0.3, -0.7]) + sum(w^2). */
  const oneStep = (optimizer: tf.Optimizer): number[] => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    optimizer.minimize(
      () => tf.add(tf.sum(tf.mul(w, tf.tensor1d([0.3, -0.7]))), tf.sum(tf.square(w))) as tf.Scalar,
      false,
      [w],
    );
    const values = Array.from(w.dataSync());
    w.dispose();
    return values;
  };

  for (const name of ["sgd", "momentum", "rmsprop", "adam", "adamax", "adagrad", "adadelta"]) {
    it(name, async () => {
      await initBackend();
      const scheduled = make(name, lr);
      const scheduler = new LearningRateScheduler(schedule, scheduled, 10);
      await scheduler.onEpochBegin(0);
      await scheduler.onBatchBegin(3);
      expect(currentRate(scheduled)).toBeCloseTo(lr / 8, 12);
      const expected = oneStep(make(name, lr / 8));
      const unscheduled = oneStep(make(name, lr));
      const actual = oneStep(scheduled);
      actual.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
      expect(Math.abs(actual[0]! - unscheduled[0]!)).toBeGreaterThan(1e-4);
    });
  }
});

describe("reduce_on_plateau", () => {
  it("cuts the rate by factor after patience epochs without improvement, then cools down", async () => {
    await initBackend();
    const optimizer = tf.train.adam(0.1);
    const plateau = new ReduceOnPlateau(
      { monitor: "val_loss", mode: "min", factor: 0.5, patience: 2, minDelta: 0, cooldown: 1, minLr: 0.02 },
      optimizer,
    );
    const rates: number[] = [];
    for (const [epoch, value] of [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9].entries()) {
      await plateau.onEpochEnd(epoch, { val_loss: value });
      rates.push(currentRate(optimizer));
    }
    // Keras: epochs 2, 3 do not improve -> cut at epoch 3. Epoch 4 ends the one-epoch cooldown and, no longer
    // in cooldown, counts as a first wait; epoch 5 cuts again; epochs 6, 7 likewise, floored at min_lr.
    expect(rates.map((r) => +r.toFixed(6))).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.02, 0.02, 0.02]);
  });
});
