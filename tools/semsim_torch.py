#!/usr/bin/python3
"""semsim_torch.py -- semsim's agents in PyTorch: define, train, save as safetensors for
`semsim import`, and load what `semsim export` writes. docs/pytorch.md explains it.

The network is the one of codecs/agent.h, written with the ordinary torch layers:

  encoder  x = (mel - mean) * scale                                  (B, T, M)
           h = GELU(LN(conv0(x)))    kernel0, stride, padding (kernel0-1)//2   (B, T', C)
           enc_depth residual blocks                                  (B, T', C)
           z = Linear(LN(h))                                          (B, T', d)
  decoder  h = Linear(z); dec_depth residual blocks                   (B, T', C)
           logits = Linear(LN(h))    (B, T', U*V) read as (B, T'*U, V), V = 29
  block dwconv  h + Dropout(GELU(pw(LN(depthwise_K,dil(h)))))
  block conv    h + Dropout(GELU(LN(conv_K,dil(h))))
  dilation of block i: 2^(i mod (n+1)), 2^n = dilation_max; LayerNorm eps 1e-5;
  GELU the tanh approximation.

Tensor names and layouts in a semsim file (what semsim_tensors() returns):
  enc.norm.mean, enc.norm.scale (M)                  buffers, not trained
  enc.conv0.w (C, kernel0*M) [out][tap][in]          torch Conv1d weight (C, M, K0) permuted
  enc.conv0.b (C); enc.ln0.g/.b (C); enc.ln.g/.b; dec.ln.g/.b  (LayerNorm weight/bias)
  enc.out.w (d, C), dec.in.w (C, d), dec.out.w (U*V, C), and .b   Linear: same as torch
  {enc,dec}.blockI.dw.w (K, C) [tap][channel]       depthwise Conv1d weight (C, 1, K)
  {enc,dec}.blockI.dw.b (C); .pw.w (C, C); .pw.b; .ln.g; .ln.b      (dwconv)
  {enc,dec}.blockI.conv.w (C, K*C) [out][tap][in]   Conv1d weight (C, C, K)
  {enc,dec}.blockI.conv.b (C); .ln.g; .ln.b                         (conv)

Commands (used by tests/tools/test_torch.c; a short recipe for your own data):
  semsim_torch.py train --manifest M.tsv --out A.safetensors [--family dwconv] [--steps N]
  semsim_torch.py hyp --model A.safetensors --manifest M.tsv --out HYP.trn [--dump DIR]
      (--dump: DIR/ID.mel, the log-mel, and DIR/ID.logp, the log-probabilities, float32)
Needs python3-torch and python3-numpy (tools/setup.sh --with-torch); no other package.
"""
import argparse
import json
import os
import re
import struct
import sys
import wave

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = "_ 'abcdefghijklmnopqrstuvwxyz"  # class 0 is the CTC blank
FORMAT, FORMAT_VERSION = "semsim-agent", 1

# Agent A's shape (codecs/agent_arch.c defaults); recipes change any of them.
DEFAULT_ARCH = dict(family="dwconv", n_mels=80, latent_dim=64, stride=2, width=256, kernel0=5,
                    kernel=9, enc_depth=8, dec_depth=4, dilation_max=4, dropout=0.1, upsample=1)
# docs/frontend.md: 25 ms Hann windows every 10 ms, 80 HTK-mel bands, natural log,
# per-utterance mean/variance normalisation per band.
DEFAULT_FRONTEND = dict(sample_rate=16000, win_length=400, hop_length=160, n_fft=512, n_mels=80,
                        f_min=0.0, f_max=0.0, log_floor=1e-10, normalize=1)
# model-file attribute of each architecture field (codecs/agent_arch.c's table)
ARCH_ATTR = dict(family="family", latent_dim="latent_dim", stride="stride", width="arch.width",
                 kernel0="arch.kernel0", kernel="arch.kernel", enc_depth="arch.enc_depth",
                 dec_depth="arch.dec_depth", dilation_max="arch.dilation_max",
                 dropout="arch.dropout", upsample="arch.upsample", n_mels="frontend.n_mels")


# ---- the network ------------------------------------------------------------------------------

def semsim_tanh(x):
    """codecs/nn.c's tanh: a [7/6] Pade approximant clamped at +-4.97 (|err| < 1e-4)."""
    c = 4.97
    x = 0.5 * ((x + c).abs() - (x - c).abs())
    x2 = x * x
    num = x * (135135.0 + x2 * (17325.0 + x2 * (378.0 + x2)))
    den = 135135.0 + x2 * (62370.0 + x2 * (3150.0 + x2 * 28.0))
    return num / den


