#!/usr/bin/env python3
"""Sums the scavenges of a `node --trace-gc-nvp` run after the '#measure' line of
bench/fastpathMicro.ts: count, pause, the parts of the pause, and the bytes that survived."""
import re, sys, json
on = False
keys = ['pause', 'heap.external_weak_global_handles', 'scavenge.sweep_array_buffers', 'scavenge.parallel', 'new_space_survived', 'promoted']
tot = {k: 0.0 for k in keys}
n = 0
mx = 0.0
for line in sys.stdin:
    if line.startswith('#measure'):
        on = True
    if line.startswith('{'):
        print(line.strip())
    if not on or 'gc=s ' not in line:
        continue
    f = dict(re.findall(r'(\S+)=(\S+)', line))
    n += 1
    mx = max(mx, float(f['pause']))
    for k in keys:
        tot[k] += float(f.get(k, 0))
print(json.dumps({'scavenges': n, 'pauseMaxMs': mx, **{k: round(v / max(n, 1), 2) for k, v in tot.items()}, 'note': 'per scavenge means (ms; bytes)'}))
