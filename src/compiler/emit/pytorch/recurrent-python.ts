/**
 * The Python definitions of the PyTorch target's recurrent layers, as tfjs-layers 4.22 computes them
 * (tfjs-layers/src/layers/recurrent.ts, wrappers.ts): each a top-level definition the emitted file carries once,
 * by name. layers-recurrent.ts says which a layer needs, in the order they must be printed.
 *
 * Every recurrent module takes `forward(x, *initial_states, mask=None)`: `x` is `[batch, steps, features]`, the
 * initial states (lstm: h then c) are `[batch, units]`, `mask` is a bool `[batch, steps]` (true: read the step),
 * as tfjs skips masked steps, keeping the previous output and states. It returns the output (the last one, or
 * all of them with `return_sequences`), followed by the final states with `return_state`.
 */

/** tfjs's activation identifiers as PyTorch functions (tfjs's hard sigmoid is `clip(0.2 x + 0.5, 0, 1)`). */
const activations = `
NNC_ACTIVATIONS = {
    "linear": lambda x: x,
    "relu": torch.relu,
    "relu6": F.relu6,
    "elu": F.elu,
    "selu": torch.selu,
    "sigmoid": torch.sigmoid,
    "hardSigmoid": lambda x: torch.clamp(0.2 * x + 0.5, 0.0, 1.0),
    "tanh": torch.tanh,
    "softmax": lambda x: torch.softmax(x, -1),
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
    "mish": F.mish,
    "gelu": F.gelu,
}
`;

/**
 * The time loop of tfjs's `rnn()` with its cells' math (implementation 2: one matrix product per step), over
 * weights in tfjs's layout: kernel `[features, gates * units]`, recurrent kernel `[units, gates * units]`, gates
 * in tfjs's order (lstm i, f, c, o; gru z, r, h with the reset gate applied before the product, as tfjs's GRU,
 * Keras's `reset_after=False`). Dropout masks are drawn once per call and kept for every step, as tfjs does; the
 * GRU's recurrent dropout also scales the state its update gate mixes in, as tfjs's does.
 */
const steps = `
def nnc_recurrent_steps(layer, x, states, kernel, recurrent_kernel, bias, mask, recurrent_mask):
    """Runs layer.cell over x's steps; returns every step's output and the final states."""
    act = NNC_ACTIVATIONS[layer.activation]
    gate = NNC_ACTIVATIONS[layer.recurrent_activation]
    projected = torch.matmul(x, kernel)
    if bias is not None:
        projected = projected + bias
    # The GRU multiplies its gates' and its candidate's parts of the recurrent kernel separately.
    gates_kernel = recurrent_kernel[:, : 2 * layer.units]
    candidate_kernel = recurrent_kernel[:, 2 * layer.units :]
    outputs = []
    # unbind, not projected[:, t]: each slice's gradient would be a zero tensor of all the steps.
    reads = [None] * x.shape[1] if mask is None else mask.unbind(1)
    for z, read in zip(projected.unbind(1), reads):
        h = states[0] if recurrent_mask is None else states[0] * recurrent_mask
        if layer.cell == "simple_rnn":
            new = [act(z + h @ recurrent_kernel)]
        elif layer.cell == "lstm":
            i, f, c, o = (z + h @ recurrent_kernel).chunk(4, -1)
            carry = gate(f) * states[1] + gate(i) * act(c)
            new = [gate(o) * act(carry), carry]
        else:
            xz, xr, xh = z.chunk(3, -1)
            rz, rr = (h @ gates_kernel).chunk(2, -1)
            update, reset = gate(xz + rz), gate(xr + rr)
            candidate = act(xh + (reset * h) @ candidate_kernel)
            new = [update * h + (1 - update) * candidate]
        if read is not None:
            new = [torch.where(read[:, None], n, s) for n, s in zip(new, states)]
        states = new
        outputs.append(states[0])
    return torch.stack(outputs, 1), states


def nnc_recurrent_outputs(layer, sequence, states):
    """The layer's last output (every step's with return_sequences), then its states if asked."""
    output = sequence if layer.return_sequences else states[0]
    return (output, *states) if layer.return_state else output


def nnc_recurrent_run(layer, x, initial, mask, weights, dropout=0.0, recurrent_dropout=0.0):
    """tfjs's RNN.call: zero initial states unless given, go_backwards, dropout, then the loop."""
    count = 2 if layer.cell == "lstm" else 1
    states = list(initial) or [x.new_zeros(x.shape[0], layer.units)] * count
    if layer.go_backwards:
        x = x.flip(1)
        mask = None if mask is None else mask.flip(1)
    if layer.training and 0 < dropout < 1:
        x = x * F.dropout(torch.ones_like(x[:, :1]), dropout, True)
    recurrent_mask = None
    if layer.training and 0 < recurrent_dropout < 1:
        recurrent_mask = F.dropout(torch.ones_like(states[0]), recurrent_dropout, True)
    sequence, states = nnc_recurrent_steps(layer, x, states, *weights, mask, recurrent_mask)
    return nnc_recurrent_outputs(layer, sequence, states)
`;

