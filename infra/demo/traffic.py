#!/usr/bin/env python3
"""A small traffic generator for the first run: RATE requests a second to URL, for DURATION seconds
(0: until stopped), printing one line every 5 s with the answers it got. Loopback only.
Usage: traffic.py URL [RATE] [DURATION]"""
import collections
import sys
import time
import urllib.error
import urllib.request

url = sys.argv[1]
rate = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
duration = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
start = time.monotonic()
counts = collections.Counter()
last_report = start
n = 0
while duration <= 0 or time.monotonic() - start < duration:
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            counts["%d %s" % (r.status, r.read().decode().split()[0])] += 1
    except urllib.error.HTTPError as e:
        counts["%d %s" % (e.code, e.read().decode().split(" ")[0].strip() or "-")] += 1
    except OSError as e:
        counts["error"] += 1
    n += 1
    now = time.monotonic()
    if now - last_report >= 5:
        print("traffic: " + ", ".join("%s x%d" % kv for kv in sorted(counts.items())), flush=True)
        counts.clear()
        last_report = now
    time.sleep(max(0.0, start + n / rate - time.monotonic()))
