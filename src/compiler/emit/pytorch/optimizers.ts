/**
 * The optimizers of an emitted PyTorch script, each updating as tfjs (nnc's runtime) does. `torch.optim`'s SGD
 * (with momentum and Nesterov's) and Adam compute what tfjs's sgd, momentum and adam do.
 * rmsprop, adagrad and adamax differ where epsilon goes (tfjs: `sqrt(ms + eps)`, `sqrt(sum + eps)`,
 * `max(beta_2 * u, |g|) + eps`; torch: `sqrt(ms) + eps`, `sqrt(sum) + eps`, `max(beta_2 * u, |g| + eps)`),
 * tfjs's rmsprop folds the learning rate into its moment, and tfjs's adadelta divides by the mean square of the
 * gradients before the current one: the script carries those four as its own
 * `torch.optim.Optimizer` classes. As in the registry, sgd with momentum 0 is plain sgd (Nesterov's ignored).
 */
import type { IrCall, JsonValue } from "../../ir/index.js";
import { py } from "./python.js";

/** tfjs's own updates, as Python classes (one per optimizer that torch.optim's would change). */
const kerasClasses: Readonly<Record<string, string>> = {
  rmsprop: `
class KerasRMSprop(torch.optim.Optimizer):
    """tfjs's rmsprop: moment = momentum * moment + lr * g / sqrt(ms + epsilon) (centered: the root
    of ms - (mg ** 2 + epsilon)), then the weight minus the moment."""

    def __init__(self, parameters, lr, rho, momentum, epsilon, centered):
        settings = dict(lr=lr, rho=rho, momentum=momentum, epsilon=epsilon, centered=centered)
        super().__init__(parameters, settings)

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            rho = group["rho"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, g = self.state[p], p.grad
                if not state:
                    state.update(ms=torch.zeros_like(p), mg=torch.zeros_like(p), moment=torch.zeros_like(p))
                state["ms"].mul_(rho).add_((1 - rho) * g * g)
                if group["centered"]:
                    state["mg"].mul_(rho).add_((1 - rho) * g)
                    root = (state["ms"] - (state["mg"] ** 2 + group["epsilon"])).sqrt()
                else:
                    root = (state["ms"] + group["epsilon"]).sqrt()
                state["moment"].mul_(group["momentum"]).add_(group["lr"] * g / root)
                p.sub_(state["moment"])`,
  adagrad: `
class KerasAdagrad(torch.optim.Optimizer):
    """tfjs's adagrad: sum += g ** 2 (from initial_accumulator_value), then lr * g / sqrt(sum + 1e-7)."""

    def __init__(self, parameters, lr, initial_accumulator_value):
        super().__init__(parameters, dict(lr=lr, initial=initial_accumulator_value))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, g = self.state[p], p.grad
                if not state:
                    state["sum"] = torch.full_like(p, group["initial"])
                state["sum"].add_(g * g)
                p.sub_(group["lr"] * g / (state["sum"] + 1e-07).sqrt())`,
  adadelta: `
class KerasAdadelta(torch.optim.Optimizer):
    """tfjs's adadelta: the step sqrt(updates + epsilon) / sqrt(grads + epsilon) * g divides by the
    mean square of the gradients before this one's (torch's, after), then both means move."""

    def __init__(self, parameters, lr, rho, epsilon):
        super().__init__(parameters, dict(lr=lr, rho=rho, epsilon=epsilon))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            rho, epsilon = group["rho"], group["epsilon"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, g = self.state[p], p.grad
                if not state:
                    state.update(grads=torch.zeros_like(p), updates=torch.zeros_like(p))
                step = (state["updates"] + epsilon).sqrt() / (state["grads"] + epsilon).sqrt() * g
                state["grads"].mul_(rho).add_((1 - rho) * g * g)
                state["updates"].mul_(rho).add_((1 - rho) * step * step)
                p.sub_(group["lr"] * step)`,
  adamax: `
class KerasAdamax(torch.optim.Optimizer):
    """tfjs's adamax: u = max(beta_2 * u, |g|), then lr / (1 - beta_1 ** t) * m / (u + epsilon)."""

    def __init__(self, parameters, lr, betas, epsilon):
        super().__init__(parameters, dict(lr=lr, betas=betas, epsilon=epsilon))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            beta_1, beta_2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state, g = self.state[p], p.grad
                if not state:
                    state.update(t=0, m=torch.zeros_like(p), u=torch.zeros_like(p))
                state["t"] += 1
                state["m"].mul_(beta_1).add_((1 - beta_1) * g)
                state["u"] = torch.maximum(state["u"] * beta_2, g.abs())
                rate = group["lr"] / (1 - beta_1 ** state["t"])
                p.sub_(rate * state["m"] / (state["u"] + group["epsilon"]))`,
};

type Argument = (name: string) => string;

/** The class and its arguments after `parameters`, from the checked (defaulted) ones. */
const optimizers: Readonly<Record<string, (a: Argument) => [string, string[]]>> = {
  sgd: (a) => sgd(a),
  momentum: (a) => sgd(a),
  rmsprop: (a) => [
    "KerasRMSprop",
    ["learning_rate", "rho", "momentum", "epsilon", "centered"].map(
      (n) => `${n === "learning_rate" ? "lr" : n}=${a(n)}`,
    ),
  ],
  adam: (a) => ["torch.optim.Adam", [`lr=${a("learning_rate")}`, ...betas(a), `eps=${a("epsilon")}`]],
  adamax: (a) => ["KerasAdamax", [`lr=${a("learning_rate")}`, ...betas(a), `epsilon=${a("epsilon")}`]],
  adagrad: (a) => [
    "KerasAdagrad",
    [`lr=${a("learning_rate")}`, `initial_accumulator_value=${a("initial_accumulator_value")}`],
  ],
  adadelta: (a) => ["KerasAdadelta", [`lr=${a("learning_rate")}`, `rho=${a("rho")}`, `epsilon=${a("epsilon")}`]],
};

function betas(a: Argument): string[] {
  return [`betas=(${a("beta_1")}, ${a("beta_2")})`];
}

/** sgd and momentum: momentum 0 is plain sgd (tfjs's sgd, which has no Nesterov's), as the registry maps it. */
function sgd(a: Argument): [string, string[]] {
  const plain = a("momentum") === "0";
  const momentum = plain ? [] : [`momentum=${a("momentum")}`, `nesterov=${a("nesterov")}`];
  return ["torch.optim.SGD", [`lr=${a("learning_rate")}`, ...momentum]];
}

/** Whether the script has an optimizer for this registry name. */
export function hasTorchOptimizer(name: string): boolean {
  return optimizers[name] !== undefined;
}

/**
 * The optimizer `call` as a class (torch.optim's or the script's own, whose definition `definition` holds, or
 * "") and its arguments after `parameters`.
 */
export function torchOptimizer(call: IrCall): { definition: string; torchClass: string; args: string[] } {
  const a = (name: string) => py((call.args[name] ?? null) as JsonValue);
  const [torchClass, args] = optimizers[call.name]!(a);
  return { definition: (kerasClasses[call.name] ?? "").trim(), torchClass, args };
}