class GELU(nn.Module):
    """GELU, tanh approximation. exact_semsim=True uses semsim's own tanh, so that logits
    match semsim to float rounding (for comparisons; train with either)."""

    def __init__(self):
        super().__init__()
        self.exact_semsim = False

    def forward(self, x):
        if not self.exact_semsim:
            return F.gelu(x, approximate="tanh")
        u = 0.7978845608028654 * (x + 0.044715 * x * x * x)
        return 0.5 * x * (1.0 + semsim_tanh(u))


def block_dilation(dilation_max, i):
    n = 0
    while (1 << n) < dilation_max:
        n += 1
    return 1 << (i % (n + 1))


class DWBlock(nn.Module):
    """dwconv: h + Dropout(GELU(pw(LN(depthwise conv(h))))), h (B, T, C)."""

    def __init__(self, C, K, dil, p):
        super().__init__()
        self.dw = nn.Conv1d(C, C, K, padding=dil * (K - 1) // 2, dilation=dil, groups=C)
        self.ln = nn.LayerNorm(C, eps=1e-5)
        self.pw = nn.Linear(C, C)
        self.act, self.drop = GELU(), nn.Dropout(p)

    def forward(self, h):
        a = self.dw(h.transpose(1, 2)).transpose(1, 2)
        return h + self.drop(self.act(self.pw(self.ln(a))))

    def tensors(self, pre, out):
        out[pre + ".dw.w"] = self.dw.weight[:, 0, :].T  # (C,1,K) -> (K,C)
        out[pre + ".dw.b"] = self.dw.bias
        out[pre + ".ln.g"], out[pre + ".ln.b"] = self.ln.weight, self.ln.bias
        out[pre + ".pw.w"], out[pre + ".pw.b"] = self.pw.weight, self.pw.bias

    def load(self, pre, t):
        self.dw.weight.copy_(t[pre + ".dw.w"].T.unsqueeze(1))
        self.dw.bias.copy_(t[pre + ".dw.b"])
        self.ln.weight.copy_(t[pre + ".ln.g"])
        self.ln.bias.copy_(t[pre + ".ln.b"])
        self.pw.weight.copy_(t[pre + ".pw.w"])
        self.pw.bias.copy_(t[pre + ".pw.b"])


class ConvBlock(nn.Module):
    """conv: h + Dropout(GELU(LN(full conv(h)))), h (B, T, C)."""

    def __init__(self, C, K, dil, p):
        super().__init__()
        self.conv = nn.Conv1d(C, C, K, padding=dil * (K - 1) // 2, dilation=dil)
        self.ln = nn.LayerNorm(C, eps=1e-5)
        self.act, self.drop = GELU(), nn.Dropout(p)

    def forward(self, h):
        a = self.conv(h.transpose(1, 2)).transpose(1, 2)
        return h + self.drop(self.act(self.ln(a)))

    def tensors(self, pre, out):
        w = self.conv.weight  # (out, in, K) -> (out, K*in)
        out[pre + ".conv.w"] = w.permute(0, 2, 1).reshape(w.shape[0], -1)
        out[pre + ".conv.b"] = self.conv.bias
        out[pre + ".ln.g"], out[pre + ".ln.b"] = self.ln.weight, self.ln.bias

    def load(self, pre, t):
        C, _, K = self.conv.weight.shape
        self.conv.weight.copy_(t[pre + ".conv.w"].reshape(C, K, C).permute(0, 2, 1))
        self.conv.bias.copy_(t[pre + ".conv.b"])
        self.ln.weight.copy_(t[pre + ".ln.g"])
        self.ln.bias.copy_(t[pre + ".ln.b"])


class Agent(nn.Module):
    """A semsim agent (codecs/agent.h) with the architecture arch (DEFAULT_ARCH's keys)."""

    def __init__(self, **arch):
        super().__init__()
        a = dict(DEFAULT_ARCH, **arch)
        if a["family"] not in ("dwconv", "conv"):
            raise ValueError("family must be dwconv or conv")
        self.arch = a
        M, C, d, U = a["n_mels"], a["width"], a["latent_dim"], a["upsample"]
        K, p, V = a["kernel"], a["dropout"], len(VOCAB)
        Block = DWBlock if a["family"] == "dwconv" else ConvBlock
        self.register_buffer("mean", torch.zeros(M))  # input normalisation, not trained
        self.register_buffer("scale", torch.ones(M))
        self.conv0 = nn.Conv1d(M, C, a["kernel0"], stride=a["stride"],
                               padding=(a["kernel0"] - 1) // 2)
        self.ln0, self.act0 = nn.LayerNorm(C, eps=1e-5), GELU()
        dm = a["dilation_max"]
        self.enc = nn.ModuleList([Block(C, K, block_dilation(dm, i), p)
                                  for i in range(a["enc_depth"])])
        self.enc_ln, self.enc_out = nn.LayerNorm(C, eps=1e-5), nn.Linear(C, d)
        self.dec_in = nn.Linear(d, C)
        self.dec = nn.ModuleList([Block(C, K, block_dilation(dm, i), p)
                                  for i in range(a["dec_depth"])])
        self.dec_ln, self.dec_out = nn.LayerNorm(C, eps=1e-5), nn.Linear(C, U * V)

    def exact_semsim(self, on=True):
        """Use semsim's tanh inside GELU (to compare logits with semsim's to rounding)."""
        for m in self.modules():
            if isinstance(m, GELU):
                m.exact_semsim = on
        return self

    def encode(self, mel):  # (B, T, M) -> z (B, T', d)
        x = (mel - self.mean) * self.scale
        h = self.act0(self.ln0(self.conv0(x.transpose(1, 2)).transpose(1, 2)))
        for b in self.enc:
            h = b(h)
        return self.enc_out(self.enc_ln(h))

    def decode(self, z):  # (B, T', d) -> log-probabilities (B, T'*U, V)
        h = self.dec_in(z)
        for b in self.dec:
            h = b(h)
        logits = self.dec_out(self.dec_ln(h))
        return F.log_softmax(logits.reshape(z.shape[0], -1, len(VOCAB)), dim=-1)

    def forward(self, mel):
        return self.decode(self.encode(mel))

    def semsim_tensors(self):
        """{semsim name: float32 numpy array in semsim's layout}."""
        t = {"enc.norm.mean": self.mean, "enc.norm.scale": self.scale,
             "enc.conv0.w": self.conv0.weight.permute(0, 2, 1).reshape(self.conv0.out_channels, -1),
             "enc.conv0.b": self.conv0.bias}
        for name, m in (("enc.ln0", self.ln0), ("enc.ln", self.enc_ln), ("dec.ln", self.dec_ln)):
            t[name + ".g"], t[name + ".b"] = m.weight, m.bias
        for name, m in (("enc.out", self.enc_out), ("dec.in", self.dec_in), ("dec.out", self.dec_out)):
            t[name + ".w"], t[name + ".b"] = m.weight, m.bias
        for side, blocks in (("enc", self.enc), ("dec", self.dec)):
            for i, b in enumerate(blocks):
                b.tensors("%s.block%d" % (side, i), t)
        return {k: np.ascontiguousarray(v.detach().cpu().numpy(), dtype=np.float32)
                for k, v in t.items()}

    @torch.no_grad()
    def load_semsim_tensors(self, arrays):
        """The reverse of semsim_tensors (every tensor must be there with its shape)."""
        t = {k: torch.from_numpy(np.array(v, dtype=np.float32)) for k, v in arrays.items()}
        want = self.semsim_tensors()
        for k, v in want.items():
            if k not in t or tuple(t[k].shape) != v.shape:
                raise ValueError("tensor %s missing or not of shape %s" % (k, v.shape))
        if set(t) != set(want):
            raise ValueError("tensors not of this architecture: %s" % sorted(set(t) - set(want)))
        self.mean.copy_(t["enc.norm.mean"])
        self.scale.copy_(t["enc.norm.scale"])
        C, M, K0 = self.conv0.weight.shape
        self.conv0.weight.copy_(t["enc.conv0.w"].reshape(C, K0, M).permute(0, 2, 1))
        self.conv0.bias.copy_(t["enc.conv0.b"])
        for name, m in (("enc.ln0", self.ln0), ("enc.ln", self.enc_ln), ("dec.ln", self.dec_ln)):
            m.weight.copy_(t[name + ".g"])
            m.bias.copy_(t[name + ".b"])
        for name, m in (("enc.out", self.enc_out), ("dec.in", self.dec_in), ("dec.out", self.dec_out)):
            m.weight.copy_(t[name + ".w"])
            m.bias.copy_(t[name + ".b"])
        for side, blocks in (("enc", self.enc), ("dec", self.dec)):
            for i, b in enumerate(blocks):
                b.load("%s.block%d" % (side, i), t)


# ---- safetensors, written and read with the standard library --------------------------------

def save_safetensors(agent, path, frontend=None, extra=None):
    """Writes agent as a safetensors file `semsim import` reads: F32 tensors in semsim's names
    and layouts, the architecture, vocabulary, front-end settings and format tags in
    __metadata__ (strings), with their types in "semsim.types"."""
    fe = dict(DEFAULT_FRONTEND, **(frontend or {}))
    fe["n_mels"] = agent.arch["n_mels"]
    meta, types = {}, {}

    def put(k, v):
        if isinstance(v, str):
            meta[k], types[k] = v, "str"
        elif isinstance(v, (int, np.integer)):
            meta[k], types[k] = str(int(v)), "int"
        else:
            meta[k], types[k] = repr(float(v)), "double"

    put("format", FORMAT)
    put("format_version", FORMAT_VERSION)
    put("vocab", VOCAB)
    for k, attr in ARCH_ATTR.items():
        put(attr, agent.arch[k])
    for k, v in fe.items():
        put("frontend." + k, v)
    for k, v in (extra or {}).items():
        put(k, v)
    meta["semsim.types"] = json.dumps(types, separators=(",", ":"))
    header, blobs, pos = {"__metadata__": meta}, [], 0
    for name, x in sorted(agent.semsim_tensors().items()):
        b = x.astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(x.shape), "data_offsets": [pos, pos + len(b)]}
        blobs.append(b)
        pos += len(b)
    js = json.dumps(header, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)) + js + b"".join(blobs))


