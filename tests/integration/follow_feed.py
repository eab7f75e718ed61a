#!/usr/bin/env python3
"""Grows an NCEI-shaped tree the way NOAA does, for the follow tests (not a test itself).

usage: follow_feed.py PLAN STEP_SECONDS
PLAN: one line per served file: SOURCE DEST START_STEP LINES_PER_STEP
Each step appends the next LINES_PER_STEP lines of SOURCE to DEST (DEST's folder is created at
START_STEP: before that the year is "not there yet", a 404). Every third step a file also gets
the first 50 bytes of its next line, completed at the next step (a half-written last line).
Prints "fed N lines" on stderr at the end."""
import os
import sys
import time


def main():
    plan_path, step_s = sys.argv[1], float(sys.argv[2])
    files = []
    with open(plan_path) as f:
        for row in f:
            if not row.strip():
                continue
            src, dest, start, per = row.split()
            with open(src, "rb") as s:
                lines = s.read().splitlines(keepends=True)
            files.append({"lines": lines, "dest": dest, "start": int(start), "per": int(per),
                          "next": 0, "pending": b""})
    step, fed = 0, 0
    while any(x["next"] < len(x["lines"]) or x["pending"] for x in files):
        for i, x in enumerate(files):
            if step < x["start"] or (x["next"] >= len(x["lines"]) and not x["pending"]):
                continue
            os.makedirs(os.path.dirname(x["dest"]), exist_ok=True)
            chunk = x["pending"]
            x["pending"] = b""
            end = min(x["next"] + x["per"], len(x["lines"]))
            chunk += b"".join(x["lines"][x["next"]:end])
            fed += end - x["next"]
            x["next"] = end
            if (step + i) % 3 == 0 and x["next"] < len(x["lines"]):
                half = x["lines"][x["next"]][:50]
                x["next"] += 1
                fed += 1
                chunk += half
                # the rest of that line comes first at the next step
                x["pending"] = x["lines"][x["next"] - 1][50:]
            with open(x["dest"], "ab") as d:
                d.write(chunk)
        step += 1
        time.sleep(step_s)
    print(f"fed {fed} lines in {step} steps", file=sys.stderr)


if __name__ == "__main__":
    main()
