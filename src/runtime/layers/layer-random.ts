/**
 * The random numbers of a layer with its own `seed` (the augmentation layers, gaussian_noise), as Keras's
 * `SeedGenerator`: the same sequence from run to run whatever else the run draws. Each training call draws
 * from a generator seeded by (the layer's seed, the training step, the call's index within that step), not
 * from one generator the layer carries along: the training loop sets the step before each one, so a run
 * resumed from a checkpoint draws, from its first step on, exactly what the unbroken run drew there, with
 * nothing of the layer's to save. Outside the loop (a model applied by hand) the step stays where it was and
 * the call index keeps counting, so every call still draws anew.
 */
import { seededRandom, type SeededRandom } from "../random.js";

let trainingStep = 0;

/** The step (counted from the run's first, over epochs) the next training calls belong to. */
export function setTrainingStep(step: number): void {
  trainingStep = step;
}

/** A layer's seeded draws: `forCall()` at the start of each training call gives that call's generator. */
export class LayerRandom {
  private step = -1;
  private calls = 0;

  constructor(private readonly seed: number) {}

  /** The generator of the call starting now; the first call of step 0 draws `seededRandom(seed)`'s sequence. */
  forCall(): SeededRandom {
    if (this.step !== trainingStep) [this.step, this.calls] = [trainingStep, 0];
    const mixed = this.seed ^ Math.imul(this.step, 0x9e3779b1) ^ Math.imul(this.calls, 0x85ebca77);
    this.calls++;
    return seededRandom(mixed >>> 0);
  }
}
