/**
 * The `.nn` grammar: one Chevrotain CstParser, rules as class properties, error recovery on.
 *
 * The grammar knows no layer kinds, activations or dtypes: `dense(10)` is a `call` like any other, and the
 * checker decides what an identifier names. Values and shapes share one rule (`value`), so `[28, 28, 1]`,
 * `[3, 3]` and `[seq, ?]` parse the same way wherever they appear.
 *
 * The alternatives, options and repetitions that a large spec goes through hundreds of times (statements,
 * arguments, values, operands) are fields, made once with the parser, not literals in the rule: those would be
 * made again at every call of the rule, ~8,000 arrays, objects and closures for a spec of 300 layers.
 */
import {
  CstParser,
  type CstNode,
  type DSLMethodOptsWithErr,
  type IOrAlt,
  type IRecognitionException,
  type IToken,
} from "chevrotain";
import { withinNesting } from "./nesting.js";
import * as t from "./tokens.js";

/** Chevrotain's own methods that the error budget uses; they are public in its code but not in its types. */
interface RecognizerInternals {
  SAVE_ERROR(error: IRecognitionException): IRecognitionException;
  moveToTerminatedState(): void;
}

export class NnParser extends CstParser {
  /** Syntax errors still allowed before parsing stops (see `SAVE_ERROR`); set by `parseCst`. */
  errorBudget = Infinity;
  /** The token at which parsing stopped because the budget ran out. */
  stoppedAt: IToken | undefined;

  /**
   * `validate` runs Chevrotain's grammar validations (ambiguities, left recursion, ...), which take about half
   * of the self-analysis. The grammar is fixed when nnc is built, so a test validates it once
   * (test/grammar.test.ts) and the parser nnc uses skips them to start faster.
   */
  constructor(options: { validate?: boolean } = {}) {
    super(t.allTokens, {
      recoveryEnabled: true,
      maxLookahead: 3,
      nodeLocationTracking: "onlyOffset",
      skipValidations: !options.validate,
    });
    this.performSelfAnalysis();
  }

  /**
   * Chevrotain calls this for every syntax error it records. Recovery from an error inside a repetition
   * calls the repetition again, one level deeper, and every later recovery walks that deeper rule stack: on a
   * file of random tokens the cost grows with the square of the errors. So when the budget is spent, parsing
   * jumps to the end of the input: the rest of the file is not read, and the errors found so far stand.
   */
  SAVE_ERROR(error: IRecognitionException): IRecognitionException {
    const engine = CstParser.prototype as unknown as RecognizerInternals;
    const saved = engine.SAVE_ERROR.call(this, error);
    if (this.stoppedAt === undefined && --this.errorBudget <= 0) {
      this.stoppedAt = this.LA(1);
      engine.moveToTerminatedState.call(this);
    }
    return saved;
  }

  file = this.RULE("file", () => {
    this.MANY(() => {
      this.OR([
        { ALT: () => this.SUBRULE(this.importDecl) },
        { ALT: () => this.SUBRULE(this.modelDecl) },
        { ALT: () => this.SUBRULE(this.blockDecl) },
        { ALT: () => this.SUBRULE(this.trainDecl) },
        { GATE: () => this.startsSweep(), ALT: () => this.SUBRULE(this.sweepDecl) },
      ]);
    });
  });

  /** `import { a, b } from "./file.nn"` */
  importDecl = this.RULE("importDecl", () => {
    this.CONSUME(t.Import);
    this.CONSUME(t.LBrace);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
    this.CONSUME(t.RBrace);
    this.CONSUME(t.From);
    this.CONSUME(t.StringLiteral);
  });

  /** `model Name { statements }`, or with parameters: `model Net(units = 128, depth = 2) { statements }` */
  modelDecl = this.RULE("modelDecl", () => {
    this.CONSUME(t.Model);
    this.CONSUME(t.Identifier);
    this.OPTION(() => this.params());
    this.SUBRULE(this.body);
  });

