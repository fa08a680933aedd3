#!/usr/bin/env python3
"""Golden values for the engine, as llm.c's test_gpt2.c checks against PyTorch.

For a tiny fixed-seed copy of each reference architecture (models.py's `GPT` and `LSTMAttn`,
written again here with their module names, so the state_dict keys are the same, but with
sizes small enough for a debug-build test), writes to Tests/Fixtures/golden/:

  <model>-weights.safetensors   the initial state_dict (F32), read by ParameterTable.read
                                (PyTorch's default initialisation; see WIDEN for lstm-attention)
  <model>-expected.safetensors  the batch and what PyTorch computes on it:
      tokens, genres, targets   F32 holding small integers ((B, T), (B), (B, T)); target 0 is
                                padding (ignore_index=0)
      logits                    (B, T, V)
      loss                      (1): mean cross-entropy over the non-padding targets
      grad.<name>               ∂loss/∂parameter for every state_dict entry
      train_losses              (10): the losses of ten AdamW steps on the same batch, each
                                measured before its update (step 1's is `loss`)
  with the sizes and hyperparameters in the safetensors `__metadata__` key `golden`, which
  starts with the configuration string the Swift test checks.

Training step, as Cadenza's trainer does it: zero gradients, forward, backward, clip the
global gradient norm to 1.0 (torch.nn.utils.clip_grad_norm_), AdamW step with lr 1e-2, betas
(0.9, 0.999), eps 1e-8 and weight decay 0.01 on tensors of dimension >= 2 only (matrices and
embeddings; Cadenza's ParameterTable.decays), none on biases and LayerNorm parameters.

Conventions the Swift engine must share: exact (erf) GELU, LayerNorm eps 1e-5, causal
scaled-dot-product attention with scale 1/sqrt(head size), the genre embedding added at every
position, learned positions, nn.LSTM gate order (i, f, g, o) with both b_ih and b_hh.

When /work/shared/reference/pytorch/models.py is present, the script also builds the reference
classes at the same sizes, loads the same weights and checks they give the same logits, so
the copies below cannot drift from the reference. Tests never run Python: the outputs are
committed.

Run from the repository root, with a venv that has torch, safetensors and numpy:
    .venv-pyref/bin/python Scripts/golden/make_golden.py
"""
import importlib.util
import math
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = Path(__file__).resolve().parent.parent.parent
OUTPUT = ROOT / "Tests" / "Fixtures" / "golden"
REFERENCE = Path("/work/shared/reference/pytorch/models.py")

SEED = 1234
VOCAB, GENRES = 32, 4
B, T = 2, 12                  # T < context 16, so only the first T position rows are used
PAD = 0                       # targets equal to PAD are ignored
LR, BETAS, EPS, WEIGHT_DECAY, CLIP = 1e-2, (0.9, 0.999), 1e-8, 0.01, 1.0
STEPS = 10

TRANSFORMER = dict(layers=2, d=16, heads=2, ffn=32, ctx=16)
LSTM_ATTENTION = dict(emb=8, hidden=12, layers=2)
# With PyTorch's default initialisation the tiny LSTM's outputs barely change along the
# sequence (std 0.02 over time), so the attention is uniform and the q and k gradients are
# ~1e-7, below float32 rounding of the rest: they would test nothing. These tensors are
# multiplied by WIDEN after initialisation, which lifts the q and k gradients to ~1e-3 of
# the largest. (k.bias's gradient is zero in exact arithmetic at any weights: a shared shift
# of every key cancels in the softmax.)
WIDEN, WIDENED = 4.0, ("lstm.", "q.", "k.", "v.")


# ---- models.py's modules at configurable sizes (same attribute names → same state_dict) ----

class Block(nn.Module):
    def __init__(self, d, heads, ffn):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, ffn)
        self.fc2 = nn.Linear(ffn, d)

    def forward(self, x):
        B, T, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.h, self.hd).permute(2, 0, 3, 1, 4)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.proj(a.transpose(1, 2).reshape(B, T, d))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self, layers, d, heads, ffn, ctx, vocab=VOCAB, genres=GENRES):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.genre = nn.Embedding(genres, d)
        self.pos = nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList([Block(d, heads, ffn) for _ in range(layers)])
        self.lnf = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab)

    def forward(self, idx, genre):
        T = idx.shape[1]
        x = self.tok(idx) + self.genre(genre)[:, None, :] + self.pos.weight[:T]
        for b in self.blocks:
            x = b(x)
        return self.head(self.lnf(x))


class LSTMAttn(nn.Module):
    def __init__(self, emb, hidden, layers, vocab=VOCAB, genres=GENRES):
        super().__init__()
        self.tok = nn.Embedding(vocab, emb)
        self.genre = nn.Embedding(genres, emb)
        self.lstm = nn.LSTM(emb, hidden, num_layers=layers, batch_first=True)
        self.q = nn.Linear(hidden, hidden)
        self.k = nn.Linear(hidden, hidden)
        self.v = nn.Linear(hidden, hidden)
        self.o = nn.Linear(hidden, hidden)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, idx, genre):
        x = self.tok(idx) + self.genre(genre)[:, None, :]
        h, _ = self.lstm(x)
        q, k, v = self.q(h)[:, None], self.k(h)[:, None], self.v(h)[:, None]
        a = F.scaled_dot_product_attention(q, k, v, is_causal=True)[:, 0]
        return self.head(h + self.o(a))


