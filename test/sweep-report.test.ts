/**
 * A sweep's tables on hand-made trial records: the ranking (complete trials by objective, then pruned, then
 * failed), every state in the live table, fitting a terminal's width, the figures' notation, and the command
 * that trains the best configuration again.
 */
import { describe, expect, it } from "vitest";
import { renderLiveTable, renderRankedTable, reproduceCommand } from "../src/runtime/sweep/report.js";
import { bestTrial, formatObjective, formatValue, rankTrials } from "../src/runtime/sweep/report-format.js";
import { shellWord } from "../src/compiler/base/shell.js";
import { madeUpRecords, record, sweepOf } from "./helpers/sweep-records.js";

const sweep = sweepOf();
const config = (units: string, lr: number) => ({ units, depth: 2, rate: 0.25, "optimizer.learning_rate": lr });

const records = [
  record(1, config("8", 1e-3), "complete", [0.9, 0.6, 0.5, 0.52]),
  record(2, config("16", 3.2e-4), "pruned", [0.45]),
  record(3, config("32", 2e-3), "failed", [], { error: "NN4009 the loss became NaN at epoch 1" }),
  record(4, config("16", 5e-3), "complete", [0.8, 0.4, 0.41, 0.42]),
  record(5, config("8", 1e-4), "complete", [0.7, 0.5, 0.55, 0.6]),
  record(6, config("32", 7e-4), "pruned", [0.95, 0.9]),
];

describe("ranking", () => {
  it("puts complete trials first by objective, then pruned ones by epochs reached, then failed ones", () => {
    // Trial 6 (pruned after 2 epochs, 0.9) before trial 2 (pruned after 1, 0.45): it passed more checks.
    expect(rankTrials(records, "minimize").map((r) => r.trial)).toEqual([4, 1, 5, 6, 2, 3]);
    expect(bestTrial(sweep, records)?.trial).toBe(4);
  });

  it("follows the objective's direction", () => {
    const accuracies = records.map((r) => (r.objective === null ? r : { ...r, objective: 1 - r.objective }));
    expect(rankTrials(accuracies, "maximize").map((r) => r.trial)).toEqual([4, 1, 5, 6, 2, 3]);
    // The same figures read as accuracies: now the highest wins.
    expect(rankTrials(records, "maximize").map((r) => r.trial)).toEqual([1, 5, 4, 6, 2, 3]);
  });

  it("ranks pruned trials that reached the same epoch, and a failed trial with an objective, by objective", () => {
    const stopped = [
      record(7, config("8", 1e-3), "pruned", [0.9, 0.7]),
      record(8, config("8", 1e-3), "failed", [0.8, 0.6], { error: "NN4009 the loss became NaN at epoch 3" }),
      record(9, config("8", 1e-3), "failed", [NaN]),
      record(10, config("8", 1e-3), "pruned", [0.5]),
    ];
    expect(rankTrials(stopped, "minimize").map((r) => r.trial)).toEqual([8, 7, 10, 9]);
  });

  it("has no best trial when none completed (a pruned one is not a configuration to pick)", () => {
    expect(bestTrial(sweep, [records[1]!, records[2]!])).toBeNull();
    expect(renderRankedTable(sweep, [records[1]!, records[2]!], { file: "net.nn" })).toContain(
      "no trial completed: there is no best configuration",
    );
  });
});

