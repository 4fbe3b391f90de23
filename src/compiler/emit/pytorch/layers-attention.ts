/**
 * The PyTorch target's attention and position layers, nnc's own in tfjs (src/runtime/layers/attention.ts and
 * positions.ts): multi_head_attention, position_embedding, sinusoidal_position_encoding and
 * token_and_position_embedding, each a helper module (or function) that computes what nnc's runtime computes.
 */
import type { JsonValue } from "../../ir/index.js";
import { expression, type Config, type Factories } from "./layer-parts.js";
import { py, pyNumber, pyTuple } from "./python.js";
import type { TorchInput, TorchLayer, WeightLink } from "./types.js";

const product = (sizes: readonly number[]) => sizes.reduce((a, b) => a * b, 1);
const pyBool = (value: boolean) => (value ? "True" : "False");

/**
 * multi_head_attention: the `MultiHeadAttention` helper, channels-last, attending over every axis between the
 * batch and the features (the only axes nnc allows). tfjs's projection kernels `[in, heads, size]` are Linear
 * weights `[heads * size, in]`; the output kernel `[heads, value_dim, ...output]` is `[output, heads * value_dim]`.
 * The query's mask (an embedding's `mask_zero`, handed on by module.ts), `attention_mask:` and the causal mask
 * are applied as nnc's runtime applies them.
 */
function multiHeadAttention(config: Config, inputs: readonly TorchInput[]): TorchLayer {
  const masked = config["hasAttentionMask"] === true;
  const tensors = masked ? inputs.slice(0, -1) : inputs;
  const [query, value, key = value] = tensors.map((input) => input.shape.at(-1) as number);
  const [heads, keyDim] = [Number(config["numHeads"]), Number(config["keyDim"])];
  const valueDim = Number(config["valueDim"] ?? keyDim);
  const given = config["outputShape"] as JsonValue | undefined;
  const out = given === undefined || given === null ? [query!] : [given].flat().map(Number);
  const useBias = config["useBias"] !== false;
  const args = [
    `${query}, ${key}, ${value}`,
    `heads=${heads}, key_dim=${keyDim}, value_dim=${valueDim}, output=${pyTuple(out)}`,
    ...(useBias ? [] : ["bias=False"]),
  ];
  const weights: WeightLink[] = [];
  const project = (name: string, size: number, inner: number) => {
    const tfjsShape = [size, heads, inner];
    weights.push({
      torch: `${name}.weight`,
      torchShape: [heads * inner, size],
      tfjs: weights.length,
      tfjsShape,
      permute: [1, 2, 0],
    });
    if (useBias)
      weights.push({
        torch: `${name}.bias`,
        torchShape: [heads * inner],
        tfjs: weights.length,
        tfjsShape: [heads, inner],
      });
  };
  project("query", query!, keyDim);
  project("key", key!, keyDim);
  project("value", value!, valueDim);
  const outputKernel = [heads, valueDim, ...out];
  const permute = [...out.map((_, i) => i + 2), 0, 1];
  weights.push({
    torch: "attention_output.weight",
    torchShape: [product(out), heads * valueDim],
    tfjs: weights.length,
    tfjsShape: outputKernel,
    permute,
  });
  if (useBias) {
    weights.push({ torch: "attention_output.bias", torchShape: [product(out)], tfjs: weights.length, tfjsShape: out });
  }
  return attentionModule("MultiHeadAttention", args, config, weights);
}

/**
 * An attention helper module, channels-last: its constructor with the dropout and causal mask tfjs's config
 * sets, called with the tensors, the attention mask as a keyword and `return_scores` when asked for.
 */
function attentionModule(
  className: string,
  args: readonly string[],
  config: Config,
  weights: WeightLink[],
): TorchLayer {
  const dropout = Number(config["dropout"] ?? 0);
  const options = [
    ...(dropout > 0 ? [`dropout=${pyNumber(dropout)}`] : []),
    ...(config["useCausalMask"] === true ? ["causal=True"] : []),
  ];
  const masked = config["hasAttentionMask"] === true;
  const scores = config["returnAttentionScores"] === true ? ["return_scores=True"] : [];
  return {
    module: `${className}(${[...args, ...options].join(", ")})`,
    helpers: [className, "attention_weights"],
    layout: "channels_last",
    forward: (self, xs) => {
      const call = masked ? [...xs.slice(0, -1), `attention_mask=${xs.at(-1)}`] : [...xs];
      return `${self}(${[...call, ...scores].join(", ")})`;
    },
    weights,
  };
}

/**
 * attention and additive_attention: the `ScoredAttention` helper, channels-last; the learned scale (a scalar,
 * or additive's vector of the query's features) and concat's score weight are tfjs's weights as they are.
 */
