/**
 * The columns `nnc predict` gives each output, here so that the runtime, which names them, and the checker,
 * which refuses output names that would repeat one (NN2035), read one definition. A classifier's output gives
 * its predicted class and one probability per class (`predicted`, `p_cat`, ...); any other output its values
 * (`price`, or `price_0`, `price_1`, ... for several a row). With several outputs, a classifier's columns
 * start with its output's name (`kind_predicted`, `kind_p_cat`).
 */

/** A classifier's columns: the predicted class, then each class's probability, after `prefix` (`kind_`). */
export function classColumns(prefix: string, classes: readonly string[]): string[] {
  return [`${prefix}predicted`, ...classes.map((name) => `${prefix}p_${name}`)];
}

/** The columns of an output's raw values, `width` a row: `label`, or `label_0`, `label_1`, ... */
export function valueColumns(label: string, width: number): string[] {
  return width === 1 ? [label] : Array.from({ length: width }, (_, i) => `${label}_${i}`);
}

/**
 * The column of output `other` (of `width` values a row, when known) that an output named `name` would repeat,
 * whatever `other`'s classes and whether it is a classifier; undefined when none. An output's own columns all
 * start with its name, so one named `kind_p` would repeat `kind`'s class columns too.
 */
export function repeatedColumn(name: string, other: string, width: number | undefined): string | undefined {
  const [predicted] = classColumns(`${other}_`, []);
  if (name === predicted) return name;
  if (name === `${other}_p` || name.startsWith(`${other}_p_`)) return `${other}_p_<class>`;
  const index = /^(\d+)$/.exec(name.slice(other.length + 1))?.[1];
  const values = width === undefined || width > 1;
  if (name.startsWith(`${other}_`) && index !== undefined && values && (width === undefined || +index < width)) {
    return valueColumns(other, Math.max(width ?? 0, +index + 1))[+index];
  }
  return undefined;
}
