"""Hostile values from Python (issue 10, item 1): a dict that contains itself, lists and dicts
nested 100,000 deep, list subclasses with an endless ``__iter__``, strings that are not Unicode
text, in any option or topology dict. Each is an ``InvalidArgument`` naming the option (or, for
the subclass, read as the list it is), never a crash: before, the converter recursed until the
stack overflowed and the interpreter died with a segmentation fault.

Every snippet runs in a child interpreter, because a crash there must fail this test instead of
killing pytest. The fuzz test feeds seeded random structures (``random.Random``, fixed seeds,
bounded counts and depths) through the same entry points, with a client whose socket does not
exist, so a value that converts can never create anything.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import daemon_objects, unique

# Helpers every child gets: `deep(n, leaf)` nests `leaf` in n lists (built iteratively: only the
# converter may recurse), `outcome(f)` runs f and prints what happened as one JSON line.
PRELUDE = r'''
import json, sys
import dockernet

def deep(n, leaf, wrap=lambda v: [v]):
    for _ in range(n):
        leaf = wrap(leaf)
    return leaf

def outcome(f):
    try:
        f()
        out = {"cls": "ok"}
    except dockernet.DockerError as e:
        out = {"cls": type(e).__name__, "kind": e.kind, "msg": str(e)}
    except Exception as e:
        out = {"cls": type(e).__name__, "msg": str(e)}
    print(json.dumps(out))
'''


def run_child(code: str, timeout: float = 120) -> dict:
    """Runs PRELUDE + code in a fresh interpreter; it must exit 0 (a negative return code is the
    signal that killed it: -11 is a segmentation fault). Returns its last line, parsed as JSON."""
    p = subprocess.run([sys.executable, "-c", PRELUDE + code], capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, (
        f"the child interpreter exited with {p.returncode} (negative: killed by that signal)\n"
        f"stdout: {p.stdout[-2000:]}\nstderr: {p.stderr[-2000:]}"
    )
    return json.loads(p.stdout.strip().splitlines()[-1])


NAME = unique("hostile")

# (test id, snippet calling outcome(...), expected class, words the message must contain)
CASES = [
    (
        "topology-cyclic-labels",
        'd = {}; d["a"] = d\noutcome(lambda: dockernet.Topology.from_dict({"name": "x", "labels": d}))',
        "InvalidArgument",
        ["topology: option labels.a: recursive value (this dict contains itself)"],
    ),
    (
        "networks-create-cyclic-labels",
        'd = {}; d["a"] = d\nc = dockernet.from_env()\noutcome(lambda: c.networks.create(NAME, labels=d))',
        "InvalidArgument",
        # (labels is copied into a new dict first: the copy's "a" is d, whose "a" is d again.)
        ["networks.create(", "option labels.a.a: recursive value (this dict contains itself)"],
    ),
    (
        "topology-cyclic-list",
        'l = []; l.append(l)\noutcome(lambda: dockernet.Topology.from_dict({"name": "x", "nodes": {"a": {"ports": l}}}))',
        "InvalidArgument",
        ["option nodes.a.ports[0]: recursive value (this list contains itself)"],
    ),
    (
        "topology-deep-list",
        'outcome(lambda: dockernet.Topology.from_dict({"name": "x", "labels": deep(100_000, "v")}))',
        "InvalidArgument",
        ["topology: option labels[0][0]", "nested more than 64 levels"],
    ),
    (
        "topology-deep-dict",
        'v = deep(100_000, "v", lambda v: {"a": v})\n'
        'outcome(lambda: dockernet.Topology.from_dict({"name": "x", "nodes": {"n": {"ports": v}}}))',
        "InvalidArgument",
        ["option nodes.n.ports.a.a", "nested more than 64 levels"],
    ),
    (
        "networks-create-deep-labels",
        "c = dockernet.from_env()\noutcome(lambda: c.networks.create(NAME, labels=deep(100_000, 'k=v')))",
        "InvalidArgument",
        ["option labels[0][0]", "nested more than 64 levels"],
    ),
    (
        "containers-run-deep-ports",
        "c = dockernet.from_env()\n"
        "outcome(lambda: c.containers.run('dockernet-testbox:latest', name=NAME, ports={'80/tcp': deep(100_000, 8080)}))",
        "InvalidArgument",
        ["option ports.80/tcp[0]", "nested more than 64 levels"],
    ),
    (
        "containers-run-deep-environment",
        "c = dockernet.from_env()\n"
        "outcome(lambda: c.containers.run('dockernet-testbox:latest', name=NAME, environment={'A': deep(100_000, '1')}))",
        "InvalidArgument",
        ["option env.A"],
    ),
    (
        "exec-deep-command",
        "c = dockernet.from_env()\noutcome(lambda: c._native.container_exec(NAME, deep(100_000, 'sh')))",
        "InvalidArgument",
        ["exec_run: cmd: option [0]"],
    ),
    (
        "lone-surrogate",
        'outcome(lambda: dockernet.Topology.from_dict({"name": "x", "labels": {"a": "\\udcff"}}))',
        "InvalidArgument",
        ["option labels.a", "not valid Unicode text"],
    ),
    (
        # Read as the list it is (empty): the endless __iter__ is never called. (It used to be:
        # the converter iterated forever, growing without bound.)
        "endless-list-subclass",
        "class Endless(list):\n"
        "    def __iter__(self):\n"
        "        while True:\n"
        "            yield 'k=v'\n"
        'outcome(lambda: dockernet.Topology.from_dict({"name": "x", "labels": Endless()}))',
        "ok",
        [],
    ),
]


@pytest.mark.parametrize("code, cls, needles", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_value_is_invalid_argument_not_a_crash(code, cls, needles):
    """The snippet's call ends in `cls` with every needle in its message, in a child interpreter
    that exits normally; nothing named NAME is left on the daemon."""
    out = run_child(f"NAME = {NAME!r}\n{code}")
    assert out["cls"] == cls, out
    if cls != "ok":
        assert out["kind"] == "invalid", out
    for n in needles:
        assert n in out["msg"], (n, out)
    nets, ctrs = daemon_objects()
    assert NAME not in nets and NAME not in ctrs


def test_depth_limit_is_exact():
    """A topology value nested exactly as deep as the limit allows (64 dicts and lists, the
    top-level dict included) is read; one level more is refused."""
    # The spec, `nodes` and `n` are three levels; `ports` adds 61 (64 in all), then 62.
    code = 'outcome(lambda: dockernet.Topology.from_dict({"name": "x", "image": "i", "nodes": {"n": {"ports": deep(%d, "80:80")}}}))'
    out = run_child(code % 61)
    # Read; whether such ports are valid is not this test's concern.
    assert out["cls"] in ("ok", "InvalidArgument") and "nested more than" not in out.get("msg", ""), out
    out = run_child(code % 62)
    assert out["cls"] == "InvalidArgument" and "nested more than 64 levels" in out["msg"], out


FUZZ = r'''
import math, random

SEEDS, PER_SEED = [1, 2, 3, 4], 120
KEYS = ["name", "labels", "networks", "nodes", "ports", "env", "subnet", "aliases", "command", "expect",
        "internal", "driver", "options", "image", "to", "via", "from", "reach", "", "x.y"]

def leaf(r):
    return r.choice([
        None, True, False, 0, -1, 2**63 - 1, 2**64, -(2**70), 1.5, math.nan, math.inf, "", "web", "10.0.0.0/24",
        "a=b", "80:80", "\udcff", "é", b"bytes", object(), {1, 2}, 3j, r.randrange(-10**6, 10**6),
        "".join(chr(r.randrange(0x20, 0x3000)) for _ in range(r.randrange(6))),
    ])

def tree(r, depth, open_):
    """A random value; sometimes a reference to an enclosing container (a cycle), sometimes a long
    chain of one-element containers (deeper than the limit or not)."""
    roll = r.random()
    if open_ and roll < 0.05:
        return r.choice(open_)
    if roll < 0.08:
        return deep(r.randrange(40, 120), leaf(r), r.choice([lambda v: [v], lambda v: {"k": v}, lambda v: (v,)]))
    if depth <= 0 or roll < 0.4:
        return leaf(r)
    if roll < 0.7:
        out = []
        open_.append(out)
        out.extend(tree(r, depth - 1, open_) for _ in range(r.randrange(4)))
        open_.pop()
        return tuple(out) if r.random() < 0.2 else out
    out = {}
    open_.append(out)
    for _ in range(r.randrange(4)):
        k = r.choice(KEYS) if r.random() < 0.9 else leaf(r)
        try:
            out[k] = tree(r, depth - 1, open_)
        except TypeError:  # an unhashable key
            pass
    open_.pop()
    return out

# No daemon answers here: a value that converts ends in DaemonUnavailable, never in a new object.
c = dockernet.Client(base_url="unix:///nonexistent-dockernet-fuzz/docker.sock")
counts, unexpected = {}, []
allowed = {"ok", "InvalidArgument", "DaemonUnavailable", "TypeError"}
for seed in SEEDS:
    r = random.Random(seed)
    for i in range(PER_SEED):
        v, k = tree(r, 5, []), r.choice(KEYS)
        calls = [
            ("topology", lambda: dockernet.Topology.from_dict({"name": "f", k: v})),
            ("topology-root", lambda: dockernet.Topology.from_dict(v) if isinstance(v, dict) else None),
            ("create", lambda: c._native.network_create("dnt-fuzz-never", {k: v})),
            ("run", lambda: c._native.container_run({"image": "i", k: v})),
            ("exec", lambda: c._native.container_exec("dnt-fuzz-never", v)),
            ("ls-options", lambda: c._native.network_ls(v)),
        ]
        for what, f in calls:
            try:
                f()
                cls = "ok"
            except dockernet.DockerError as e:
                cls = type(e).__name__
                if cls == "InvalidArgument" and not str(e):
                    unexpected.append((seed, i, what, "empty message"))
            except Exception as e:
                cls = type(e).__name__
            counts[cls] = counts.get(cls, 0) + 1
            if cls not in allowed:
                unexpected.append((seed, i, what, cls))
print(json.dumps({"counts": counts, "unexpected": unexpected[:20]}))
'''


def test_fuzz_random_nested_values_never_crash():
    """480 seeded random structures (cycles, chains up to 120 deep, odd scalars) through
    Topology.from_dict and the option readers of create, run, exec and ls: each converts or is a
    typed error; the child interpreter survives them all."""
    out = run_child(FUZZ, timeout=300)
    assert out["unexpected"] == [], out
    counts = out["counts"]
    assert counts.get("InvalidArgument", 0) > 100, counts
    assert counts.get("ok", 0) + counts.get("DaemonUnavailable", 0) > 100, counts


def test_filter_values_of_the_wrong_shape_are_invalid_arguments() -> None:
    """``networks.list(filters=)``: a value that is neither text, a number, a bool nor a list of
    them is refused naming the filter, even 100,000 levels deep (it was a RecursionError)."""
    import dockernet

    client = dockernet.Client(base_url="unix:///nonexistent/dockernet-filters.sock")
    deep: list = []
    cur = deep
    for _ in range(100_000):
        nxt: list = []
        cur.append(nxt)
        cur = nxt
    for filters, needle in (({"name": deep}, "filters.name"), ({"name": {"a": 1}}, "filters.name[0]")):
        with pytest.raises(dockernet.InvalidArgument) as e:
            client.networks.list(filters=filters)
        assert needle in str(e.value)