  /** `block name(param, param = default)(x, y) { statements }` */
  blockDecl = this.RULE("blockDecl", () => {
    this.CONSUME(t.Block);
    this.CONSUME(t.Identifier);
    this.params();
    this.CONSUME2(t.LParen);
    this.MANY_SEP2({ SEP: t.Comma, DEF: () => this.CONSUME2(t.Identifier) });
    this.CONSUME2(t.RParen);
    this.SUBRULE(this.body);
  });

  /**
   * `(units = 16, depth = 2)`, a model's or a block's parameters, a trailing comma allowed as in a call: a list
   * written one parameter a line keeps a comma after each. Part of the declaration's rule (not a rule of its
   * own), so both keep their `param` children.
   */
  private params(): void {
    this.CONSUME(t.LParen);
    this.OPTION3(() => {
      this.SUBRULE(this.param);
      this.MANY3(() => {
        this.CONSUME3(t.Comma);
        this.SUBRULE2(this.param);
      });
      this.OPTION4(() => this.CONSUME4(t.Comma));
    });
    this.CONSUME(t.RParen);
  }

  param = this.RULE("param", () => {
    this.CONSUME(t.Identifier);
    this.OPTION(() => {
      this.CONSUME(t.Equals);
      this.SUBRULE(this.value);
    });
  });

