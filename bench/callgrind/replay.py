"""A stand-in daemon for bench/callgrind/run.sh --replay: answers /_ping, the network list and
inspect("bridge") with Docker 20.10's own bytes (headers and framing as dockerd sends them:
Content-Length up to 4 KiB, chunked beyond), so that instruction counts do not move when other
work creates networks on the shared daemon.

Usage: python3 replay.py SOCKET EXTRA   (EXTRA networks besides none, host and bridge)
Serves until killed. Creates nothing on any daemon; contacts none.
"""
import json
import os
import socket
import sys
import threading

DATE = "Thu, 03 Dec 2026 18:04:48 GMT"

# The three predefined networks as 20.10 lists them, and bridge as it inspects it.
NONE = {"Name": "none", "Id": "31d6d823fe9c81a7f89e30a163427b9ec0523659468f64bfac68d926588799a9", "Created": "2026-12-03T17:53:48.582160316Z", "Scope": "local", "Driver": "null", "EnableIPv6": False, "IPAM": {"Driver": "default", "Options": None, "Config": []}, "Internal": False, "Attachable": False, "Ingress": False, "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": {}, "Options": {}, "Labels": {}}
HOST = dict(NONE, Name="host", Id="e26f72d704f570b82ef10169f2b8ebed14e60e5a4e8bf28e0fe7f16ccd9c7127", Driver="host", Created="2026-12-03T17:53:48.594612835Z")
BRIDGE = {"Name": "bridge", "Id": "0b312879ea35a834154d81305d42567ab9a6200be484a7cfb26048418b81b572", "Created": "2026-12-03T17:53:48.61079303Z", "Scope": "local", "Driver": "bridge", "EnableIPv6": False, "IPAM": {"Driver": "default", "Options": None, "Config": [{"Subnet": "172.17.0.0/16"}]}, "Internal": False, "Attachable": False, "Ingress": False, "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": {}, "Options": {"com.docker.network.bridge.default_bridge": "true", "com.docker.network.bridge.enable_icc": "true", "com.docker.network.bridge.enable_ip_masquerade": "true", "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0", "com.docker.network.bridge.name": "docker0", "com.docker.network.driver.mtu": "1400"}, "Labels": {}}
BRIDGE_INSPECT = dict(BRIDGE, IPAM={"Driver": "default", "Options": None, "Config": [{"Subnet": "172.17.0.0/16", "Gateway": "172.17.0.1"}]})


def extra(i):
    """A user network as bench/run.py's scenario 2 creates them (labelled, its own /24)."""
    return {"Name": f"dnbench-extra-{i}", "Id": f"{i:064x}", "Created": "2026-12-03T18:00:00.000000000Z", "Scope": "local", "Driver": "bridge", "EnableIPv6": False, "IPAM": {"Driver": "default", "Options": {}, "Config": [{"Subnet": f"10.{221 + i // 256}.{i % 256}.0/24"}]}, "Internal": False, "Attachable": False, "Ingress": False, "ConfigFrom": {"Network": ""}, "ConfigOnly": False, "Containers": {}, "Options": {}, "Labels": {"dockernet.bench": "1"}}


def answer(body, ctype="application/json", extra_headers=""):
    head = f"HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n{extra_headers}Content-Type: {ctype}\r\nDocker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nDate: {DATE}\r\n"
    if len(body) <= 4096:
        return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    # Go's server: chunked once the handler wrote more than its buffer.
    out = [(head + "Transfer-Encoding: chunked\r\n\r\n").encode()]
    for i in range(0, len(body), 32768):
        part = body[i:i + 32768]
        out.append(b"%x\r\n" % len(part) + part + b"\r\n")
    out.append(b"0\r\n\r\n")
    return b"".join(out)


def main():
    path, n = sys.argv[1], int(sys.argv[2])
    nets = [NONE, HOST, BRIDGE] + [extra(i) for i in range(n)]
    routes = {
        "/_ping": (b"OK", "text/plain; charset=utf-8", "Cache-Control: no-cache, no-store, must-revalidate\r\nPragma: no-cache\r\n"),
        "/v1.41/networks": ((json.dumps(nets, separators=(",", ":")) + "\n").encode(), "application/json", ""),
        "/v1.41/networks/bridge": ((json.dumps(BRIDGE_INSPECT, separators=(",", ":")) + "\n").encode(), "application/json", ""),
    }
    routes = {k: answer(*v) for k, v in routes.items()}
    missing = b'HTTP/1.1 404 Not Found\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\nContent-Length: 29\r\n\r\n{"message":"page not found"}\n'

    def serve(conn):
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, buf = buf.split(b"\r\n\r\n", 1)
                target = head.split(b" ", 2)[1].decode()
                conn.sendall(routes.get(target.split("?")[0], missing))

    if os.path.exists(path):
        os.unlink(path)
    s = socket.socket(socket.AF_UNIX)
    s.bind(path)
    s.listen(64)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
