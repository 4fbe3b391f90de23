/**
 * The callbacks of an emitted PyTorch script, in Python, as nnc's runtime applies them: Keras's EarlyStopping
 * and ReduceLROnPlateau (src/runtime/callbacks.ts, schedule-callbacks.ts), ModelCheckpoint into `checkpoint/`
 * (weights.safetensors and checkpoint.json) and CSVLogger (file-callbacks.ts). Each has `epoch_end` (true:
 * stop), `train_end`, and `state`/`load` for checkpoint.pt; rank 0 alone writes files.
 */

/** The callbacks, in Python. */
export const callbacksPython = `
class Watcher:
    """A callback watching one figure, with Keras's test of improvement (by more than min_delta)."""

    def __init__(self, monitor, higher_is_better, min_delta):
        self.monitor, self.sign, self.min_delta = monitor, -1 if higher_is_better else 1, min_delta
        self.best, self.wait = math.inf, 0

    def improved(self, figures):
        """Whether this epoch's figure beats the best by more than min_delta (None: not there)."""
        if self.monitor not in figures:
            return None
        score = self.sign * figures[self.monitor]
        if score < self.best - self.min_delta:
            self.best = score
            return True
        return False

    def state(self):
        return {"best": self.best, "wait": self.wait}

    def load(self, state):
        self.best, self.wait = state["best"], state["wait"]


class EarlyStopping(Watcher):
    """Keras's EarlyStopping: stops after patience epochs without improvement."""

    def __init__(self, monitor, higher_is_better, min_delta, patience, restore_best_weights):
        super().__init__(monitor, higher_is_better, min_delta)
        self.patience, self.restore = patience, restore_best_weights
        self.weights, self.best_epoch = None, None

    def epoch_end(self, epoch, figures, module, optimizer):
        """True when training should stop."""
        self.wait += 1
        improved = self.improved(figures)
        if improved:
            self.wait, self.best_epoch = 0, epoch + 1
            if self.restore:
                self.weights = {k: v.detach().clone() for k, v in module.state_dict().items()}
        return improved is False and self.wait >= self.patience and epoch > 0

    def train_end(self, module):
        """Puts the best epoch's weights back (restore_best_weights): returns its number or None."""
        if self.weights is None:
            return None
        module.load_state_dict(self.weights)
        return self.best_epoch

    def state(self):
        return dict(super().state(), weights=self.weights, best_epoch=self.best_epoch)

    def load(self, state):
        super().load(state)
        self.weights, self.best_epoch = state["weights"], state["best_epoch"]


class ReduceOnPlateau(Watcher):
    """Keras's ReduceLROnPlateau: the rate times factor after patience epochs of no improvement."""

    def __init__(self, monitor, higher_is_better, factor, patience, min_delta, cooldown, min_lr):
        super().__init__(monitor, higher_is_better, min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.cooldown_left = 0

    def epoch_end(self, epoch, figures, module, optimizer):
        if self.monitor not in figures:
            return False
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self.improved(figures):
            self.wait = 0
        elif self.cooldown_left == 0:
            self.wait += 1
            rate = optimizer.param_groups[0]["lr"]
            if self.wait >= self.patience and rate > self.min_lr:
                set_rate(optimizer, max(rate * self.factor, self.min_lr))
                self.cooldown_left, self.wait = self.cooldown, 0
        return False

    def train_end(self, module):
        return None

    def state(self):
        return dict(super().state(), cooldown_left=self.cooldown_left)

    def load(self, state):
        super().load(state)
        self.cooldown_left = state["cooldown_left"]


class ModelCheckpoint(Watcher):
    """Keras's ModelCheckpoint: weights into checkpoint/ when the figure improved, or each N epochs.

    checkpoint/weights.safetensors holds them, checkpoint/checkpoint.json the epoch and its figures.
    """

    def __init__(self, monitor, higher_is_better, save_best_only, every, folder, leader):
        super().__init__(monitor, higher_is_better, 0)
        self.save_best_only, self.every = save_best_only, every
        self.folder, self.leader = folder, leader

    def epoch_end(self, epoch, figures, module, optimizer):
        if self.save_best_only:
            if not self.improved(figures):
                return False
        elif (epoch + 1) % self.every != 0:
            return False
        if self.leader:
            folder = os.path.join(self.folder, "checkpoint")
            os.makedirs(folder, exist_ok=True)
            metadata = {"model": MODEL, "format": "nnc-pytorch"}
            weights = os.path.join(folder, "weights.safetensors")
            save_safetensors(weights, module.state_dict(), metadata)
            about = {"epoch": epoch + 1, "figures": figures}
            write_json(os.path.join(folder, "checkpoint.json"), about)
        return False

    def train_end(self, module):
        return None


class CsvLogger:
    """Keras's CSVLogger: a row per epoch (epoch, figures, lr), the file rewritten each time."""

    def __init__(self, path, append, folder, leader):
        self.path, self.append, self.leader = os.path.join(folder, path), append, leader
        self.lines = None

    def epoch_end(self, epoch, figures, module, optimizer):
        if self.lines is None:
            self.lines = []
            if self.append and os.path.isfile(self.path):
                with open(self.path, encoding="utf-8") as file:
                    self.lines = [line for line in file.read().split("\\n") if line]
        if not self.lines:
            self.lines.append(",".join(["epoch"] + list(figures)))
        self.lines.append(",".join(str(value) for value in [epoch + 1] + list(figures.values())))
        if self.leader:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            write_text(self.path, "\\n".join(self.lines) + "\\n")
        return False

    def train_end(self, module):
        return None

    def state(self):
        return {"lines": self.lines}

    def load(self, state):
        self.lines = state["lines"]


def set_rate(optimizer, rate):
    """The learning rate of every parameter group from the next step on."""
    for group in optimizer.param_groups:
        group["lr"] = rate
`.trimStart();