  /** `train Model { key: value ... }` */
  trainDecl = this.RULE("trainDecl", () => {
    this.CONSUME(t.Train);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.LBrace);
    this.MANY(() => this.SUBRULE(this.trainEntry));
    this.CONSUME(t.RBrace);
  });

  /**
   * `sweep Net { space: { ... } objective: minimize(val_loss) assert params < 1_000_000 }`: a hyperparameter
   * search over the train block of `Net`. `sweep` is a contextual word like `assert` (see `startsSweep`), so
   * specs that name a tensor or block `sweep` keep their meaning.
   */
  sweepDecl = this.RULE("sweepDecl", () => {
    this.CONSUME(t.Identifier);
    this.CONSUME2(t.Identifier);
    this.CONSUME(t.LBrace);
    this.MANY(() =>
      this.OR([
        { GATE: () => this.startsAssertion(), ALT: () => this.SUBRULE(this.assertStmt) },
        { ALT: () => this.SUBRULE(this.trainEntry) },
      ]),
    );
    this.CONSUME(t.RBrace);
  });

  /**
   * `sweep` at the top level, where no other declaration starts with a name: so `sweep Net` without its `{`
   * is the sweep's own error ("expected '{'"), not an unexpected word.
   */
  private startsSweep(): boolean {
    const word = this.LA(1);
    return word.tokenType === t.Identifier && word.image === "sweep";
  }

  /** `epochs: 10`; a quoted key (`"space": ...`, written like the keys of the map it holds) is read, and the AST builder says it must be a name. */
  trainEntry = this.RULE("trainEntry", () => {
    this.OR1([{ ALT: () => this.CONSUME(t.Identifier) }, { ALT: () => this.CONSUME(t.StringLiteral) }]);
    this.CONSUME(t.Colon);
    // `target: input`: the keyword names the model's input here (the AST has it as the name `input`).
    this.OR([{ ALT: () => this.CONSUME(t.Input) }, { ALT: () => this.SUBRULE(this.value) }]);
    this.OPTION(() => this.CONSUME(t.Semicolon));
  });

  body = this.RULE("body", () => {
    this.CONSUME(t.LBrace);
    this.MANY(() => this.SUBRULE(this.statement));
    this.CONSUME(t.RBrace);
  });

  statement = this.RULE("statement", () => {
    this.OR(this.statementKinds);
    this.OPTION(() => this.CONSUME(t.Semicolon));
  });

  private readonly statementKinds: IOrAlt<void>[] = [
    { GATE: () => this.startsAssertion(), ALT: () => this.SUBRULE(this.assertStmt) },
    { GATE: () => this.startsLayerStmt(), ALT: () => this.SUBRULE(this.layerStmt) },
    { ALT: () => this.SUBRULE(this.inputStmt) },
    { ALT: () => this.SUBRULE(this.outputStmt) },
    { ALT: () => this.SUBRULE(this.returnStmt) },
    { ALT: () => this.SUBRULE(this.repeatStmt) },
    { ALT: () => this.SUBRULE(this.assignment) },
    { ALT: () => this.SUBRULE(this.chain) },
  ];

  /** `input image: [28, 28, 1] float32`; the dtype must stand on the shape's line. */
  inputStmt = this.RULE("inputStmt", () => {
    this.CONSUME(t.Input);
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.list);
    this.OPTION({
      GATE: () => this.LA(1).startLine === this.LA(0).endLine,
      DEF: () => this.CONSUME2(t.Identifier),
    });
  });

  outputStmt = this.RULE("outputStmt", () => {
    this.CONSUME(t.Output);
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
  });

  returnStmt = this.RULE("returnStmt", () => {
    this.CONSUME(t.Return);
    this.SUBRULE(this.chain);
  });

  /** `repeat 3 { statements }` */
  repeatStmt = this.RULE("repeatStmt", () => {
    this.CONSUME(t.Repeat);
    this.SUBRULE(this.expression);
    this.SUBRULE(this.body);
  });

  /**
   * `assert params < 5_000_000`, `expect params == 34_826`, `expect conv1: [26, 26, 32]`.
   *
   * `assert` and `expect` are contextual words, not keywords: they start this statement only when a name
   * follows on the same line (see `startsAssertion`). As keywords they would take two names from every
   * existing spec, where a tensor, a block or a layer `name:` may already be called `expect`.
   */
  assertStmt = this.RULE("assertStmt", () => {
    this.CONSUME(t.Identifier);
    this.CONSUME2(t.Identifier);
    this.OR([
      {
        ALT: () => {
          this.CONSUME(t.Colon);
          this.SUBRULE(this.list);
        },
      },
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(t.Less) },
            { ALT: () => this.CONSUME(t.LessEqual) },
            { ALT: () => this.CONSUME(t.Greater) },
            { ALT: () => this.CONSUME(t.GreaterEqual) },
            { ALT: () => this.CONSUME(t.EqualEqual) },
          ]);
          this.SUBRULE(this.expression);
        },
      },
    ]);
  });

  /** `assert x` or `expect y` followed by a name on the same line; `expect = ...` stays an assignment. */
  private startsAssertion(): boolean {
    const word = this.LA(1);
    const next = this.LA(2);
    return (
      word.tokenType === t.Identifier &&
      (word.image === "assert" || word.image === "expect") &&
      next.tokenType === t.Identifier &&
      next.startLine === word.endLine
    );
  }

  /**
   * `layer embed = dense(64)`: one instance of a layer (or block), applied wherever its name is used, with the
   * same weights each time. `layer` is a contextual word like `assert`: it starts this statement only when a
   * name and `=` follow on its line, so tensors, blocks and `layer:` arguments may still be called `layer`.
   */
  layerStmt = this.RULE("layerStmt", () => {
    this.CONSUME(t.Identifier);
    this.CONSUME2(t.Identifier);
    this.CONSUME(t.Equals);
    // One call; a chain is read too, so that `layer d = x -> dense(3)` gets one error that says so (NN2027).
    this.SUBRULE(this.chain);
  });

  private startsLayerStmt(): boolean {
    const word = this.LA(1);
    const name = this.LA(2);
    return (
      word.tokenType === t.Identifier &&
      word.image === "layer" &&
      name.tokenType === t.Identifier &&
      name.startLine === word.endLine &&
      this.LA(3).tokenType === t.Equals
    );
  }

  /** `h = x -> conv2d(16, 3)`; `seq, h, c = x -> lstm(8, return_state: true)` binds each output. */
  assignment = this.RULE("assignment", () => {
    this.AT_LEAST_ONE_SEP({ SEP: t.Comma, DEF: () => this.CONSUME(t.Identifier) });
    this.CONSUME(t.Equals);
    this.SUBRULE(this.chain);
  });

  /** `x -> conv2d(16, 3) -> relu()`; a following line that starts with `->` continues the chain. */
  chain = this.RULE("chain", () => {
    this.SUBRULE(this.call);
    this.MANY(this.chainStep);
  });

  private readonly chainStep = (): void => {
    this.CONSUME(t.Arrow);
    this.SUBRULE2(this.call);
  };

  /** `dense(10, activation: relu)`, `flatten`, or a bare name (a tensor, symbol or parameter). */
  call = this.RULE("call", () => {
    this.CONSUME(t.Identifier);
    this.OPTION(this.callArguments);
  });

  private readonly callArguments = (): void => {
    this.CONSUME(t.LParen);
    this.OPTION2(this.someArguments);
    this.CONSUME(t.RParen);
  };

  private readonly someArguments = (): void => {
    this.SUBRULE(this.argList);
  };

  /**
   * Arguments, separated by commas. A missing or doubled comma is not a parse error here: the AST builder
   * reports it precisely ("expected ',' before 'activation'") and the call is still understood. An argument
   * without a comma before it must stand on the same line, so an unclosed call does not swallow the next line.
   */
  argList = this.RULE("argList", () => this.AT_LEAST_ONE(this.argListItem));

  private readonly argListItem = this.commaOr(() => this.SUBRULE(this.arg));

  /**
   * One step of a list whose commas the AST builder checks (`argList`, `list`, `map`): a comma or an item,
   * while `continuesList` holds.
   */
  private commaOr(item: () => void): DSLMethodOptsWithErr<void> {
    const alternatives: IOrAlt<void>[] = [{ ALT: () => this.CONSUME(t.Comma) }, { ALT: item }];
    return { GATE: () => this.continuesList(), DEF: () => this.OR(alternatives) };
  }

  /** True for a comma, after `(`, `[`, `{` or `,`, or when the next token is on the same line as the previous one. */
  private continuesList(): boolean {
    const previous = this.LA(0);
    return (
      this.LA(1).tokenType === t.Comma ||
      previous.tokenType === t.Comma ||
      previous.tokenType === t.LParen ||
      previous.tokenType === t.LBracket ||
      previous.tokenType === t.LBrace ||
      this.LA(1).startLine === previous.endLine
    );
  }

  arg = this.RULE("arg", () => {
    this.OPTION(this.argName);
    this.SUBRULE(this.value);
  });

  private readonly argName = (): void => {
    this.CONSUME(t.Identifier);
    this.CONSUME(t.Colon);
  };

  value = this.RULE("value", () => this.OR(this.valueKinds));

  private readonly valueKinds: IOrAlt<void>[] = [
    { ALT: () => this.SUBRULE(this.list) },
    { ALT: () => this.SUBRULE(this.map) },
    { ALT: () => this.CONSUME(t.StringLiteral) },
    { ALT: () => this.CONSUME(t.True) },
    { ALT: () => this.CONSUME(t.False) },
    { ALT: () => this.arithmetic() },
  ];

  /** `[1, 2]`, `[seq, ?]`, `[[1, 1], [2, 2]]`; commas are checked by the AST builder, as in `argList`. */
  list = this.RULE("list", () => {
    this.CONSUME(t.LBracket);
    this.MANY(this.listItem);
    this.CONSUME(t.RBracket);
  });

  private readonly listItem = this.commaOr(() => this.SUBRULE(this.value));

  /** `{ kind: mse, "price": mae }`, Keras's dicts (per-output losses, labels per output); commas as in `list`. */
  map = this.RULE("map", () => {
    this.CONSUME(t.LBrace);
    this.MANY(this.mapItem);
    this.CONSUME(t.RBrace);
  });

  private readonly mapItem = this.commaOr(() => this.SUBRULE(this.mapEntry));

  mapEntry = this.RULE("mapEntry", () => {
    this.OR([{ ALT: () => this.CONSUME(t.Identifier) }, { ALT: () => this.CONSUME(t.StringLiteral) }]);
    this.CONSUME(t.Colon);
    this.SUBRULE(this.value);
  });

  /** `(seq - 1) / 2`, as the count of `repeat`, an assertion's bound, or in parentheses. */
  expression = this.RULE("expression", () => this.arithmetic());

  /**
   * `a + b * -c`: the operands and the operators between them, read as one list (the AST builder applies
   * precedence: `*` and `/` before `+` and `-`, each left-associative). It is part of `value`'s rule, not a
   * rule of its own, and there is no rule per precedence level: a literal is one rule below `value`
   * (`operand`). Calling a rule, and building its CST node, is most of what parsing a large spec costs.
   */
  private arithmetic(): void {
    this.SUBRULE(this.operand);
    this.MANY(this.operation);
  }

  private readonly operation = (): void => {
    this.OR2(this.operators);
    this.SUBRULE2(this.operand);
  };

  private readonly operators: IOrAlt<void>[] = [
    { ALT: () => this.CONSUME(t.Plus) },
    { ALT: () => this.CONSUME(t.Minus) },
    { ALT: () => this.CONSUME(t.Star) },
    { ALT: () => this.CONSUME(t.Slash) },
  ];

  /** A number, `?`, a call or name, a parenthesized expression, or any of them after a unary minus. */
  operand = this.RULE("operand", () => this.OR(this.operandKinds));

  private readonly operandKinds: IOrAlt<void>[] = [
    {
      ALT: () => {
        this.CONSUME(t.Minus);
        this.SUBRULE(this.operand);
      },
    },
    { ALT: () => this.CONSUME(t.NumberLiteral) },
    { ALT: () => this.CONSUME(t.Question) },
    { ALT: () => this.SUBRULE(this.call) },
    {
      ALT: () => {
        this.CONSUME(t.LParen);
        this.SUBRULE(this.expression);
        this.CONSUME(t.RParen);
      },
    },
  ];
}

