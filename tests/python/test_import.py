"""`import dockernet` stays cheap: it loads no `typing`, `re`, `html`, `enum`, `collections`… (those
alone cost ~20 ms, ten times the rest of the package), `dockernet.topology` loads on first use, and
what the lighter code replaced behaves as before: every public name imports as it did, and
`ExecResult` is indistinguishable from the `typing.NamedTuple` it was.

Each check runs in a fresh interpreter (`sys.executable`), where nothing else has imported those
modules yet; the ones the bare interpreter already had (a site hook may load some) are not counted.
"""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys
from typing import Any, NamedTuple, Tuple, Union

import dockernet
from dockernet import ExecResult

HEAVY = ["typing", "re", "html", "enum", "collections", "functools", "contextlib", "dataclasses", "asyncio", "inspect"]


def fresh(code: str) -> Any:
    """Runs `code` in a new interpreter; it ends with `print(json.dumps(...))`, whose value is returned."""
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def loaded_by(code: str) -> list[str]:
    """The HEAVY modules (and dockernet.topology) that `code` loads beyond a bare interpreter."""
    return fresh(
        "import sys\n"
        "before = set(sys.modules)\n"
        f"{code}\n"
        "new = set(sys.modules) - before\n"
        "import json\n"  # only now: json imports re, enum, functools…
        f"print(json.dumps(sorted(m for m in new if m in {HEAVY + ['dockernet.topology']!r})))"
    )


def test_import_loads_no_heavy_module():
    """`import dockernet` (and `from dockernet import *`) loads none of typing, re, html, enum,
    collections, functools, contextlib, dataclasses, asyncio, inspect, nor dockernet.topology."""
    assert loaded_by("import dockernet") == []
    assert loaded_by("from dockernet import Client, ExecResult, NetworkList, NotFound, from_env") == []


def test_using_the_client_loads_no_heavy_module(client):
    """Talking to the daemon (ping, version, list networks and containers, a NotFound) keeps it so."""
    assert (
        loaded_by(
            "import dockernet\n"
            "c = dockernet.from_env()\n"
            "assert c.ping() is True and c.version()['ApiVersion']\n"
            "nets = c.networks.list(names=['bridge'])\n"
            "assert [n.name for n in nets] == ['bridge'] and nets[0].short_id\n"
            "c.containers.list(all=True)\n"
            "try:\n"
            "    c.networks.get('dnt-py-no-such-network')\n"
            "except dockernet.NotFound:\n"
            "    pass\n"
            "else:\n"
            "    raise AssertionError('no NotFound')"
        )
        == []
    )


def test_html_and_topology_load_when_used():
    """HTML rendering brings `html` in on first use; `dockernet.Topology` brings `dockernet.topology`."""
    assert "html" in loaded_by("import dockernet\ndockernet.NetworkList()._repr_html_()")
    assert "dockernet.topology" in loaded_by("import dockernet\ndockernet.Topology")


def test_every_public_name_imports_as_before():
    """Every name in `__all__` imports from `dockernet` (also with `import *`), and the lazily
    loaded ones are the very objects of `dockernet.topology`; `dir()` lists them; a missing name is
    the usual AttributeError / ImportError; `dockernet.topology` works after a bare `import dockernet`."""
    result = fresh(
        "import json, dockernet\n"
        "names = {}\n"
        "for n in dockernet.__all__:\n"
        "    ns = {}\n"
        "    exec(f'from dockernet import {n}', ns)\n"
        "    names[n] = ns[n] is getattr(dockernet, n)\n"
        "star = {}\n"
        "exec('from dockernet import *', star)\n"
        "import dockernet.topology as t\n"
        "same = dockernet.Topology is t.Topology and dockernet.Verification is t.Verification\n"
        "try:\n"
        "    dockernet.no_such_name\n"
        "    err = None\n"
        "except AttributeError as e:\n"
        "    err = str(e)\n"
        "try:\n"
        "    exec('from dockernet import no_such_name', {})\n"
        "    imp = None\n"
        "except ImportError as e:\n"
        "    imp = type(e).__name__\n"
        "print(json.dumps({'names': names, 'star': sorted(k for k in star if not k.startswith('__') or k == '__version__'),\n"
        "    'same': same, 'dir': [n for n in dockernet.__all__ if n not in dir(dockernet)], 'err': err, 'imp': imp}))"
    )
    assert result["names"] == {n: True for n in dockernet.__all__}
    assert result["star"] == sorted(dockernet.__all__)
    assert result["same"] is True
    assert result["dir"] == []
    assert result["err"] == "module 'dockernet' has no attribute 'no_such_name'"
    assert result["imp"] == "ImportError"
    assert fresh("import json, dockernet\nprint(json.dumps(dockernet.topology.Result.__name__))") == "Result"
    assert "topology" in dir(dockernet) and "Topology" in dir(dockernet)