describe("the ranked table", () => {
  const table = renderRankedTable(sweep, records, { file: "my specs/net.nn", fixed: { seed: 1 } });
  const lines = table.split("\n");

  it("has rank, trial, each parameter, the objective, best epoch, params, time and state", () => {
    expect(lines[0]).toBe("Net-sweep: 6 trials, minimize val_loss");
    expect(lines[1]!.split(/\s+/).filter(Boolean)).toEqual([
      "rank",
      "trial",
      "units",
      "depth",
      "rate",
      "optimizer.learning_rate",
      "val_loss",
      "epoch",
      "params",
      "time",
      "state",
    ]);
    const row = (trial: number) => lines.find((l) => new RegExp(`^\\s*\\S+\\s+${trial}\\s`).test(l))!;
    expect(
      row(4)
        .trim()
        .split(/\s{2,}/),
    ).toEqual(["1", "4", "16", "2", "0.250", "5.0e-3", "0.4000", "2", "104", "14.0s", "complete"]);
    expect(row(2)).toMatch(/^\s*5\s+2\s.*3\.2e-4\s+0\.4500\s.*pruned at epoch 1$/);
    expect(row(3)).toMatch(/^\s*-\s+3\s.*\s-\s+-\s.*failed: NN4009 the loss became NaN at epoch 1$/);
  });

  it("ends with the command that trains the best configuration, values exact and quoted for a shell", () => {
    expect(lines.at(-3)).toBe("best: trial 4, val_loss 0.4000 at epoch 2; train it again with");
    expect(lines.at(-2)).toBe(
      "  nnc train 'my specs/net.nn' --set seed=1 --set units=16 --set depth=2 --set rate=0.25 --set optimizer.learning_rate=0.005",
    );
    expect(reproduceCommand("net.nn", { optimizer: "sgd(learning_rate: 0.1)", lr: 3.2e-21 })).toBe(
      "nnc train net.nn --set 'optimizer=sgd(learning_rate: 0.1)' --set lr=3.2e-21",
    );
  });

  it("fits a narrow terminal: long parameter names shorten, then time, params and epoch go", () => {
    const many = madeUpRecords(20);
    for (const width of [100, 80, 60]) {
      const narrow = renderRankedTable(sweep, many, { file: "net.nn", width }).split("\n");
      // The command under the table is meant to be copied whole.
      for (const line of narrow.slice(0, -3)) expect(line.length).toBeLessThanOrEqual(width);
    }
    const header = (width: number) =>
      renderRankedTable(sweep, many, { file: "net.nn", width }).split("\n")[1]!.split(/\s+/);
    expect(header(100)).toEqual([
      "rank",
      "trial",
      "units",
      "depth",
      "rate",
      "….learning_rate",
      "val_loss",
      "epoch",
      "params",
      "time",
      "state",
    ]);
    expect(header(80)).toEqual(["rank", "trial", "units", "depth", "rate", "…ning_rate", "val_loss", "epoch", "state"]);
    expect(header(60)).toEqual(["rank", "trial", "units", "depth", "rate", "…_rate", "val_loss", "state"]);
  });
});

