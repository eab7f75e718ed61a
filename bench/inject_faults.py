#!/usr/bin/env python3
"""Harder cases than `synth --anomalies` for bench/outlier_quality: injects one kind of event,
densely and with no care for gaps, into CLEAN USCRN files, and writes labels in synth's format.

    bench/inject_faults.py SRC_DIR OUT_DIR SEED MODE

SRC_DIR holds `wxstream synth` files (without --anomalies); every *.txt is copied to OUT_DIR with
events added to its air temperature (columns 58-64) and a *.labels.csv beside it. MODE:

  shift6      level shifts of +-6.0..6.5 C (the smallest the issue asks for) for 1-3 h, every
              12-40 h, at any time of day, also next to missing readings   (fault: `shift`)
  foehnsharp  warm jumps of +4.6..5.2 C of which 85-100 % falls in ONE interval, held 1-4 h,
              back over 1-2 h: harsher than "+5 C in 10 minutes"           (weather: `foehn`)
  frontsharp  fronts of -8 C in 15 minutes as -1.5, -5.0, -1.5, held 1-3 h, back over 4 h
                                                                           (weather: `front`)

Then: build/bench/outlier_quality $(for f in OUT_DIR/*.txt; do echo $f ${f%.txt}.labels.csv; done)
Deterministic for a given SEED and input. Standard library only."""
import glob
import os
import random
import sys


def iso(line):
    return '%s-%s-%sT%s:%s:00Z' % (line[6:10], line[10:12], line[12:14], line[15:17], line[17:19])


def main():
    if len(sys.argv) != 5 or sys.argv[4] not in ('shift6', 'foehnsharp', 'frontsharp'):
        sys.stderr.write(__doc__)
        return 2
    src, out, seed, mode = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    files = sorted(glob.glob(os.path.join(src, '*.txt')))
    if not files:
        sys.stderr.write('inject_faults.py: no *.txt in %s\n' % src)
        return 2
    for path in files:
        with open(path) as f:
            lines = f.read().splitlines()
        vals = [float(line[57:64]) for line in lines]
        n = len(lines)
        events = []
        i = 300
        while True:
            i += rnd.randint(150, 500)
            if i > n - 400:
                break
            if mode == 'shift6':
                length = rnd.randint(12, 36)
                m = rnd.uniform(6.0, 6.5) * rnd.choice((-1, 1))
                seg = range(i, i + length)
                deltas = [m] * length
                kind = 'shift'
            elif mode == 'foehnsharp':
                m = rnd.uniform(4.6, 5.2)
                share = rnd.uniform(0.85, 1.0)
                hold, rec = rnd.randint(12, 48), rnd.randint(12, 24)
                seg = range(i, i + 1 + hold + rec)
                deltas = [m * share] + [m] * hold + [m * (1 - k / rec) for k in range(1, rec + 1)]
                kind = 'foehn'
            else:
                m = -8.0
                hold, rec = rnd.randint(12, 36), 48
                seg = range(i, i + 3 + hold + rec)
                deltas = [-1.5, -6.5, -8.0] + [m] * hold + [m * (1 - k / rec) for k in range(rec)]
                kind = 'front'
            if any(vals[k] < -9000 for k in seg):
                continue  # the injected readings themselves are valid; their neighbours need not be
            for k, d in zip(seg, deltas):
                vals[k] = round(vals[k] + d, 1)
            events.append((seg[0], seg[-1], kind, m))
            i = seg[-1]
        for k in range(n):
            if vals[k] > -9000:
                lines[k] = lines[k][:57] + ('%7.1f' % vals[k]) + lines[k][64:]
        base = os.path.basename(path)
        with open(os.path.join(out, base), 'w') as f:
            f.write('\n'.join(lines) + '\n')
        with open(os.path.join(out, base[:-4] + '.labels.csv'), 'w') as f:
            f.write('event,kind,wban,first_utc,last_utc,magnitude\n')
            for e, (a, b, kind, m) in enumerate(events):
                f.write('%d,%s,%s,%s,%s,%.2f\n' % (e + 1, kind, lines[0][:5], iso(lines[a]),
                                                    iso(lines[b]), m))
        sys.stderr.write('inject_faults.py: %s: %d %s events\n' % (base, len(events), mode))
    return 0


if __name__ == '__main__':
    sys.exit(main())
