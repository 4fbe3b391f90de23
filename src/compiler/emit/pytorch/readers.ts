/**
 * The Python readers of an emitted PyTorch script's data sources (csv and json tables, idx, npy), the same text
 * in every script: they read a source as nnc's runtime does (src/runtime/data/), as data.ts's comment says, and
 * prepare it for the model (classes, normalization, target encoding, the split). data.ts prints the train
 * block's calls of them (`load_data()`).
 */

/** Python reading of the sources, the same for every script. */
export const dataPython = `
class UserError(Exception):
    """A mistake of the user's (a missing file, a bad row, a foreign folder): one line, no trace."""


# ASCII digits only, as JavaScript's \\d: float() would take any script's digits ("\\u0665.1").
DECIMAL = re.compile(r"^[+-]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][+-]?\\d+)?$", re.ASCII)
FLOAT32_MAX = 3.4028234663852886e38


def data_path(relative):
    """A data file named relative to this script (an absolute path stays as it is)."""
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), relative)


def shown(path):
    """A path as messages show it: relative to the working directory when it is below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def cell_number(text, where, what):
    """The number a cell holds, written in decimal and finite as a 32-bit float, as nnc reads it."""
    if text == "":
        raise UserError(f"{where}: {what}: the value is empty")
    if not DECIMAL.match(text) or abs(float(text)) > FLOAT32_MAX:
        raise UserError(f"{where}: {what}: '{text[:40]}' is not a finite decimal number")
    return float(text)


def label_text(value):
    """A label as nnc's runtime writes it (JavaScript's String()): 1.0 is "1", True is "true"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_records(path, kind):
    """The records of a csv (header, then rows) or JSON Lines file: [(line, {field: value})]."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as file:
            if kind == "csv":
                reader = csv.reader(file)
                rows = [(reader.line_num, r) for r in reader if any(cell.strip() for cell in r)]
                if not rows:
                    raise UserError(f"{shown(path)}: the file is empty; expected a header row")
                header = [name.strip() for name in rows[0][1]]
                for line, row in rows[1:]:
                    if len(row) != len(header):
                        expected = f"expected {len(header)} fields, got {len(row)}"
                        raise UserError(f"{shown(path)}:{line}: {expected}")
                cells = [(line, [cell.strip() for cell in row]) for line, row in rows[1:]]
                return header, [(line, dict(zip(header, row))) for line, row in cells]
            text = file.read()
            if text.lstrip().startswith("["):
                return json_array(text, path)
            records = []
            for line, written in enumerate(text.splitlines(), 1):
                if written.strip():
                    try:
                        record = json.loads(written)
                    except ValueError as error:
                        record = error
                    if not isinstance(record, dict):
                        raise UserError(f"{shown(path)}:{line}: not a JSON object ({record})")
                    records.append((line, record))
            return (list(records[0][1]) if records else []), records
    except OSError as error:
        raise UserError(f"cannot read {shown(path)}: {error.strerror}") from None


def json_array(text, path):
    """A file of one JSON array of records: its fields (the first record's), records by position."""
    try:
        records = list(enumerate(json.loads(text), 1))
    except ValueError as error:
        raise UserError(f"{shown(path)}: not valid JSON ({error})") from None
    if not all(isinstance(record, dict) for _, record in records):
        raise UserError(f"{shown(path)}: expected an array of JSON objects")
    return (list(records[0][1]) if records else []), records


def read_table(args, kind):
    """A csv() or json() source: features (rows x columns), raw labels, each row's line."""
    path, label, weight = args["path"], args.get("label"), args.get("sample_weight")
    fields, records = read_records(path, kind)
    features = args.get("features") or [name for name in fields if name not in (label, weight)]
    for name in features + [name for name in (label, weight) if name]:
        if name not in fields:
            columns = ", ".join(fields)
            raise UserError(f"{shown(path)}: no column '{name}'; the columns are {columns}")
    x, labels, lines, weights = [], [], [], []
    for line, record in records:
        where = f"{shown(path)}:{line}"
        read = features + [name for name in (weight, label) if name]
        values = [record.get(name, "") for name in read]
        if args.get("missing") == "drop" and any(value in ("", None) for value in values):
            continue
        if kind == "csv":
            x.append([cell_number(record[name], where, f"column '{name}'") for name in features])
        else:
            x.append([json_number(record.get(name), where, name) for name in features])
        if label:
            if values[-1] in ("", None):
                raise UserError(f"{where}: column '{label}': the label is empty")
            labels.append(label_text(values[-1]))
        if weight:
            weights.append(sample_weight(record.get(weight), where, weight))
        lines.append(line)
    if not lines:
        raise UserError(f"{shown(path)}: no rows to train on")
    x = np.array(x, dtype=np.float32)
    table = {"source": shown(path), "x": x, "labels": labels, "lines": lines, "features": features}
    if weight:
        table["weights"] = weights
    return dict(table, label=label or "")


def sample_weight(value, where, column):
    """A row's sample_weight: a finite number, 0 or more (a CSV cell's text, or a JSON number)."""
    number = value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if isinstance(value, str) and DECIMAL.match(value):
        number = float(value)
    if number is None or not 0 <= number <= FLOAT32_MAX:
        problem = "a sample weight is a finite number, 0 or more"
        raise UserError(f"{where}: column '{column}': the sample weight is {value!r}; {problem}")
    return float(number)


def json_number(value, where, name):
    """A JSON field that must be a finite number."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or abs(value) > FLOAT32_MAX:
        raise UserError(f"{where}: field '{name}': {json.dumps(value)[:40]} is not a finite number")
    return float(value)


def read_idx_file(path):
    """An IDX file (plain or gzip): its dimensions and unsigned bytes."""
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        raise UserError(f"cannot read {shown(path)}: {error.strerror}") from None
    try:
        if raw[:2] == b"\\x1f\\x8b":
            raw = gzip.decompress(raw)
        if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
            raise UserError(f"{shown(path)}: not an IDX file of unsigned bytes")
        dims = struct.unpack(f">{raw[3]}I", raw[4 : 4 + 4 * raw[3]])
    except (EOFError, OSError, zlib.error, struct.error) as error:
        raise UserError(f"{shown(path)}: a truncated or damaged IDX file ({error})") from None
    values = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * raw[3])
    if values.size != math.prod(dims):
        raise UserError(f"{shown(path)}: {values.size} values for dimensions {list(dims)}")
    return values.reshape(dims)


def read_npy_file(path):
    """A .npy array, never unpickled."""
    try:
        array = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise UserError(f"cannot read {shown(path)}: {error}") from None
    # As nnc reads .npy: numbers only (no complex values, no strings).
    if array.dtype.kind not in "biuf":
        raise UserError(f"{shown(path)}: dtype '{array.dtype.str}' is not supported")
    return array


def read_source(kind, args, training=None):
    """A data source as nnc's runtime reads it: features, one raw label (or target row) per example.

    training: the training source's table, whose feature columns another source is read by.
    """
    if training is not None and "features" in training:
        args = dict(args, features=training["features"])
    table = read_arrays(kind, args)
    table.update(kind=kind, normalize=args.get("normalize"), scale=args.get("scale", True))
    return table


def read_arrays(kind, args):
    """read_source's tables and arrays, before they are labelled with how they were read."""
    if kind in ("csv", "json"):
        return read_table(args, kind)
    if kind == "idx":
        images = read_idx_file(args["images"])
        x = images.astype(np.float32) / (255.0 if args.get("scale", True) else 1.0)
        labels = []
        if "labels" in args:
            labels = [str(v) for v in read_idx_file(args["labels"]).reshape(-1)]
        if labels and len(labels) != len(x):
            raise UserError(f"{shown(args['labels'])}: {len(labels)} labels for {len(x)} images")
        lines = list(range(1, len(x) + 1))
        table = {"source": shown(args["images"]), "x": x, "labels": labels, "lines": lines}
        return dict(table, label="label")
    x = read_npy_file(args["x"]).astype(np.float32)
    y = read_npy_file(args["y"]) if "y" in args else None
    if y is not None and len(y) != len(x):
        raise UserError(f"{shown(args['y'])}: {len(y)} rows for the {len(x)} of {shown(args['x'])}")
    single = y is not None and (y.ndim == 1 or (y.ndim == 2 and y.shape[1] == 1))
    labels = [label_text(v.item()) for v in y.reshape(-1)] if single else []
    targets = None if single or y is None else y.astype(np.float32)
    lines = list(range(1, len(x) + 1))
    table = {"source": shown(args["x"]), "x": x, "labels": labels, "lines": lines}
    return dict(table, targets=targets, label="y")


def sorted_classes(labels):
    """Distinct labels in nnc's order: by value when every label is a number, else by code point."""
    distinct = set(labels)
    if all(DECIMAL.match(label) for label in distinct):
        return sorted(distinct, key=float)
    return sorted(distinct)


def normalization_of(x, mode):
    """normalize: standard (mean 0, population deviation 1) or minmax ([0, 1]), fitted on x."""
    x = x.astype(np.float64)
    if mode == "standard":
        return {"mode": mode, "shift": x.mean(0).tolist(), "scale": x.std(0).tolist()}
    return {"mode": mode, "shift": x.min(0).tolist(), "scale": (x.max(0) - x.min(0)).tolist()}


def normalized(x, normalization):
    """x scaled as normalization says; a constant column (scale 0) becomes 0."""
    shift = np.array(normalization["shift"], dtype=np.float64)
    scale = np.array(normalization["scale"], dtype=np.float64)
    safe = np.where(scale == 0, 1, scale)
    return np.where(scale == 0, 0, (x - shift) / safe).astype(np.float32)


def prepare(table, training, settings):
    """A source's tensors for the model: features scaled and shaped, targets encoded for the loss.

    training: the training source's prepared set (its classes and scaling); None for that source.
    """
    x = table["x"]
    if "features" in table:
        normalization = training["about"]["preprocessing"]["normalization"] if training else None
        if training is None and table.get("normalize"):
            normalization = normalization_of(x, table["normalize"])
        if normalization:
            x = normalized(x, normalization)
    else:
        normalization = None
    shape = settings["input_shape"]
    values = int(np.prod(x.shape[1:]))
    if -1 not in shape and (x.ndim < 2 or values != math.prod(shape)):
        each = f"each example of {table['source']} has shape {list(x.shape[1:])} ({values} values)"
        raise UserError(f"[NN4007] the input of model '{MODEL}' has shape {shape}, but {each}")
    dtype = torch.int64 if settings["input_dtype"] == "int32" else torch.float32
    x = torch.from_numpy(np.ascontiguousarray(x))
    x = x.reshape([len(x)] + settings["input_shape"]).to(dtype)
    encoding = settings["encoding"]
    classes = training["about"]["classes"] if training else None
    if table.get("targets") is not None:
        y = torch.from_numpy(table["targets"])
    elif encoding == "value":
        places = [f"{table['source']}:{line}" for line in table["lines"]]
        values = [[cell_number(v, where, "label")] for v, where in zip(table["labels"], places)]
        y = torch.tensor(values, dtype=torch.float32)
    else:
        if classes is None:
            classes = sorted_classes(table["labels"])
            check_units(classes, table, settings)
        index = {name: i for i, name in enumerate(classes)}
        for label, line in zip(table["labels"], table["lines"]):
            if label not in index:
                known = ", ".join(classes)
                where = f"{table['source']}:{line}"
                problem = f"label '{label}' is not one of the training classes ({known})"
                raise UserError(f"{where}: {problem}")
        indices = torch.tensor([index[label] for label in table["labels"]], dtype=torch.int64)
        if encoding == "one-hot":
            y = F.one_hot(indices, len(classes)).float()
        else:
            y = indices.unsqueeze(1)
    about = training["about"] if training else about_data(table, normalization, classes)
    w = torch.tensor(table.get("weights", [1.0] * len(x)), dtype=torch.float32)
    return {"x": x, "y": y, "w": w, "about": about, "source": table["source"]}


def check_units(classes, table, settings):
    """nnc's NN4007: the training classes must fit the output units (one per class, or 1 for 2)."""
    units, count, one_hot = settings["units"], len(classes), settings["encoding"] == "one-hot"
    if one_hot or units != 1:
        fits = units == count if one_hot else units is None or units >= count
    else:
        fits = count <= 2
    if fits:
        return
    if units == 1 and one_hot and count == 2:
        advice = "; with one output unit, use loss: binary_crossentropy"
    elif units == 1:
        sparse = f"for {count} use sparse_categorical_crossentropy"
        advice = f"; binary_crossentropy fits two classes, {sparse}"
    else:
        advice = ""
    shown = ", ".join(classes[:20]) + (", ..." if count > 20 else "")
    column, source = table["label"], table["source"]
    labels = f"the labels in column '{column}' of {source} need shape [{count}]"
    need = f"{labels}: one output per class ({count} classes: {shown}){advice}"
    outputs = f"model '{MODEL}' outputs shape {settings['output_shape']}"
    raise UserError(f"[NN4007] {outputs}, but {need}")


def about_data(table, normalization, classes):
    """What run.json's data part records (nnc's labels.json and preprocessing.json)."""
    kind = table["kind"]
    preprocessing = {
        "source": kind,
        "label": table["label"],
        "features": table.get("features", []),
        "normalization": normalization,
    }
    if kind == "idx":
        preprocessing["scale"] = table["scale"]
    labels = {"column": preprocessing["label"], "classes": classes} if classes else None
    return {"classes": classes, "labels": labels, "preprocessing": preprocessing}


def scale_targets(sets):
    """normalize_target: standard: targets to mean 0 and deviation 1 by the training rows'."""
    y = sets["training"]["y"].double()
    shift, scale = y.mean().item(), y.std(unbiased=False).item() or 1.0
    scaling = {"mode": "standard", "shift": shift, "scale": scale}
    for name in ("training", "validation", "test"):
        if sets[name] is not None:
            sets[name]["y"] = ((sets[name]["y"] - scaling["shift"]) / scaling["scale"]).float()
    sets["about"]["preprocessing"]["targetScaling"] = [scaling]
    return scaling["scale"]


def row_order(rows, shuffle, seed):
    """The order rows are split in: with shuffle, a seeded permutation (numpy's, not nnc's)."""
    return np.random.RandomState(seed).permutation(rows) if shuffle else np.arange(rows)


def split(prepared, order, fraction):
    """The training rows first in order, the last fraction held out for validation."""
    rows = len(order)
    kept = rows if fraction is None else math.floor(rows * (1 - fraction))
    if kept == 0 or (fraction and kept == rows):
        raise UserError(f"{rows} rows: too few to hold out validation_split {fraction} of them")
    train, held = torch.from_numpy(order[:kept]), torch.from_numpy(order[kept:])
    validation = {"x": prepared["x"][held], "y": prepared["y"][held]} if fraction else None
    training = {name: prepared[name][train] for name in ("x", "y", "w")}
    return {"training": training, "validation": validation}


def weigh_classes(sets, weights):
    """class_weight: each training row's weight times its class's (balanced: n / (k * n_c))."""
    y, classes = sets["training"]["y"], sets["about"]["classes"]
    indices = y.reshape(-1) if y.dtype == torch.int64 else y.argmax(-1)
    if weights == "balanced":
        counts = torch.bincount(indices, minlength=len(classes)).tolist()
        if 0 in counts:
            empty = classes[counts.index(0)]
            problem = f"class '{empty}' has no training rows"
            raise UserError(f"class_weight: balanced weighs classes by their rows, but {problem}")
        table = [len(indices) / (len(classes) * count) for count in counts]
    else:
        table = [weights.get(name, 1.0) for name in classes]
    factors = torch.tensor(table, dtype=torch.float32)[indices]
    sets["training"]["w"] = sets["training"]["w"] * factors
`.trimStart();