let shared: NnParser | undefined;

/**
 * One shared instance, built on first use: building a Chevrotain parser (self-analysis) is the expensive
 * part, and commands that never parse (`nnc --help`) should not pay for it.
 */
function nnParser(): NnParser {
  return (shared ??= new NnParser());
}

export interface ParsedCst {
  readonly cst: CstNode;
  readonly lexErrors: readonly { offset: number; length: number; message: string }[];
  readonly parseErrors: readonly {
    token: IToken;
    previous: IToken | undefined;
    message: string;
    ruleStack: string[];
  }[];
  readonly comments: readonly IToken[];
  /** String literals, for checks on their text (the tree keeps their values, not where each character is). */
  readonly strings: readonly IToken[];
  /** Each token that opened one level more than `maxNesting` allows; its declaration was not parsed. */
  readonly tooDeep: readonly IToken[];
  /** Where parsing stopped after `maxErrors` syntax errors; the rest of the file was not parsed. */
  readonly stoppedAt?: IToken;
}

export interface ParseLimits {
  /** Levels of brackets, parentheses, braces and unary minuses open at once. */
  readonly maxNesting: number;
  /** Syntax errors after which parsing stops. */
  readonly maxErrors: number;
}

/**
 * Lexes and parses a whole file; never throws on bad input. The parser recurses once per level of nesting,
 * so the nesting is measured on the tokens first, in one pass, and the declarations that nest deeper than
 * `maxNesting` are left out of the parse (see `withinNesting`): no input can overflow the stack.
 */