class _Reference(NamedTuple):
    """What ExecResult was: a typing.NamedTuple with the same fields."""

    exit_code: int
    output: Union[bytes, Tuple[bytes, bytes]]


def test_exec_result_is_the_namedtuple_it_was():
    """ExecResult behaves as `class ExecResult(NamedTuple)` did: construction (positional and
    keywords), fields, indexing, slicing, unpacking, equality and hashing with plain tuples, repr,
    `_fields`, `_field_defaults`, `_asdict`, `_replace`, `_make`, `__match_args__`, copy and pickle."""
    for output in (b"out\n", (b"out\n", b"err\n")):
        r = ExecResult(3, output)
        ref = _Reference(3, output)
        assert isinstance(r, tuple)
        assert r == ref == (3, output) and hash(r) == hash(ref) == hash((3, output))
        assert ExecResult(exit_code=3, output=output) == r == ExecResult(3, output=output)
        assert (r.exit_code, r.output) == (ref.exit_code, ref.output)
        assert (r[0], r[1], r[-1], r[:1], len(r)) == (ref[0], ref[1], ref[-1], ref[:1], len(ref))
        code, out = r
        assert (code, out) == (3, output)
        assert repr(r) == repr(ref).replace("_Reference", "ExecResult")
        assert r._fields == ref._fields == ("exit_code", "output")
        assert r._field_defaults == ref._field_defaults == {}
        assert r.__match_args__ == ref.__match_args__
        assert r._asdict() == ref._asdict() and type(r._asdict()) is type(ref._asdict())
        assert r._replace(exit_code=0) == ExecResult(0, output) and type(r._replace()) is ExecResult
        assert ExecResult._make([1, b""]) == ExecResult(1, b"") and type(ExecResult._make((1, b""))) is ExecResult
        for clone in (copy.copy(r), copy.deepcopy(r), *(pickle.loads(pickle.dumps(r, p)) for p in range(pickle.HIGHEST_PROTOCOL + 1))):
            assert clone == r and type(clone) is ExecResult
    r = ExecResult(0, b"")
    for bad, ref_bad in (
        (lambda: ExecResult(0), lambda: _Reference(0)),  # type: ignore[call-arg]
        (lambda: ExecResult(0, b"", 1), lambda: _Reference(0, b"", 1)),  # type: ignore[call-arg]
        (lambda: ExecResult._make([0]), lambda: _Reference._make([0])),
        (lambda: r._replace(nope=1), lambda: _Reference(0, b"")._replace(nope=1)),  # type: ignore[call-arg]
        (lambda: setattr(r, "exit_code", 1), lambda: setattr(_Reference(0, b""), "exit_code", 1)),
        (lambda: setattr(r, "other", 1), lambda: setattr(_Reference(0, b""), "other", 1)),
    ):
        errors = []
        for f in (bad, ref_bad):
            try:
                f()
            except Exception as e:  # noqa: BLE001 - the point is to compare the exception types
                errors.append(type(e))
            else:
                errors.append(None)
        assert errors[0] is errors[1] is not None, errors
    assert not hasattr(r, "__dict__")
    if sys.version_info >= (3, 10):
        ns: dict[str, Any] = {"r": ExecResult(3, b"x")}
        exec("match r:\n    case ExecResult(code, out):\n        got = (code, out)", {"ExecResult": ExecResult}, ns)
        assert ns["got"] == (3, b"x")