# ---- the golden run ----

def make_batch(generator):
    tokens = torch.randint(0, VOCAB, (B, T), generator=generator)
    genres = torch.randint(0, GENRES, (B,), generator=generator)
    targets = torch.randint(1, VOCAB, (B, T), generator=generator)
    # Padding: the tail of the second sequence and one position inside the first.
    targets[1, -3:] = PAD
    targets[0, 4] = PAD
    return tokens, genres, targets


def loss_of(model, tokens, genres, targets):
    logits = model(tokens, genres)
    loss = F.cross_entropy(logits.reshape(-1, VOCAB), targets.reshape(-1), ignore_index=PAD)
    return logits, loss


def train_losses(model, tokens, genres, targets):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW(
        [dict(params=decay, weight_decay=WEIGHT_DECAY), dict(params=no_decay, weight_decay=0.0)],
        lr=LR, betas=BETAS, eps=EPS)
    losses = []
    for _ in range(STEPS):
        optimizer.zero_grad(set_to_none=False)
        _, loss = loss_of(model, tokens, genres, targets)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        losses.append(loss.item())
    return torch.tensor(losses, dtype=torch.float32)


def as_float(t):
    # A copy: training below reuses the parameters' and gradients' storage in place.
    return t.detach().to(torch.float32).contiguous().clone()


def check_against_reference(name, model, tokens, genres):
    """Builds models.py's own class at our sizes, with our weights, and compares logits."""
    if not REFERENCE.exists():
        print(f"{name}: {REFERENCE} absent, reference cross-check skipped")
        return
    spec = importlib.util.spec_from_file_location("reference_models", REFERENCE)
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    reference.VOCAB, reference.N_GENRES = VOCAB, GENRES   # read by the constructors
    if name == "transformer":
        c = TRANSFORMER
        twin = reference.GPT(c["layers"], c["d"], c["heads"], c["ffn"], ctx=c["ctx"])
    else:
        c = LSTM_ATTENTION
        twin = reference.LSTMAttn(emb=c["emb"], hidden=c["hidden"], layers=c["layers"])
    twin.load_state_dict(model.state_dict(), strict=True)
    with torch.no_grad():
        difference = (twin(tokens, genres) - model(tokens, genres)).abs().max().item()
    assert difference == 0.0, f"{name}: models.py differs from this script's copy by {difference}"
    print(f"{name}: same state_dict names and logits as models.py")


def golden(name, build, configuration, widened=()):
    torch.manual_seed(SEED)
    model = build().float()
    with torch.no_grad():
        for k, p in model.named_parameters():
            if k.startswith(widened):
                p.mul_(WIDEN)
    generator = torch.Generator().manual_seed(SEED + 1)
    tokens, genres, targets = make_batch(generator)
    check_against_reference(name, model, tokens, genres)

    weights = {k: as_float(v) for k, v in model.state_dict().items()}
    # One metadata key: safetensors writes the metadata map in hash order, and a single entry
    # keeps the files byte-identical from run to run.
    metadata = dict(golden="; ".join([
        configuration, f"batch B={B} T={T} pad={PAD}",
        f"seed {SEED}" + (f", {' '.join(widened)} weights x{WIDEN}" if widened else ""),
        f"AdamW lr={LR} betas={BETAS} eps={EPS} weight_decay={WEIGHT_DECAY} (dim>=2) clip={CLIP} steps={STEPS}",
        f"torch {torch.__version__}"]))
    save_file(weights, str(OUTPUT / f"{name}-weights.safetensors"), metadata=metadata)

    model.zero_grad(set_to_none=False)
    logits, loss = loss_of(model, tokens, genres, targets)
    loss.backward()
    expected = dict(tokens=as_float(tokens), genres=as_float(genres), targets=as_float(targets),
                    logits=as_float(logits), loss=as_float(loss.reshape(1)))
    for k, p in model.named_parameters():
        expected["grad." + k] = as_float(p.grad)
    # Training starts again from the saved weights.
    model.load_state_dict(weights)
    expected["train_losses"] = train_losses(model, tokens, genres, targets)
    save_file(expected, str(OUTPUT / f"{name}-expected.safetensors"), metadata=metadata)
    print(f"{name}: loss {loss.item():.6f}, train losses {[round(x, 4) for x in expected['train_losses'].tolist()]}")


def main():
    OUTPUT.mkdir(parents=True, exist_ok=True)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(1)
    c = TRANSFORMER
    golden("transformer", lambda: GPT(c["layers"], c["d"], c["heads"], c["ffn"], c["ctx"]),
           f"vocab={VOCAB} genres={GENRES} ctx={c['ctx']} layers={c['layers']} d={c['d']} heads={c['heads']} ffn={c['ffn']}")
    c = LSTM_ATTENTION
    golden("lstm-attention", lambda: LSTMAttn(c["emb"], c["hidden"], c["layers"]),
           f"vocab={VOCAB} genres={GENRES} emb={c['emb']} hidden={c['hidden']} layers={c['layers']}",
           widened=WIDENED)


if __name__ == "__main__":
    main()
