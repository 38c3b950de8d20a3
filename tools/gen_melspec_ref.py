#!/usr/bin/python3
"""gen_melspec_ref.py -- reference log-mel vectors for tests/codecs/test_melspec.c.

An independent numpy (float64) implementation of the front-end defined in
codecs/melspec.h, run once by hand; its output is committed under tests/data/
so that the C tests never need Python:

    /usr/bin/python3 tools/gen_melspec_ref.py tests/data

The test signals come from closed formulas that the C test evaluates the same
way (double precision, then rounded to float32), so no input samples are
stored:

  chirp  x[n] = 0.5 sin(2 pi (f0 t + (f1 - f0) t^2 / (2 D))) + 0.003 u[n],
         t = n / fs, f0 = 100 Hz, f1 = 7000 Hz, D = N / fs
  noise  u[n] = ((s_n >> 40) / 2^24 - 0.5) * 0.6, s_0 = seed,
         s_{n+1} = s_n * 6364136223846793005 + 1442695040888963407 (mod 2^64),
         u[n] uses s_{n+1}; the noise case zeroes its first `zeros` samples.

Each file: `key value` lines, then `data`, then T*M values (row-major (T, M)).
"""
import os
import sys

import numpy as np

MASK = (1 << 64) - 1


def lcg_noise(n, seed):
    s = seed
    u = np.empty(n)
    for i in range(n):
        s = (s * 6364136223846793005 + 1442695040888963407) & MASK
        u[i] = ((s >> 40) / 16777216.0 - 0.5) * 0.6
    return u


def chirp(n, fs, seed):
    t = np.arange(n) / fs
    dur = n / fs
    f0, f1 = 100.0, 7000.0
    x = 0.5 * np.sin(2 * np.pi * (f0 * t + (f1 - f0) * t * t / (2 * dur)))
    return (x + 0.003 * lcg_noise(n, seed)).astype(np.float32)


def noise(n, seed, zeros):
    x = lcg_noise(n, seed)
    x[:zeros] = 0.0
    return x.astype(np.float32)


def mel_fbank(fs, n_fft, n_mels, f_min, f_max):
    """(n_mels, n_fft//2+1) HTK-mel triangles in Hz, peak 1 (librosa htk, norm=None)."""
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    imel = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    edges = imel(np.linspace(mel(f_min), mel(f_max), n_mels + 2))
    bins = np.arange(n_fft // 2 + 1) * fs / n_fft
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (bins[None, :] - lo) / (mid - lo)
    falling = (hi - bins[None, :]) / (hi - mid)
    return np.maximum(0.0, np.minimum(rising, falling))


def logmel(x, fs=16000, win=400, hop=160, n_fft=512, n_mels=80, f_min=0.0, f_max=None,
           floor=1e-10, normalize=0):
    f_max = fs / 2 if f_max is None else f_max
    x = x.astype(np.float64)
    T = 0 if len(x) < win else 1 + (len(x) - win) // hop
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(win) / win)  # periodic Hann
    frames = np.stack([x[t * hop:t * hop + win] * window for t in range(T)])
    spec = np.abs(np.fft.rfft(frames, n=n_fft, axis=1)) ** 2  # zero-padded at the end
    y = np.log(np.maximum(spec @ mel_fbank(fs, n_fft, n_mels, f_min, f_max).T, floor))
    if normalize:
        y = (y - y.mean(axis=0)) / np.sqrt(y.var(axis=0) + 1e-5)
    return y


CASES = [
    # name, signal, n, seed, zeros, config
    ("melspec_chirp.txt", "chirp", 8000, 1, 0, {}),
    ("melspec_noise_norm.txt", "noise", 4800, 7, 1600,
     {"n_mels": 40, "f_min": 20.0, "f_max": 7600.0, "normalize": 1}),
]


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/data"
    os.makedirs(out_dir, exist_ok=True)
    for name, sig, n, seed, zeros, cfg in CASES:
        x = chirp(n, 16000, seed) if sig == "chirp" else noise(n, seed, zeros)
        full = dict(fs=16000, win=400, hop=160, n_fft=512, n_mels=80, f_min=0.0, f_max=8000.0,
                    floor=1e-10, normalize=0)
        full.update(cfg)
        y = logmel(x, **full)
        with open(os.path.join(out_dir, name), "w") as f:
            f.write("# log-mel reference from tools/gen_melspec_ref.py (numpy %s, float64)\n"
                    % np.__version__)
            f.write("signal %s\nsamples %d\nseed %d\nzeros %d\n" % (sig, n, seed, zeros))
            for k in ("fs", "win", "hop", "n_fft", "n_mels", "f_min", "f_max", "floor",
                      "normalize"):
                f.write("%s %r\n" % (k, full[k]))
            f.write("frames %d\nbands %d\ndata\n" % y.shape)
            for row in y:
                f.write(" ".join("%.8e" % v for v in row) + "\n")
        print("%s: %d frames x %d bands" % (name, y.shape[0], y.shape[1]))


if __name__ == "__main__":
    main()