describe("the live table", () => {
  const state = {
    elapsed: 192,
    total: 8,
    epochs: () => 4,
    records,
    pending: [
      { trial: 7, config: config("16", 1e-3), state: "running" as const, epochs: [0.7, 0.65] },
      { trial: 8, config: config("8", 1e-3), state: "queued" as const },
      { trial: null, config: config("32", 1e-3), state: "rejected" as const, reason: "NN4078 params 1,204 >= 1,000" },
    ],
  };
  const lines = renderLiveTable(sweep, state).split("\n");

  it("starts with progress: finished of total, what is running, elapsed time, the best so far", () => {
    expect(lines[0]).toBe(
      "Net-sweep: 6 of 8 finished, 2 pruned, 1 failed, 1 running, 1 rejected, 3m 12s; best val_loss 0.4000 (trial 4)",
    );
  });

  it("has a row per trial in trial order with its epoch, objective now and at its best, and every state", () => {
    expect(lines[1]!.split(/\s+/)).toEqual([
      "trial",
      "units",
      "depth",
      "rate",
      "optimizer.learning_rate",
      "epoch",
      "val_loss",
      "best",
      "state",
    ]);
    const rows = lines.slice(2, -1);
    expect(rows.map((r) => r.trim().split(/\s+/)[0])).toEqual(["1", "2", "3", "4", "5", "6", "7", "8", "-"]);
    expect(rows.map((r) => r.split(/\s{2,}/).slice(-4))).toEqual([
      ["4/4", "0.5200", "0.5000", "complete"],
      ["1/4", "0.4500", "0.4500", "pruned at epoch 1"],
      ["0/4", "-", "-", "failed: NN4009 the loss became NaN at epoch 1"],
      ["4/4", "0.4200", "0.4000", "complete"],
      ["4/4", "0.6000", "0.5000", "complete"],
      ["2/4", "0.9000", "0.9000", "pruned at epoch 2"],
      ["2/4", "0.6500", "0.6500", "running"],
      ["0/4", "-", "-", "queued"],
      ["1.0e-3", "-", "-", "rejected: NN4078 params 1,204 >= 1,000"],
    ]);
  });

  it("fits the width it is given", () => {
    for (const width of [120, 72, 50]) {
      for (const line of renderLiveTable(sweep, state, { width }).split("\n")) {
        expect(line.length).toBeLessThanOrEqual(width);
      }
    }
  });

  it("keeps within a height: running trials, the best and latest finished, the next queued; says what it left out", () => {
    const many = madeUpRecords(20);
    const tall = {
      ...state,
      total: 30,
      records: many,
      pending: [
        { trial: 21, config: config("16", 1e-3), state: "running" as const, epochs: [0.7] },
        ...[22, 23, 24].map((trial) => ({ trial, config: config("8", 1e-3), state: "queued" as const })),
      ],
    };
    const lines = renderLiveTable(sweep, tall, { height: 10 }).trimEnd().split("\n");
    expect(lines).toHaveLength(10);
    // 8 lines for rows: 7 rows and the line that says what is left out.
    const best = rankTrials(many, "minimize").slice(0, 3);
    const latest = [...many].sort((a, b) => b.finished.localeCompare(a.finished));
    const shown = [...new Set([21, ...best.map((r) => r.trial), ...latest.map((r) => r.trial)])].slice(0, 7);
    expect(lines.slice(2, -1).map((l) => Number(l.trim().split(/\s+/)[0]))).toEqual(shown.sort((a, b) => a - b));
    expect(lines.at(-1)).toBe("… 17 more: 14 finished, 3 queued");
  });

  it("counts each trial's own epochs (its configured train block's, when the sweep varies them)", () => {
    const own = renderLiveTable(sweep, {
      ...state,
      epochs: (trial) => (trial === 1 ? 9 : 4),
      records: [],
      pending: [{ trial: 1, config: { ...config("8", 1e-3), epochs: "9" }, state: "running", epochs: [0.5] }],
    });
    expect(own).toContain("1/9");
  });
});

describe("figures", () => {
  it("write learning rates as 3.2e-4, uniform values with their range's decimals, objectives to 4 digits", () => {
    const [units, depth, rate, lr] = sweep.params.map((p) => p.distribution);
    expect(formatValue("16", units)).toBe("16");
    expect(formatValue(3, depth)).toBe("3");
    expect([0.28, 0.0015].map((v) => formatValue(v, rate))).toEqual(["0.280", "0.002"]);
    // One notation in a log_uniform column, whatever the value: its range reaches below 0.01.
    expect([3.2145e-4, 0.0011, 0.029, 0.01].map((v) => formatValue(v, lr))).toEqual([
      "3.2e-4",
      "1.1e-3",
      "2.9e-2",
      "1.0e-2",
    ]);
    const decades = { kind: "log_uniform", low: 0.1, high: 10 } as const;
    expect([0.13, 2.46, 10].map((v) => formatValue(v, decades))).toEqual(["0.13", "2.5", "10"]);
    expect([0.312449, 12.3456, 123456, 2.5e-5, 0].map(formatObjective)).toEqual([
      "0.3124",
      "12.35",
      "1.235e5",
      "2.500e-5",
      "0.000",
    ]);
  });
});

describe("shellWord (the quoting of every command nnc prints to paste: train's resume line, the sweep's)", () => {
  it("leaves a plain word as it is and single-quotes anything else, a quote as '\\''", () => {
    expect(shellWord("optimizer.learning_rate=3e-4")).toBe("optimizer.learning_rate=3e-4");
    expect(shellWord("my specs/net.nn")).toBe("'my specs/net.nn'");
    expect(shellWord(`data.path="it's.csv"`)).toBe(`'data.path="it'\\''s.csv"'`);
    expect(shellWord("$HOME")).toBe("'$HOME'");
  });
});