function scoredAttention(additive: boolean) {
  return (config: Config, inputs: readonly TorchInput[]): TorchLayer => {
    const score = additive ? "additive" : String(config["scoreMode"] ?? "dot");
    const useScale = config["useScale"] === true || (additive && config["useScale"] !== false);
    const scale = additive ? [inputs[0]!.shape.at(-1) as number] : [];
    const args = [py(score), ...(useScale ? [`scale=${pyTuple(scale)}`] : [])];
    const weights: WeightLink[] = [];
    if (useScale) weights.push({ torch: "scale", torchShape: scale, tfjs: 0, tfjsShape: scale });
    if (score === "concat")
      weights.push({ torch: "concat_score_weight", torchShape: [], tfjs: weights.length, tfjsShape: [] });
    return attentionModule("ScoredAttention", args, config, weights);
  };
}

/** A helper module whose forward takes the layer's input as it is. */
function helperModule(module: string, helper: string, weights: WeightLink[]): TorchLayer {
  return { module, helpers: [helper], layout: "channels_last", forward: (self, [x]) => `${self}(${x})`, weights };
}

/**
 * The keyword by which each kind's module takes its query's mask (`query_mask=`; module.ts), by registry kind: tfjs's executor hands a layer the mask
 * of its first input only, so the value's (which Keras's layers also read) never reaches nnc's runtime layer.
 */
export const attentionMaskKeywords: Readonly<Record<string, string>> = {
  multi_head_attention: "query_mask",
  attention: "query_mask",
  additive_attention: "query_mask",
};

/** The factories of this file, by registry kind. */
export const attentionLayers: Factories = {
  multi_head_attention: multiHeadAttention,
  attention: scoredAttention(false),
  additive_attention: scoredAttention(true),
  position_embedding: (config, [input]) => {
    const shape = [Number(config["sequenceLength"]), input!.shape.at(-1) as number];
    const link = { torch: "embeddings", torchShape: shape, tfjs: 0, tfjsShape: shape };
    return helperModule(`PositionEmbedding(${shape.join(", ")})`, "PositionEmbedding", [link]);
  },
  sinusoidal_position_encoding: (config) => {
    const wavelength = pyNumber(Number(config["maxWavelength"] ?? 10000));
    return expression("channels_last", ([x]) => `sinusoidal_positions(${x}, ${wavelength})`, ["sinusoidal_positions"]);
  },
  token_and_position_embedding: (config) => {
    const [words, steps, features] = ["vocabularySize", "sequenceLength", "embeddingDim"].map((k) => Number(config[k]));
    return helperModule(`TokenAndPositionEmbedding(${words}, ${steps}, ${features})`, "TokenAndPositionEmbedding", [
      { torch: "token_embedding.weight", torchShape: [words!, features!], tfjs: 0, tfjsShape: [words!, features!] },
      { torch: "position_embedding", torchShape: [steps!, features!], tfjs: 1, tfjsShape: [steps!, features!] },
    ]);
  },
};