def read_safetensors(path):
    """(metadata dict, {name: numpy array}) of a safetensors file (F32/F64/F16 tensors)."""
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    meta = header.pop("__metadata__", {})
    np_dtype = {"F32": "<f4", "F64": "<f8", "F16": "<f2"}
    arrays = {}
    for name, e in header.items():
        b, end = e["data_offsets"]
        arrays[name] = np.frombuffer(data[b:end], dtype=np_dtype[e["dtype"]]).reshape(e["shape"])
    return meta, arrays


def load_safetensors(path):
    """An Agent (and its front-end settings) from a file of `semsim export` or save_safetensors."""
    meta, arrays = read_safetensors(path)
    if meta.get("format") != FORMAT or meta.get("vocab") != VOCAB:
        raise ValueError("%s: not a semsim agent" % path)
    arch = {}
    for k, attr in ARCH_ATTR.items():
        if attr in meta:
            v = meta[attr]
            arch[k] = v if k == "family" else (float(v) if k == "dropout" else int(v))
    fe = {k[9:]: (float(v) if k[9:] in ("f_min", "f_max", "log_floor") else int(v))
          for k, v in meta.items() if k.startswith("frontend.")}
    agent = Agent(**arch)
    agent.load_semsim_tensors(arrays)
    return agent.eval(), fe


