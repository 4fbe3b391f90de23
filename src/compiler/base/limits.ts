/**
 * Every limit nnc puts on what it reads, in one table. A spec, a data file or a saved run past one of these
 * is a located diagnostic, never a hang, a stack overflow or an out-of-memory. docs/security.md lists this
 * table (a test keeps the two equal); `override` names the command-line flag that raises a limit, where
 * raising it makes sense.
 *
 * The compiler and the language server read these; so do the runtime's data readers. Nothing here imports
 * anything: `nnc check` loads it at start.
 */
export interface Limit {
  /** The value in force unless overridden. */
  readonly value: number;
  /** What is counted, as docs/security.md says it: "bytes in one .nn file". */
  readonly counts: string;
  /** The flag that raises it, if any. */
  readonly override?: string;
}

export const limits = {
  /**
   * A `.nn` file larger than this is not parsed (imports included). A spec of 1 MiB is some 35,000 layer
   * lines; parsing it takes seconds and a few hundred MB (Chevrotain's syntax tree is about 300 bytes per byte).
   */
  sourceBytes: { value: 1024 * 1024, counts: "bytes in one .nn file" },
  /** Brackets, parentheses (calls too), braces (model, block and `repeat` bodies) and unary minuses open at once. */
  nesting: { value: 64, counts: "levels open at once in a .nn file: brackets, parentheses, braces, unary minuses" },
  /** Syntax errors reported for one file; parsing stops collecting after this many. */
  syntaxErrors: { value: 100, counts: "syntax errors reported for one file" },
  /** Diagnostics of every kind shown for one file; the rest are counted in one NN1010. */
  diagnostics: { value: 200, counts: "diagnostics shown for one file (the rest are counted)" },
  /**
   * Terms in one arithmetic expression (`a + b + ...`), those in parentheses and call arguments in it included.
   * A sum is a tree as deep as it is long: this keeps every walk over it (JSON.stringify's too) off the stack's
   * end, with room to spare (V8's JSON.stringify fails near 5,000 levels).
   */
  expressionTerms: { value: 1_000, counts: "terms in one arithmetic expression" },
  /** Files one check reads: the spec and everything it imports, directly or not. */
  imports: { value: 256, counts: "files read by one check (the spec and its imports)" },
  /** Layer and block calls in one model after every `repeat` and block call is expanded (each is checked). */
  expandedLayers: {
    value: 100_000,
    counts: "layer and block calls in one model once repeats and blocks are expanded",
    override: "--max-layers",
  },
  /**
   * Statements run while one model is checked, each repetition of a `repeat` and each block call counting its
   * statements again. Calls are bounded by `expandedLayers`; this bounds the statements that call nothing
   * (`repeat 1000000000 { h = x }`), which would otherwise run for minutes.
   */
  statementsRun: {
    value: 1_000_000,
    counts: "statements run to check one model (a repeat runs its body each time round)",
  },
  /**
   * Block calls open at once: a block calling a block calling a block... Checking follows each call into the
   * block's body, so a chain of a thousand blocks would run off the end of the stack.
   */
  blockDepth: { value: 256, counts: "block calls open at once (a block calling a block calling ...)" },
  /** Parameters of one model (weights and biases, trainable or not). */
  parameters: { value: 1_000_000_000, counts: "parameters in one model", override: "--max-params" },
  /** Symbols in one symbolic size: `seq + len` has two. Each arithmetic step costs as much as the size is long. */
  sizeSymbols: { value: 64, counts: "names in one symbolic size (seq + len + ...)" },
  /** Bytes of one record (a CSV line, a JSON Lines line) of a data file. */
  recordBytes: { value: 16 * 1024 * 1024, counts: "bytes in one record of a data file (a CSV or JSON Lines line)" },
  /** Depth of a JSON value in a JSON Lines record or a loaded JSON file. */
  jsonDepth: { value: 64, counts: "levels of nesting in one JSON value" },
  /** A data file read whole rather than streamed: a JSON array, an IDX file's inflated gzip data, predict's input. */
  wholeDataBytes: {
    value: 256 * 1024 * 1024,
    counts: "bytes of a data file read whole (a JSON array, gzip IDX data once inflated, nnc predict's input)",
  },
  /** Image files an images() folder lists (every class), or `nnc predict` is given. */
  imageFiles: { value: 1_000_000, counts: "image files in one images() folder (or given to nnc predict)" },
  /** One image file, read whole to be decoded. */
  imageBytes: { value: 64 * 1024 * 1024, counts: "bytes in one image file" },
  /** Width x height of one image, read from its header before it is decoded (nothing is allocated past it). */
  imagePixels: { value: 50_000_000, counts: "pixels in one image (width x height, from its header)" },
  /** Folders below a class folder of images() (or a folder given to `nnc predict`). */
  imageFolderDepth: { value: 32, counts: "folder levels below a class folder of images()" },
  /** Class folders of one images() folder (each an output of the model). */
  imageClasses: { value: 100_000, counts: "class folders in one images() folder" },
  /** Files and folders of any kind looked at while an images() folder (or a folder given to predict) is listed. */
  imageFolderEntries: {
    value: 10_000_000,
    counts: "files and folders looked at while listing one images() folder",
  },
  /** Values of one example an images() source makes (height x width x channels), checked by nnc check. */
  imageExampleValues: {
    value: 16_777_216,
    counts: "values in one example of an images() source (height x width x channels)",
  },
  /** Characters of one text of a text() source (or of nnc predict's input for one). */
  textChars: { value: 1_000_000, counts: "characters in one text of a text() source" },
  /** Tokens of one text, n-grams included, once standardized and split. */
  textTokens: { value: 100_000, counts: "tokens in one text of a text() source (n-grams included)" },
  /**
   * Distinct tokens counted while a text() vocabulary is fitted, before it is cut to max_tokens: Keras counts
   * every one; this bounds the memory the counting takes.
   */
  textDistinctTokens: {
    value: 2_000_000,
    counts: "distinct tokens counted to fit a text() vocabulary (before max_tokens cuts it)",
  },
  /** Rows of one text() source, which is read whole. */
  textRows: { value: 10_000_000, counts: "rows of one text() source" },
  /** A JSON file of a saved run (model.json, history.json, a checkpoint's state.json...). */
  savedJsonBytes: { value: 256 * 1024 * 1024, counts: "bytes in one JSON file of a saved run or checkpoint" },
  /** Configurations of a sweep's grid: each is checked before any trains, and each is a training run. */
  sweepConfigurations: { value: 10_000, counts: "configurations of a sweep's grid" },
  /** Trials a sweep's random or tpe sampler is given. */
  sweepTrials: { value: 10_000, counts: "trials of a sweep's random or tpe sampler" },
  /** Values of one choice([...]) of a sweep's space. */
  sweepChoiceValues: { value: 1_000, counts: "values of one choice([...]) in a sweep" },
  /** Trials a sweep trains at once, each in its own process. */
  sweepParallel: { value: 64, counts: "trials a sweep trains at once (parallel)" },
  /**
   * Files and folders the language server looks at when it searches the workspace folders for the importers of
   * a block being renamed: a workspace is a project, not a disk.
   */
  workspaceEntries: {
    value: 20_000,
    counts: "files and folders the language server looks at to rename a block across files",
  },
} as const satisfies Record<string, Limit>;

export type LimitName = keyof typeof limits;
