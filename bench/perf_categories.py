"""Sums a `perf record` profile of a dockernet client loop into cost categories.

    python bench/perf_categories.py PERF.DATA

Flat profile (the release build has no frame pointers or DWARF info, so self time only); each
symbol is put in one bucket by its name and library. Used by bench/profile.sh; the buckets
answer "how much of the client's CPU is the intermediate serde_json::Value tree".
"""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Dict, List, Tuple

BUCKETS = [
    "JSON -> serde_json::Value (parse, IndexMap, hashing, UTF-8 checks)",
    "Value -> Lua/Python (serialize, mlua, pythonize)",
    "drop of the Value tree",
    "Lua VM and GC (tables, string interning)",
    "CPython objects and GC",
    "libc malloc/free/memcpy (shared by all of the above)",
    "HTTP + runtime (hyper, hyper-util pool, tokio, http)",
    "kernel (syscalls, scheduling)",
    "other",
]


def bucket(dso: str, kernel: bool, sym: str) -> str:
    if kernel:
        return BUCKETS[7]
    if "drop_in_place<serde_json" in sym or "drop_in_place<indexmap" in sym:
        return BUCKETS[2]
    if "value::ser" in sym or "pythonize" in sym or "mlua" in sym:
        return BUCKETS[1]
    if any(k in sym for k in ("hyper", "tokio", "http::", "httparse", "bytes::", "mio::")):
        return BUCKETS[6]
    if any(k in sym for k in ("serde_json", "indexmap", "hashbrown", "sip::Hasher", "hash_one", "from_utf8", "memcmp")):
        # SipHash also keys hyper-util's pool map, a few % of a small call; IndexMap's keys dominate ls.
        return BUCKETS[0]
    if re.match(r"(lua|luaH|luaS|luaM|luaC|luaV|luaD|luaF|luaE|singlestep|propagatemark|reallymarkobject|freeobj|"
                r"mainposition|sweep|atomic|traverse|index2value|auxgetstr)", sym):
        return BUCKETS[3]
    if "python" in dso:
        return BUCKETS[4]
    if dso.startswith("libc"):
        return BUCKETS[5]
    return BUCKETS[8]


def main() -> int:
    out = subprocess.run(["perf", "report", "-i", sys.argv[1], "--no-children", "--sort", "dso,symbol", "-g", "none"],
                         capture_output=True, text=True, check=True).stdout
    sums: Dict[str, float] = {b: 0.0 for b in BUCKETS}
    others: List[Tuple[float, str]] = []
    for line in out.splitlines():
        m = re.match(r"\s+([0-9.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)", line)
        if not m:
            continue
        pct, dso, kind, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()
        b = bucket(dso, kind == "k", sym)
        sums[b] += pct
        if b == BUCKETS[8]:
            others.append((pct, f"{dso} {sym[:70]}"))
    for b, v in sorted(sums.items(), key=lambda kv: -kv[1]):
        print(f"  {v:5.1f}%  {b}")
    if others:
        print("  largest 'other':", "; ".join(f"{p:.1f}% {s}" for p, s in sorted(others, reverse=True)[:4]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
