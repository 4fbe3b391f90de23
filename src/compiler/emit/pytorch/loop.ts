/**
 * The part of an emitted PyTorch script that is the same for every train block, besides its callbacks
 * (callbacks.ts) and data readers (readers.ts): the processes (`torch.distributed` when torchrun set
 * WORLD_SIZE: gloo on the CPU, nccl on CUDA), the run folder (a marker; a foreign non-empty folder is refused),
 * the training loop with DistributedDataParallel over global batches (one shared permutation, each process its
 * share of every batch of batch_size rows), the checkpoint after every epoch and
 * the files at the end. The train block's own settings are constants and functions printed before it
 * (script.ts).
 */

/** The processes, the run folder and the training loop, in Python. */
export const loopPython = `
class Processes:
    """This process and the others torchrun started (WORLD_SIZE set), or this one alone."""

    def __init__(self, device):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        local = int(os.environ.get("LOCAL_RANK", "0"))
        if device == "cpu":
            self.device = torch.device("cpu")
        elif device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise UserError(f"--device {device}: CUDA is not available here")
            self.device = torch.device("cuda", local) if self.world > 1 else torch.device(device)
            # nccl and all_gather_object work on the current device: each process its own GPU.
            torch.cuda.set_device(self.device)
        else:
            raise UserError(f"--device {device}: expected cpu, cuda or cuda:N")
        self.distributed = "WORLD_SIZE" in os.environ
        if self.distributed:
            dist.init_process_group("nccl" if self.device.type == "cuda" else "gloo")

    def sum(self, values):
        """Figures summed over every process, so that each prints and records the same ones."""
        total = torch.tensor(values, dtype=torch.float64, device=self.device)
        if self.distributed:
            dist.all_reduce(total)
        return total.tolist()

    def same_buffers(self, module):
        """Rank 0's buffers (batch normalization's statistics) on every process."""
        if self.distributed:
            for buffer in module.buffers():
                dist.broadcast(buffer, 0)

    def gather(self, value):
        """Every process's value, in rank order."""
        if not self.distributed:
            return [value]
        values = [None] * self.world
        dist.all_gather_object(values, value)
        return values

    def shared_seed(self):
        """A seed drawn by rank 0, the same on every process."""
        seed = torch.tensor([int.from_bytes(os.urandom(4), "little")], device=self.device)
        if self.distributed:
            dist.broadcast(seed, 0)
        return int(seed.item())

    def close(self):
        if self.distributed:
            dist.destroy_process_group()


MARKER = ".nnc-pytorch-run.json"


RUN_FILES = ["checkpoint.pt", "run.json", "history.json", "weights.safetensors"]


def check_run_folder(folder, resume, overwrite):
    """Refuses a folder this script did not make (no marker) unless it is new or empty, and one
    that holds a run already unless resume continues it or overwrite replaces it."""
    if os.path.exists(folder) and not os.path.isdir(folder):
        raise UserError(f"{folder} is not a folder; choose another --run-dir")
    if resume and overwrite:
        raise UserError("--resume continues a run and --overwrite replaces it: give one of them")
    if folder == "":
        raise UserError("--run-dir is empty; name a folder")
    try:
        names = os.listdir(folder) if os.path.isdir(folder) else []
    except OSError as error:
        raise UserError(f"cannot read {folder}: {error.strerror}") from None
    others = [name for name in names if not name.startswith(".nnc-pytorch")]
    marker = os.path.join(folder, MARKER)
    if others and not os.path.isfile(marker):
        raise UserError(f"{folder} holds files this script did not write; choose another --run-dir")
    if os.path.isfile(marker):
        try:
            with open(marker, encoding="utf-8") as file:
                owner = json.load(file)
        except (OSError, ValueError):
            owner = None
        mine = {"format": "nnc-pytorch-run", "model": MODEL, "spec": spec_from(folder)}
        if not isinstance(owner, dict) or any(owner.get(k) != v for k, v in mine.items()):
            theirs = "another spec"
            if isinstance(owner, dict):
                theirs = f"{owner.get('spec')}'s {owner.get('model')}"
            raise UserError(f"{folder} is the run folder of {theirs}; choose another --run-dir")
    if resume and "checkpoint.pt" not in names:
        raise UserError(f"{folder} has no checkpoint.pt to resume from")
    if not resume and not overwrite and any(name in names for name in RUN_FILES):
        how = "--resume continues it, --overwrite replaces it, or choose another --run-dir"
        raise UserError(f"{folder} holds a run already: {how}")


def write_atomically(path, write):
    """write(temporary) then a rename, so that a killed run never leaves half a file."""
    temporary = os.path.join(os.path.dirname(path), f".nnc-pytorch-{os.getpid()}.tmp")
    write(temporary)
    os.replace(temporary, path)


def write_text(path, text):
    """A text file, written atomically."""

    def write(temporary):
        with open(temporary, "w", encoding="utf-8") as file:
            file.write(text)

    write_atomically(path, write)


def write_json(path, value):
    """A JSON file, written atomically."""
    write_text(path, json.dumps(value, indent=2) + "\\n")


def claim_run_folder(folder, overwrite):
    """Makes the folder this script's (rank 0 only); overwrite: removes the run files it holds."""
    os.makedirs(folder, exist_ok=True)
    marker = os.path.join(folder, MARKER)
    if not os.path.isfile(marker):
        write_json(marker, {"format": "nnc-pytorch-run", "model": MODEL, "spec": spec_from(folder)})
    # Temporary files of an earlier process of this script that was killed while writing.
    for name in os.listdir(folder):
        if name.startswith(".nnc-pytorch-") and name.endswith(".tmp"):
            os.remove(os.path.join(folder, name))
    for name in RUN_FILES if overwrite else []:
        path = os.path.join(folder, name)
        if os.path.isfile(path) and not os.path.islink(path):
            os.remove(path)


def spec_from(folder):
    """The spec's path relative to the run folder, as nnc import-weights finds it."""
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.relpath(os.path.join(here, SPEC), folder).replace(os.sep, "/")


def global_batches(rows, epoch, seed, processes):
    """This process's share of each global batch of an epoch, and the batch's size.

    One order of the rows for every process (a permutation from seed and epoch with SHUFFLE),
    cut into batches of BATCH_SIZE rows (the last one shorter); process r takes rows r, r + N,
    ... of each. No row is repeated, and an epoch has as many steps as on one process.
    """
    if SHUFFLE:
        order = torch.randperm(rows, generator=torch.Generator().manual_seed(seed + epoch))
    else:
        order = torch.arange(rows)
    for start in range(0, rows, BATCH_SIZE):
        batch = order[start : start + BATCH_SIZE]
        yield batch[processes.rank :: processes.world], len(batch)


def evaluate(module, dataset, processes, batch_size, factors):
    """The loss and metrics over a dataset: each process takes every world-th row; sums over all."""
    module.eval()
    sums = [0.0] * (2 + len(FIGURES))
    rows = torch.arange(processes.rank, len(dataset["x"]), processes.world)
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            x = dataset["x"][batch].to(processes.device)
            y = dataset["y"][batch].to(processes.device)
            add_figures(sums, module(x), y)
    return figures_of(processes.sum(sums), factors)


def add_figures(sums, output, target, losses=None):
    """Adds a batch's examples, loss (losses: weighted ones) and metrics, each summed, to sums."""
    losses = LOSS(output, target) if losses is None else losses
    values = [losses] + list(metric_values(output, target).values())
    sums[0] += len(output)
    for i, value in enumerate(values):
        sums[1 + i] += float(value.detach().double().sum())


def figures_of(sums, factors):
    """An epoch's figures from its sums: means over its examples (roots for ROOTS) by factors."""
    rows = max(sums[0], 1)
    figures = {name: sums[1 + i] / rows for i, name in enumerate(["loss"] + FIGURES)}
    figures = {name: math.sqrt(v) if name in ROOTS else v for name, v in figures.items()}
    return {name: v * factors.get(name, 1) for name, v in figures.items()}


def checksum(module):
    """The SHA-256 of the module's weights: processes of one run must hold the same ones."""
    digest = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        digest.update(name.encode("utf-8"))
        digest.update(tensor.detach().cpu().contiguous().numpy().tobytes())
    return digest.hexdigest()


def progress_line(epoch, epochs, milliseconds, figures):
    """An epoch as nnc train prints it: epoch 3/60 - 53ms - loss: 0.6761 - accuracy: 0.6917 ..."""
    shown = " - ".join(f"{name}: {value:.4f}" for name, value in figures.items() if name != "lr")
    return f"epoch {epoch}/{epochs} - {milliseconds}ms - {shown}"


def fit(arguments, processes):
    """Trains as the train block and the command line say; rank 0 saves the run."""
    folder, leader = arguments.run_dir, processes.rank == 0
    check_run_folder(folder, arguments.resume, arguments.overwrite)
    if arguments.resume and (arguments.init or arguments.seed is not None):
        why = "--resume goes on with the checkpoint's weights and seed"
        raise UserError(f"{why}: drop --init and --seed")
    checkpoint = None
    if arguments.resume:
        path = os.path.join(folder, "checkpoint.pt")
        try:
            saved = torch.load(path, map_location=processes.device, weights_only=True)
            checkpoint = unflatten(json.loads(saved["state"]), saved["tensors"])
        except Exception as error:  # pickle's, zip's, json's, torch's errors: the file is not ours
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            raise UserError(f"{path}: not a checkpoint this script wrote ({reason})") from None
    seed = arguments.seed if arguments.seed is not None else SEED
    if checkpoint:
        seed = checkpoint["seed"]
    if seed is None:
        seed = processes.shared_seed()
    epochs = arguments.epochs or (checkpoint["epochs"] if checkpoint else EPOCHS)
    data = load_data(seed)
    torch.manual_seed(seed)
    module = Model().to(processes.device)
    if arguments.init and not checkpoint:
        load_weights(module, arguments.init)
    optimizer = make_optimizer(module.parameters())
    callbacks = make_callbacks(folder, leader)
    history, start = [], 0
    if checkpoint:
        try:
            check_shapes(module, checkpoint["model"])
            module.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            for callback, state in zip(callbacks, checkpoint["callbacks"]):
                callback.load(state)
            history, start = checkpoint["history"], checkpoint["completed_epochs"]
        except (KeyError, TypeError, ValueError, RuntimeError) as error:
            reason = (str(error).splitlines() or [type(error).__name__])[0]
            problem = f"not a checkpoint of model {MODEL} ({reason})"
            raise UserError(f"{folder}/checkpoint.pt: {problem}") from None
        if start >= epochs:
            trained = f"{folder} has trained {start} epochs already"
            raise UserError(f"{trained}; give --epochs more than that")
    torch.manual_seed(seed + 1 + processes.rank + 1000 * start)
    if leader:
        try:
            claim_run_folder(folder, arguments.overwrite)
        except OSError as error:
            raise UserError(f"cannot write {folder}: {error.strerror or error}") from None
        if checkpoint:
            print(f"resuming at epoch {start + 1}/{epochs}", flush=True)
    model = module
    if processes.distributed:
        on_gpu = processes.device.type == "cuda"
        model = DistributedDataParallel(module, device_ids=[processes.device] if on_gpu else None)
    training = data["training"]
    rows = len(training["x"])
    steps = math.ceil(rows / BATCH_SIZE)
    initial_rate = LEARNING_RATE
    factors = {name: data["scale"] ** power for name, power in UNITS.items()}
    for epoch in range(start, epochs):
        began = time.monotonic()
        model.train()
        sums = [0.0] * (2 + len(FIGURES))
        for step, (share, size) in enumerate(global_batches(rows, epoch, seed, processes)):
            if scheduled_rate:
                set_rate(optimizer, scheduled_rate(initial_rate, epoch * steps + step))
            x, y, w = (training[name][share].to(processes.device) for name in ("x", "y", "w"))
            output = model(x)
            losses = LOSS(output, y)
            losses = losses * w.reshape([-1] + [1] * (losses.dim() - 1))
            # The batch's mean loss times N: DistributedDataParallel's mean of the N gradients is
            # then the gradient of the global batch's mean, whatever each process's share of it.
            per_row = losses.flatten(1).mean(1) if losses.dim() > 1 else losses
            loss = per_row.sum() * processes.world / size
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            add_figures(sums, output, y, losses)
        figures = figures_of(processes.sum(sums), factors)
        processes.same_buffers(module)
        if data["validation"] is not None:
            validation = evaluate(module, data["validation"], processes, BATCH_SIZE, factors)
            figures.update({f"val_{name}": value for name, value in validation.items()})
        figures["lr"] = optimizer.param_groups[0]["lr"]
        history.append(dict(epoch=epoch + 1, **figures))
        milliseconds = round((time.monotonic() - began) * 1000)
        if leader:
            print(progress_line(epoch + 1, epochs, milliseconds, figures), flush=True)
        stop = [callback.epoch_end(epoch, figures, module, optimizer) for callback in callbacks]
        if not math.isfinite(figures["loss"]):
            loss = figures["loss"]
            raise UserError(f"epoch {epoch + 1}: the loss is {loss}; try a lower learning_rate")
        if leader:
            save_checkpoint(folder, module, optimizer, callbacks, history, seed, epochs)
        if any(stop):
            break
    restored = [r for r in (callback.train_end(module) for callback in callbacks) if r is not None]
    if restored and leader:
        print(f"Restoring model weights from the end of the best epoch: {restored[0]}.", flush=True)
    processes.same_buffers(module)
    test = None
    if data["test"] is not None:
        test = evaluate(module, data["test"], processes, BATCH_SIZE, factors)
        if leader:
            shown = " - ".join(f"test_{name}: {value:.4f}" for name, value in test.items())
            rows = len(data["test"]["x"])
            print(f"test on {data['test']['source']} ({rows} rows): {shown}", flush=True)
    checksums = processes.gather(checksum(module))
    if leader:
        about = data["about"]
        save_run(folder, module, history, about, processes.world, epochs, test, restored, checksums)


def load_weights(module, path):
    """--init: the module's weights from a safetensors file (nnc export-weights writes one)."""
    try:
        tensors = load_safetensors(path)
        check_shapes(module, tensors)
        missing, unexpected = module.load_state_dict(tensors, strict=False)
    except (OSError, ValueError, RuntimeError) as error:
        reason = (str(error).splitlines() or ["unreadable"])[0]
        raise UserError(f"--init {path}: {reason}") from None
    except (KeyError, TypeError, AttributeError, IndexError, struct.error):
        # A header that is JSON but not a safetensors header (an entry without dtype, a list, ...).
        raise UserError(f"--init {path}: not a safetensors file (a malformed header)") from None
    # nnc export-weights writes weights only: batch normalization's step counters may be missing.
    missing = [key for key in missing if not key.endswith(".num_batches_tracked")]
    if missing or unexpected:
        keys = ", ".join(missing[:3] + unexpected[:3])
        raise UserError(f"--init {path}: not the weights of model {MODEL} ({keys})")


def check_shapes(module, tensors):
    """A ValueError naming the first tensor whose shape is not the module's."""
    own = module.state_dict()
    for name, tensor in tensors.items():
        if name in own and tuple(tensor.shape) != tuple(own[name].shape):
            shapes = f"{list(tensor.shape)}, the model's is {list(own[name].shape)}"
            raise ValueError(f"not the weights of model {MODEL}: {name} is {shapes}")


def save_checkpoint(folder, module, optimizer, callbacks, history, seed, epochs):
    """checkpoint.pt: everything --resume needs to go on after the last finished epoch."""
    state = {
        "format": "nnc-pytorch-checkpoint",
        "completed_epochs": len(history),
        "epochs": epochs,
        "seed": seed,
        "model": module.state_dict(),
        "optimizer": optimizer.state_dict(),
        "callbacks": [callback.state() for callback in callbacks],
        "history": history,
    }
    tensors = []
    saved = {"state": json.dumps(flatten(state, tensors)), "tensors": tensors}
    path = os.path.join(folder, "checkpoint.pt")
    write_atomically(path, lambda temporary: torch.save(saved, temporary))


def flatten(value, tensors):
    """value as JSON, each tensor appended to tensors and replaced by {"tensor": index}:
    torch 1.13's weights_only loader takes tensors, lists and dicts but not pickled floats."""
    if isinstance(value, torch.Tensor):
        tensors.append(value)
        return {"tensor": len(tensors) - 1}
    if isinstance(value, dict):
        return {"pairs": [[flatten(k, tensors), flatten(v, tensors)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [flatten(item, tensors) for item in value]
    return value


def unflatten(value, tensors):
    """flatten's inverse."""
    if isinstance(value, dict):
        if "tensor" in value:
            return tensors[value["tensor"]]
        return {unflatten(k, tensors): unflatten(v, tensors) for k, v in value["pairs"]}
    if isinstance(value, list):
        return [unflatten(item, tensors) for item in value]
    return value


def save_run(folder, module, history, about, world, epochs, test, restored, checksums):
    """weights.safetensors, history.json and run.json (rank 0)."""
    weights = {name: tensor for name, tensor in module.state_dict().items()}
    metadata = {"model": MODEL, "format": "nnc-pytorch"}
    save_safetensors(os.path.join(folder, "weights.safetensors"), weights, metadata)
    write_json(os.path.join(folder, "history.json"), history)
    final = {name: value for name, value in history[-1].items() if name not in ("epoch", "lr")}
    run = {
        "format": "nnc-pytorch-run",
        "version": 1,
        "model": MODEL,
        "spec": spec_from(folder),
        "torch": torch.__version__,
        "world_size": world,
        "epochs": epochs,
        "completed_epochs": len(history),
        "restored_epoch": restored[0] if restored else None,
        "final": final,
        "test": test,
        "data": {"labels": about["labels"], "preprocessing": about["preprocessing"]},
        "weights_sha256": checksums,
    }
    write_json(os.path.join(folder, "run.json"), run)
    if len(set(checksums)) > 1:
        print("warning: the processes ended with different weights (see run.json's weights_sha256)")
    files = "checkpoint.pt, history.json, run.json, weights.safetensors"
    print(f"saved {folder}{os.sep} ({files})", flush=True)


def positive(text):
    """An argparse type: a whole number of at least 1."""
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return int(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--run-dir",
        default=os.path.join("runs", f"{MODEL}-pytorch"),
        help="the run folder (default: %(default)s): new, empty, or one this script made",
    )
    resume = "continue from the run folder's checkpoint.pt"
    parser.add_argument("--resume", action="store_true", help=resume)
    overwrite = "replace the run the run folder holds (by default such a folder is refused)"
    parser.add_argument("--overwrite", action="store_true", help=overwrite)
    epochs = f"train to this many epochs (default {EPOCHS})"
    parser.add_argument("--epochs", type=positive, help=epochs)
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda or cuda:N")
    parser.add_argument("--init", metavar="FILE", help="start from these weights (.safetensors)")
    seed = "the seed of the row order, the initial weights and dropout"
    parser.add_argument("--seed", type=int, help=seed)
    arguments = parser.parse_args()
    # DDP compares a gradient's strides with its bucket's, a size-1 axis's too (a convolution of
    # one input channel): that warning says nothing about the training.
    warnings.filterwarnings("ignore", message="Grad strides do not match bucket view strides")
    # SIGTERM (a scheduler's, timeout's, torchrun's) ends the run as Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    processes = None
    try:
        processes = Processes(arguments.device)
        fit(arguments, processes)
    except UserError as error:
        sys.exit(f"error: {error}")
    except OSError as error:  # the run folder's files: a full disk, a folder made read-only
        where = error.filename or arguments.run_dir
        sys.exit(f"error: cannot write {where}: {error.strerror or error}")
    except KeyboardInterrupt:
        sys.exit("interrupted: continue with --resume")
    finally:
        if processes is not None:
            processes.close()


if __name__ == "__main__":
    main()
`.trimStart();
