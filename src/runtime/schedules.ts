/**
 * Learning-rate schedules (`lr_schedule: exponential_decay(...)`) with Keras's formulas
 * (`keras.optimizers.schedules`): the rate is a function of the global optimizer step, starting from the
 * optimizer's `learning_rate`. Pure arithmetic, no tfjs: `nnc schedule` prints a schedule without loading
 * tfjs, and the callback that applies one during training (`schedule-callbacks.ts`) calls the same function.
 */
import type { IrCall } from "../compiler/ir/index.js";

/**
 * The learning rate at `step` (0-based, counted over all epochs). `reduce_on_plateau` depends on the
 * figures of the run, not on the step: before any reduction its rate is the initial one.
 */
export function scheduledRate(schedule: IrCall, initial: number, step: number): number {
  const a = (name: string) => Number(schedule.args[name]);
  switch (schedule.name) {
    case "exponential_decay":
      return initial * a("decay_rate") ** decayProgress(schedule, step);
    case "inverse_time_decay":
      return initial / (1 + a("decay_rate") * decayProgress(schedule, step));
    case "piecewise_constant_decay":
      return piecewiseConstant(schedule.args["boundaries"] as number[], schedule.args["values"] as number[], step);
    case "polynomial_decay":
      return polynomialDecay(
        initial,
        a("decay_steps"),
        a("end_learning_rate"),
        a("power"),
        Boolean(schedule.args["cycle"]),
        step,
      );
    case "cosine_decay":
      return cosineDecay(
        initial,
        a("decay_steps"),
        a("alpha"),
        schedule.args["warmup_target"] as number | undefined,
        a("warmup_steps"),
        step,
      );
    case "cosine_decay_restarts":
      return cosineDecayRestarts(initial, a("first_decay_steps"), a("t_mul"), a("m_mul"), a("alpha"), step);
    case "reduce_on_plateau":
      return initial;
    default:
      throw new Error(`scheduledRate: no runtime for schedule '${schedule.name}'`);
  }
}

/** Whether the rate follows the step (true) or the run's figures (`reduce_on_plateau`). */
export function isStepSchedule(schedule: IrCall): boolean {
  return schedule.name !== "reduce_on_plateau";
}

/** `step / decay_steps`, floored with `staircase: true`. */
function decayProgress(schedule: IrCall, step: number): number {
  const progress = step / Number(schedule.args["decay_steps"]);
  return schedule.args["staircase"] ? Math.floor(progress) : progress;
}

/** `values[i]` while `step <= boundaries[i]` (Keras: the boundary step still has the earlier value). */
function piecewiseConstant(boundaries: readonly number[], values: readonly number[], step: number): number {
  const index = boundaries.findIndex((boundary) => step <= boundary);
  return values[index < 0 ? boundaries.length : index]!;
}

function polynomialDecay(
  initial: number,
  decaySteps: number,
  end: number,
  power: number,
  cycle: boolean,
  step: number,
): number {
  let steps = decaySteps;
  let at = step;
  // With `cycle`, the decay restarts at each multiple of decay_steps; step 0 counts as the first cycle.
  if (cycle) steps = decaySteps * (step === 0 ? 1 : Math.ceil(step / decaySteps));
  else at = Math.min(step, decaySteps);
  return (initial - end) * (1 - at / steps) ** power + end;
}

/**
 * Keras's CosineDecay: without warmup, from `initial` down to `initial * alpha` over `decay_steps`. With a
 * `warmup_target`, first a linear rise from `initial` to the target over `warmup_steps`, then the cosine
 * from the target.
 */
function cosineDecay(
  initial: number,
  decaySteps: number,
  alpha: number,
  warmupTarget: number | undefined,
  warmupSteps: number,
  step: number,
): number {
  const decay = (at: number, from: number) =>
    from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * at) / decaySteps)) + alpha);
  if (warmupTarget === undefined) return decay(Math.min(step, decaySteps), initial);
  const at = Math.min(step, decaySteps + warmupSteps);
  if (at < warmupSteps) return (warmupTarget - initial) * (at / warmupSteps) + initial;
  return decay(at - warmupSteps, warmupTarget);
}

/** Keras's CosineDecayRestarts (SGDR): period i lasts `first_decay_steps * t_mul^i` and peaks at `m_mul^i`. */
function cosineDecayRestarts(
  initial: number,
  firstDecaySteps: number,
  tMul: number,
  mMul: number,
  alpha: number,
  step: number,
): number {
  let fraction = step / firstDecaySteps;
  let restart: number;
  if (tMul === 1) {
    restart = Math.floor(fraction);
    fraction -= restart;
  } else {
    restart = Math.floor(Math.log(1 - fraction * (1 - tMul)) / Math.log(tMul));
    const done = (1 - tMul ** restart) / (1 - tMul);
    fraction = (fraction - done) / tMul ** restart;
  }
  const cosine = 0.5 * mMul ** restart * (1 + Math.cos(Math.PI * fraction));
  return initial * ((1 - alpha) * cosine + alpha);
}