# ---- front-end, text, greedy decoding ----------------------------------------------------------

def read_wav(path):
    """16-bit PCM mono WAV -> float32 in [-1, 1) and its sample rate."""
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        return x.astype(np.float32) / 32768.0, w.getframerate()


class Frontend:
    """docs/frontend.md in numpy (float64): the log-mel features semsim's agents read."""

    def __init__(self, fe=None):
        fe = dict(DEFAULT_FRONTEND, **(fe or {}))
        self.fs, self.win, self.hop = fe["sample_rate"], fe["win_length"], fe["hop_length"]
        self.n_fft, self.floor, self.norm = fe["n_fft"], fe["log_floor"], fe["normalize"]
        f_max = fe["f_max"] or self.fs / 2
        mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
        imel = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
        edges = imel(np.linspace(mel(fe["f_min"]), mel(f_max), fe["n_mels"] + 2))
        bins = np.arange(self.n_fft // 2 + 1) * self.fs / self.n_fft
        lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
        tri = np.minimum((bins[None, :] - lo) / (mid - lo), (hi - bins[None, :]) / (hi - mid))
        self.fb_t = np.maximum(0.0, tri).T.copy()
        self.window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(self.win) / self.win)

    def __call__(self, x, rate):  # (n,) samples at `rate` -> (T, n_mels) float32
        if rate != self.fs:
            raise ValueError("audio at %d Hz; this front-end reads %d Hz" % (rate, self.fs))
        x = x.astype(np.float64)
        T = 0 if len(x) < self.win else 1 + (len(x) - self.win) // self.hop
        fr = np.lib.stride_tricks.sliding_window_view(x, self.win)[::self.hop][:T] * self.window
        y = np.log(np.maximum(np.abs(np.fft.rfft(fr, n=self.n_fft, axis=1)) ** 2 @ self.fb_t,
                              self.floor))
        if self.norm:
            y = (y - y.mean(axis=0)) / np.sqrt(y.var(axis=0) + 1e-5)
        return y.astype(np.float32)