/** A recurrent layer as tfjs's, weights named as tfjs names them: any activation, dropout. */
const ownRecurrent = `
class NncRecurrent(nn.Module):
    """A tfjs recurrent layer (cell simple_rnn, lstm or gru) computed step by step as tfjs does."""

    def __init__(self, cell, features, units, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, dropout=0.0, recurrent_dropout=0.0, return_sequences=False,
                 return_state=False, go_backwards=False):
        super().__init__()
        width = {"simple_rnn": 1, "gru": 3, "lstm": 4}[cell] * units
        self.cell, self.units = cell, units
        self.activation, self.recurrent_activation = activation, recurrent_activation
        self.dropout, self.recurrent_dropout = dropout, recurrent_dropout
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards
        # The model's reset_parameters sets them as tfjs initializes them.
        self.kernel = nn.Parameter(torch.zeros(features, width))
        self.recurrent_kernel = nn.Parameter(torch.zeros(units, width))
        self.bias = nn.Parameter(torch.zeros(width)) if use_bias else None

    def forward(self, x, *initial, mask=None):
        weights = (self.kernel, self.recurrent_kernel, self.bias)
        return nnc_recurrent_run(
            self, x, initial, mask, weights, self.dropout, self.recurrent_dropout
        )
`;

/**
 * PyTorch's fused LSTM and RNN under tfjs's options, for layers with PyTorch's activations and no dropout
 * (faster than the loop). A mask makes them run the loop with the same weights (PyTorch's packed sequences
 * skip only trailing padding; tfjs skips any masked step). The model's reset_parameters initializes them as tfjs
 * does (init.ts).
 */
const fastRecurrent = `
class NncFastRecurrent:
    """tfjs's options over nn.LSTM or nn.RNN (mixed in before them)."""

    def nnc_setup(self, cell, activation, return_sequences=False, return_state=False,
                  go_backwards=False):
        self.cell, self.units = cell, self.hidden_size
        self.activation, self.recurrent_activation = activation, "sigmoid"
        self.return_sequences, self.return_state = return_sequences, return_state
        self.go_backwards = go_backwards

    def forward(self, x, *initial, mask=None):
        if mask is not None:
            bias = self.bias_ih_l0 + self.bias_hh_l0 if self.bias else None
            weights = (self.weight_ih_l0.t(), self.weight_hh_l0.t(), bias)
            return nnc_recurrent_run(self, x, initial, mask, weights)
        if self.go_backwards:
            x = x.flip(1)
        states = [s.unsqueeze(0).contiguous() for s in initial]
        if self.cell == "lstm":
            sequence, (h, c) = super().forward(x, tuple(states) or None)
            return nnc_recurrent_outputs(self, sequence, [h[0], c[0]])
        sequence, h = super().forward(x, states[0] if states else None)
        return nnc_recurrent_outputs(self, sequence, [h[0]])


class NncLSTM(NncFastRecurrent, nn.LSTM):
    """tfjs's LSTM (tanh, sigmoid gates) on nn.LSTM."""

    def __init__(self, features, units, use_bias=True, **options):
        nn.LSTM.__init__(self, features, units, bias=use_bias, batch_first=True)
        self.nnc_setup("lstm", "tanh", **options)


class NncSimpleRNN(NncFastRecurrent, nn.RNN):
    """tfjs's SimpleRNN (tanh or relu) on nn.RNN."""

    def __init__(self, features, units, activation="tanh", use_bias=True, **options):
        nn.RNN.__init__(
            self, features, units, nonlinearity=activation, bias=use_bias, batch_first=True
        )
        self.nnc_setup("simple_rnn", activation, **options)
`;

/** tfjs's Bidirectional: a forward and a backward copy, the backward outputs reversed back, merged. */
const bidirectional = `
class NncBidirectional(nn.Module):
    """tfjs's Bidirectional over two recurrent modules (the second runs the other way)."""

    def __init__(self, forward_layer, backward_layer, merge_mode="concat"):
        super().__init__()
        self.forward_layer, self.backward_layer = forward_layer, backward_layer
        self.merge_mode = merge_mode

    def forward(self, x, *initial, mask=None):
        half = len(initial) // 2
        y = self.forward_layer(x, *initial[:half], mask=mask)
        y_rev = self.backward_layer(x, *initial[half:], mask=mask)
        states = []
        if self.forward_layer.return_state:
            states = [*y[1:], *y_rev[1:]]
            y, y_rev = y[0], y_rev[0]
        if self.forward_layer.return_sequences:
            y_rev = y_rev.flip(1)
        if self.merge_mode == "concat":
            output = torch.cat([y, y_rev], -1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = 0.5 * (y + y_rev)
        else:
            output = y * y_rev
        return (output, *states) if states else output
`;

/** tfjs's TimeDistributed: the wrapped layer on `[batch * steps, ...]`, reshaped back. */
const timeDistributed = `
def nnc_time_distributed(layer, x):
    """Applies layer (a function of one tensor) to every step of x [batch, steps, ...]."""
    y = layer(x.reshape(-1, *x.shape[2:]))
    return y.reshape(x.shape[0], x.shape[1], *y.shape[1:])
`;

/** The definitions by name; a layer lists the names it needs, each after those it uses. */
export const recurrentHelpers: Readonly<Record<string, string>> = {
  NNC_ACTIVATIONS: activations.trim(),
  nnc_recurrent_steps: steps.trim(),
  NncRecurrent: ownRecurrent.trim(),
  NncFastRecurrent: fastRecurrent.trim(),
  NncBidirectional: bidirectional.trim(),
  nnc_time_distributed: timeDistributed.trim(),
};
