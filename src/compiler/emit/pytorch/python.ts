/**
 * Printing Python: literals, identifiers, and the safetensors reader and writer every emitted script carries
 * (Debian's PyTorch has no `safetensors` package, and the format is a length, a JSON header and raw bytes).
 */
import type { JsonValue } from "../../ir/index.js";

/** A JSON value as a Python literal: `True`, `None`, `1e-05`, `"relu"`, `[1, 2]`, `{"a": 1}`. */
export function py(value: JsonValue): string {
  if (value === null) return "None";
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "number") return pyNumber(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(py).join(", ")}]`;
  const entries = Object.entries(value as { readonly [key: string]: JsonValue });
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${py(v)}`).join(", ")}}`;
}

/** A number as Python reads it back exactly: integers as integers, others with their shortest round trip. */
export function pyNumber(value: number): string {
  if (Number.isNaN(value)) return 'float("nan")';
  if (!Number.isFinite(value)) return value > 0 ? 'float("inf")' : 'float("-inf")';
  return String(value);
}

/** A tuple literal: `(3, 3)`, `(2,)`. */
export function pyTuple(values: readonly (number | string)[]): string {
  const items = values.map((v) => (typeof v === "number" ? pyNumber(v) : v));
  return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
}

const keywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield"
  ).split(" "),
);

/**
 * A name as a Python identifier: characters other than letters, digits and `_` become `_` (`Base/conv2d` ->
 * `Base_conv2d`, `conv2d:1` -> `conv2d_1`), a leading digit or a keyword gets a `_` in front. Callers that need
 * unique names keep a set of those taken (`PyScope`).
 */
export function pyIdentifier(name: string): string {
  let id = name.replace(/[^A-Za-z0-9_]/g, "_");
  if (id === "" || /^[0-9]/.test(id) || keywords.has(id)) id = `_${id}`;
  return id;
}

/** Unique Python identifiers within one scope (a module's attributes, a function's locals). */
export class PyScope {
  private readonly taken = new Set<string>();

  constructor(reserved: readonly string[] = []) {
    for (const name of reserved) this.taken.add(name);
  }

  /** `pyIdentifier(name)`, or it with `_2`, `_3`, ... when taken. */
  claim(name: string): string {
    const base = pyIdentifier(name);
    let id = base;
    for (let n = 2; this.taken.has(id); n++) id = `${base}_${n}`;
    this.taken.add(id);
    return id;
  }
}

/**
 * `save_safetensors(path, tensors, metadata)` and `load_safetensors(path)` in Python, for float32 and int64
 * tensors: an 8-byte little-endian header length, a JSON header (`{"name": {"dtype", "shape", "data_offsets"}}`,
 * `__metadata__` of strings), then the bytes. The writer writes a temporary file and renames it, so a killed
 * run never leaves half a file. src/io/safetensors.ts reads and writes the same format in TypeScript.
 */
export const safetensorsPython = `
SAFETENSORS_DTYPES = {torch.float32: "F32", torch.int64: "I64", torch.int32: "I32"}
SAFETENSORS_TORCH = {name: dtype for dtype, name in SAFETENSORS_DTYPES.items()}


def save_safetensors(path, tensors, metadata=None):
    """Writes tensors (name -> tensor) as a safetensors file, atomically."""
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        data = tensor.numpy().tobytes()
        header[name] = {
            "dtype": SAFETENSORS_DTYPES[tensor.dtype],
            "shape": list(tensor.shape),
            "data_offsets": [offset, offset + len(data)],
        }
        chunks.append(data)
        offset += len(data)
    if metadata:
        header["__metadata__"] = {key: str(value) for key, value in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    temporary = f"{path}.{os.getpid()}.tmp"
    with open(temporary, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for chunk in chunks:
            file.write(chunk)
    os.replace(temporary, path)


def load_safetensors(path):
    """Reads a safetensors file: name -> tensor (float32, int64 or int32)."""
    with open(path, "rb") as file:
        raw = file.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: not a safetensors file (shorter than its 8-byte header length)")
    (length,) = struct.unpack("<Q", raw[:8])
    if length > len(raw) - 8:
        raise ValueError(f"{path}: not a safetensors file (its header length passes its end)")
    header = json.loads(raw[8 : 8 + length])
    body = raw[8 + length :]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        dtype = SAFETENSORS_TORCH.get(entry["dtype"])
        if dtype is None:
            dtype = entry["dtype"]
            raise ValueError(f"{path}: tensor {name!r} has dtype {dtype}, not F32, I64 or I32")
        start, end = entry["data_offsets"]
        if end > start:
            tensor = torch.frombuffer(bytearray(body[start:end]), dtype=dtype)
        else:
            tensor = torch.zeros(0, dtype=dtype)
        tensors[name] = tensor.reshape(entry["shape"])
    return tensors
`.trimStart();