/** The Python definitions the layers of this file name in `helpers`. */
export const attentionHelpers: Readonly<Record<string, string>> = {
  MultiHeadAttention: `
class MultiHeadAttention(nn.Module):
    """Keras's MultiHeadAttention over every axis between the batch and the features; each
    projection is a Linear of heads * size features (tfjs's kernel [in, heads, size], flattened)."""

    def __init__(self, query, key, value, heads, key_dim, value_dim, output, bias=True, dropout=0.0,
                 causal=False):
        super().__init__()
        self.heads, self.key_dim, self.value_dim = heads, key_dim, value_dim
        self.output, self.dropout, self.causal = list(output), dropout, causal
        self.query = nn.Linear(query, heads * key_dim, bias=bias)
        self.key = nn.Linear(key, heads * key_dim, bias=bias)
        self.value = nn.Linear(value, heads * value_dim, bias=bias)
        self.attention_output = nn.Linear(heads * value_dim, math.prod(output), bias=bias)

    def split(self, x, size):
        """[batch, ...steps, heads * size] -> [batch, heads, steps, size]."""
        return x.reshape(x.shape[0], -1, self.heads, size).transpose(1, 2)

    def forward(self, query, value, key=None, attention_mask=None, query_mask=None,
                return_scores=False):
        key = value if key is None else key
        q = self.split(self.query(query), self.key_dim) * (1 / math.sqrt(self.key_dim))
        scores = q @ self.split(self.key(key), self.key_dim).transpose(2, 3)
        batch, steps = query.shape[0], scores.shape[2:]
        masks = [
            None if attention_mask is None else attention_mask.reshape(batch, 1, *steps),
            None if query_mask is None else query_mask.reshape(batch, 1, steps[0], 1),
        ]
        weights = attention_weights(scores, masks, self.causal)
        dropped = F.dropout(weights, self.dropout, self.training)
        attended = dropped @ self.split(self.value(value), self.value_dim)
        output = self.attention_output(attended.transpose(1, 2).reshape(*query.shape[:-1], -1))
        output = output.reshape(*query.shape[:-1], *self.output)
        if return_scores:
            steps = (*query.shape[1:-1], *value.shape[1:-1])
            return output, weights.reshape(query.shape[0], self.heads, *steps)
        return output
`,
  attention_weights: `
def attention_weights(scores, masks, causal):
    """Softmax over the scores' last axis, -1e9 where a mask (0 or False) or causality forbid."""
    allowed = None
    for mask in masks:
        if mask is not None:
            allowed = mask.float() > 0.5 if allowed is None else allowed & (mask.float() > 0.5)
    if causal:
        lower = torch.ones(*scores.shape[-2:], dtype=torch.bool, device=scores.device).tril()
        allowed = lower if allowed is None else allowed & lower
    if allowed is not None:
        scores = scores.masked_fill(~allowed, -1e9)
    return torch.softmax(scores, dim=-1)
`,
  ScoredAttention: `
class ScoredAttention(nn.Module):
    """Keras's Attention (score "dot" or "concat") and AdditiveAttention ("additive"): a query
    [batch, Tq, d] attends over a value [batch, Tv, dv], without projections."""

    def __init__(self, score, scale=None, dropout=0.0, causal=False):
        super().__init__()
        self.score, self.dropout, self.causal = score, dropout, causal
        self.scale = None if scale is None else nn.Parameter(torch.ones(scale))
        if score == "concat":
            self.concat_score_weight = nn.Parameter(torch.ones(()))

    def forward(self, query, value, key=None, attention_mask=None, query_mask=None,
                return_scores=False):
        key = value if key is None else key
        if self.score == "dot":
            scores = query @ key.transpose(1, 2)
            scores = scores if self.scale is None else scores * self.scale
        else:
            pairs = query.unsqueeze(2) + key.unsqueeze(1)
            if self.score == "concat":
                pairs = pairs if self.scale is None else pairs * self.scale
                scores = torch.tanh(pairs).sum(-1) * self.concat_score_weight
            else:
                pairs = torch.tanh(pairs)
                scores = (pairs if self.scale is None else pairs * self.scale).sum(-1)
        weights = attention_weights(scores, [attention_mask], self.causal)
        weights = F.dropout(weights, self.dropout, self.training)
        output = weights @ value
        if query_mask is not None:
            # Keras multiplies the query's mask into the output, not into the scores.
            output = output * query_mask.float().unsqueeze(-1)
        return (output, weights) if return_scores else output
`,
  PositionEmbedding: `
class PositionEmbedding(nn.Module):
    """keras-hub's PositionEmbedding: the learned vectors of the input's positions, in its shape."""

    def __init__(self, sequence_length, features):
        super().__init__()
        self.embeddings = nn.Parameter(torch.zeros(sequence_length, features))

    def forward(self, x):
        return self.embeddings[: x.shape[-2]].expand(x.shape)
`,
  sinusoidal_positions: `
def sinusoidal_positions(x, max_wavelength):
    """keras-hub's SinusoidalPositionEncoding of x's positions: sines at even features, cosines at odd."""
    steps, features = x.shape[-2], x.shape[-1]
    positions = torch.arange(steps, dtype=x.dtype, device=x.device).view(-1, 1)
    index = torch.arange(features, device=x.device)
    pairs = torch.div(index, 2, rounding_mode="floor").to(x.dtype) * 2 / features
    angles = positions * torch.pow(torch.tensor(1 / max_wavelength, dtype=x.dtype), pairs)
    return torch.where(index % 2 == 1, torch.cos(angles), torch.sin(angles)).expand(x.shape)
`,
  TokenAndPositionEmbedding: `
class TokenAndPositionEmbedding(nn.Module):
    """keras-hub's TokenAndPositionEmbedding: each id's learned vector plus its position's."""

    def __init__(self, vocabulary_size, sequence_length, embedding_dim):
        super().__init__()
        self.token_embedding = nn.Embedding(vocabulary_size, embedding_dim)
        self.position_embedding = nn.Parameter(torch.zeros(sequence_length, embedding_dim))

    def forward(self, ids):
        return self.token_embedding(ids.long()) + self.position_embedding[: ids.shape[1]]
`,
};