export function parseCst(text: string, limits: ParseLimits = { maxNesting: Infinity, maxErrors: Infinity }): ParsedCst {
  // A byte order mark, which some editors write first and never show, is read as the space it stands for
  // (one character for one, so every offset still points into `text`).
  const lexed = t.nnLexer.tokenize(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  const lexErrors = lexed.errors.map((e) => ({ offset: e.offset, length: e.length, message: e.message }));
  const comments = lexed.groups["comments"] ?? [];
  const strings = lexed.tokens.filter((token) => token.tokenType === t.StringLiteral);
  const { tokens, tooDeep } = withinNesting(lexed.tokens, limits.maxNesting);
  const parser = nnParser();
  parser.input = tokens;
  parser.errorBudget = limits.maxErrors;
  parser.stoppedAt = undefined;
  const cst = parser.file();
  const stoppedAt = parser.stoppedAt;
  // Errors recorded after the budget ran out are about the jump to the end, not about the text.
  const parseErrors = parser.errors.slice(0, limits.maxErrors).map((e) => ({
    token: e.token,
    previous: (e as { previousToken?: IToken }).previousToken,
    message: e.message,
    ruleStack: e.context.ruleStack,
  }));
  return { cst, lexErrors, parseErrors, comments, strings, tooDeep, ...(stoppedAt ? { stoppedAt } : {}) };
}
