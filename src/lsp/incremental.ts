/**
 * Work the language server keeps between checks, so that a change costs what it changes, not the file.
 *
 * Parsing reuses the declarations whose text did not change (incremental-parser.ts); checking reuses a model's
 * result while its text, the blocks it reaches and the names in scope along the way are the same
 * (model-cache.ts). Everything else (imports, duplicate names, uncalled blocks, train blocks and their loss
 * lints) is cheap and runs each time. test/lsp/incremental.test.ts compares the result with a check from
 * scratch over series of edits.
 */
import { IncrementalParser } from "./incremental-parser.js";
import { ModelCache } from "./model-cache.js";

/** The parser and the model checker of one server, for `checkSource`'s `reuse` option. */
export class Reuse {
  readonly parser = new IncrementalParser();
  private readonly models = new ModelCache(this.parser);
  readonly parse = this.parser.parse;
  readonly checkModel = this.models.check;
  readonly lint = this.models.lint;
}