def text_targets(s):
    """A transcript as class indices: lower case, letters, apostrophe and single spaces."""
    s = re.sub(r"[^a-z' ]+", " ", s.lower())
    return [VOCAB.index(c) for c in " ".join(s.split())]


def greedy(lp):
    """semsim's greedy CTC decoding of (T, V) log-probabilities: argmax per frame (first
    maximum), collapse repeats, drop blanks; spaces only between words."""
    out, prev, pending = [], -1, False
    for k in lp.argmax(dim=-1).tolist():
        if k != prev and k != 0:
            if k == 1:
                pending = bool(out)
            else:
                if pending:
                    out.append(" ")
                    pending = False
                out.append(VOCAB[k])
        prev = k
    return "".join(out)


def read_manifest(path):
    """[(id, wav path, transcript)] of a semsim manifest (ID<TAB>AUDIO<TAB>TRANSCRIPT)."""
    base, rows = os.path.dirname(os.path.abspath(path)), []
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        uid, audio, ref = line.rstrip("\n").split("\t")[:3]
        rows.append((uid, os.path.join(base, audio), ref))
    return rows


# ---- training ----------------------------------------------------------------------------------

def train(agent, feats, texts, steps=200, lr=3e-3, seed=1, log=None):
    """CTC training with Adam, one utterance per step in turn: feats [(T, M) float32],
    texts [str]. Sets the input normalisation from the features first."""
    torch.manual_seed(seed)
    allf = np.concatenate(feats)
    with torch.no_grad():
        agent.mean.copy_(torch.from_numpy(allf.mean(axis=0)))
        agent.scale.copy_(torch.from_numpy(1.0 / np.sqrt(allf.var(axis=0) + 1e-5)))
    opt = torch.optim.Adam(agent.parameters(), lr=lr)
    agent.train()
    for step in range(steps):
        i = step % len(feats)
        mel = torch.from_numpy(feats[i]).unsqueeze(0)
        lp = agent(mel)  # (1, T'', V)
        tgt = torch.tensor(text_targets(texts[i]))
        loss = F.ctc_loss(lp.transpose(0, 1), tgt.unsqueeze(0), [lp.shape[1]], [len(tgt)],
                          blank=0, zero_infinity=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log and (step % 50 == 0 or step == steps - 1):
            log("step %d loss %.3f" % (step, loss.item()))
    return agent.eval()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("mode", choices=["train", "hyp"])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", help="hyp: the safetensors file")
    ap.add_argument("--family", default="dwconv")
    ap.add_argument("--arch", default="", help="train: K=V,... over the defaults, e.g. width=32")
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--dump", help="hyp: write DIR/ID.mel and DIR/ID.logp (float32)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rows = read_manifest(args.manifest)
    if args.mode == "train":
        arch = {"family": args.family}
        for kv in filter(None, args.arch.split(",")):
            k, v = kv.split("=")
            arch[k] = float(v) if k == "dropout" else int(v)
        fe = Frontend()
        feats = [fe(*read_wav(p)) for _, p, _ in rows]
        agent = train(Agent(**arch), feats, [r for _, _, r in rows], args.steps, args.lr,
                      log=lambda s: print(s, file=sys.stderr))
        save_safetensors(agent, args.out, extra={"train.tool": "tools/semsim_torch.py"})
        return
    agent, fe_attrs = load_safetensors(args.model)
    agent.exact_semsim()
    fe = Frontend(fe_attrs)
    with open(args.out, "w") as out, torch.inference_mode():
        for uid, path, _ in rows:
            mel = fe(*read_wav(path))
            lp = agent(torch.from_numpy(mel).unsqueeze(0))[0]
            out.write("%s (%s)\n" % (greedy(lp), uid))
            if args.dump:
                mel.tofile(os.path.join(args.dump, uid + ".mel"))
                lp.numpy().astype(np.float32).tofile(os.path.join(args.dump, uid + ".logp"))


if __name__ == "__main__":
    main()
