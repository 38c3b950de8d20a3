#!/usr/bin/python3
"""beam_paired.py -- the paired WER difference of two `semsim eval --utts`
runs on the same manifest (a beam setting against the default), with a
bootstrap 95% interval over utterances.

    /usr/bin/python3 bench/beam_paired.py BASE.txt OTHER.txt [...]

Each file is the output of `semsim eval ... --utts`; utterances are matched
by id (both runs must list the same ones). For every OTHER it prints one
line: WER of BASE and OTHER, OTHER - BASE in WER points, its 95% interval
(10,000 resamples of the utterances, seed 1), and whether the two measure
equal by the rule of issue 14 (|difference| <= 0.2 points and the interval
holds 0). The decoding CPU seconds and x real time of each run's last line
are printed beside them.
"""
import random
import re
import sys

ROW = re.compile(r"^(\S+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+[\d.]+$")
DEC = re.compile(r"decoding ([\d.]+) s \((\d+)x real time\)")


def read(path):
    """{id: (words, errors)} and (decoding CPU s, x real time) of one run."""
    utts, dec = {}, (float("nan"), 0)
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = ROW.match(line.strip())
            if m:
                utts[m.group(1)] = (int(m.group(2)), int(m.group(6)))
            d = DEC.search(line)
            if d:
                dec = (float(d.group(1)), int(d.group(2)))
    if not utts:
        sys.exit(f"beam_paired: {path}: no per-utterance lines (run eval with --utts)")
    return utts, dec


def paired(base, other, resamples=10000, seed=1):
    ids = sorted(base)
    if sorted(other) != ids:
        sys.exit("beam_paired: the two runs list different utterances")
    w = [base[i][0] for i in ids]
    ea = [base[i][1] for i in ids]
    eb = [other[i][1] for i in ids]
    n, words = len(ids), sum(w)
    diff = 100.0 * (sum(eb) - sum(ea)) / words
    rng = random.Random(seed)
    stats = []
    for _ in range(resamples):
        idx = [rng.randrange(n) for _ in range(n)]
        sw = sum(w[i] for i in idx)
        stats.append(100.0 * sum(eb[i] - ea[i] for i in idx) / sw)
    stats.sort()
    lo, hi = stats[int(0.025 * resamples)], stats[int(0.975 * resamples) - 1]
    return 100.0 * sum(ea) / words, 100.0 * sum(eb) / words, diff, lo, hi, n, words


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    base, bdec = read(sys.argv[1])
    print(f"base {sys.argv[1]}: decoding {bdec[0]:.2f} CPU s ({bdec[1]}x real time)")
    for path in sys.argv[2:]:
        other, odec = read(path)
        a, b, d, lo, hi, n, words = paired(base, other)
        equal = abs(d) <= 0.2 and lo <= 0 <= hi
        print(f"{path}: {n} utts, {words} words; WER {a:.2f}% -> {b:.2f}%, "
              f"diff {d:+.2f} points [{lo:+.2f}, {hi:+.2f}] "
              f"{'EQUAL' if equal else 'not equal'}; decoding {odec[0]:.2f} CPU s "
              f"({odec[1]}x real time)")


if __name__ == "__main__":
    main()
