"""The app makes no outbound connection, ever, and refuses other web origins (docs/APP.md, FAULTS.md).

The server runs in an empty network namespace (``unshare -n``: only a loopback interface) with
a Python audit hook that logs every socket connect and name lookup of the server process. It
must serve on loopback, refuse a WebSocket and an upload from another origin (including another
port of localhost), answer a malformed chunked request with 400 and no traceback, and log no
lookup or connection beyond loopback. Needs root (as in CI); skipped with the reason elsewhere.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.server import command
from steppe.cli import main

REPO = Path(__file__).resolve().parents[2]
PORT = 8765

HOOK = '''
import os, runpy, sys
LOG = os.environ["NET_AUDIT_LOG"]
EVENTS = {"socket.connect", "socket.getaddrinfo", "socket.gethostbyname", "socket.gethostbyname_ex",
          "socket.gethostbyaddr", "socket.sendto", "socket.sendmsg"}
def hook(event, args):
    if event in EVENTS:
        with open(LOG, "a") as f:
            f.write(f"{event} {args[1] if event in ('socket.connect', 'socket.sendto') else args[0]!r}\\n")
sys.addaudithook(hook)
target = sys.argv[1]
sys.argv = [target, *sys.argv[2:]]
if target.endswith(".py"):
    runpy.run_path(target, run_name="__main__")
else:
    runpy.run_module(target, run_name="__main__", alter_sys=True)
'''

CLIENT = '''
import socket, sys
port = int(sys.argv[1])
def first_line(data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(data)
    out = b""
    try:
        while b"\\r\\n\\r\\n" not in out:
            chunk = s.recv(4096)
            if not chunk:
                break
            out += chunk
    except socket.timeout:
        pass
    s.close()
    return out.split(b"\\r\\n")[0].decode(errors="replace")
def ws(origin):
    return first_line((f"GET /_stcore/stream HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\nUpgrade: websocket\\r\\n"
                       "Connection: Upgrade\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n"
                       f"Sec-WebSocket-Version: 13\\r\\nOrigin: {origin}\\r\\n\\r\\n").encode())
what = sys.argv[2]
if what == "health":
    print(first_line(f"GET /_stcore/health HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\n\\r\\n".encode()))
elif what == "ws-foreign":
    print(ws("http://evil.example"))
elif what == "ws-local-other-port":
    print(ws("http://localhost:9999"))
elif what == "ws-same":
    print(ws(f"http://127.0.0.1:{port}"))
elif what == "chunked":
    print(first_line(f"POST /_stcore/health HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\n"
                     "Transfer-Encoding: chunked\\r\\n\\r\\nZZZ\\r\\n\\r\\n".encode()))
elif what == "upload-foreign":
    print(first_line(f"PUT /_stcore/upload_file/s/f HTTP/1.1\\r\\nHost: 127.0.0.1:{port}\\r\\n"
                     "Origin: http://evil.example\\r\\nContent-Length: 0\\r\\n\\r\\n".encode()))
'''


def _why_not() -> str | None:
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return "an empty network namespace needs root on Linux (as in CI)"
    for tool in ("unshare", "nsenter", "ip"):
        if not shutil.which(tool):
            return f"needs {tool} (util-linux, iproute2)"
    if subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode:
        return "unshare -n is not allowed here (a container without CAP_SYS_ADMIN?)"
    return None


def _outside_loopback(log: Path) -> list[str]:
    lines = log.read_text().splitlines() if log.exists() else []
    local = ("127.0.0.1", "'localhost'", "::1", "'/")     # loopback, or a Unix socket path
    return [line for line in lines if not any(x in line for x in local)]


@pytest.mark.skipif(_why_not() is not None, reason=str(_why_not()))
def test_app_serves_in_an_empty_network_namespace_and_refuses_other_origins(tmp_path):
    hook, client, log = tmp_path / "hook.py", tmp_path / "client.py", tmp_path / "audit.log"
    hook.write_text(HOOK)
    client.write_text(CLIENT)
    env = {**os.environ, "NET_AUDIT_LOG": str(log)}

    # The hook sees a lookup when one is made: the check below can fail.
    probe = tmp_path / "probe.py"
    probe.write_text("from streamlit import net_util\nnet_util.get_external_ip()\n")
    subprocess.run(["unshare", "-n", sys.executable, str(hook), str(probe)], env=env, cwd=REPO,
                   capture_output=True, timeout=60)
    assert any("checkip.amazonaws.com" in line for line in _outside_loopback(log)), log.read_text()
    log.unlink()

    argv = command("127.0.0.1", PORT)
    assert argv[1:3] == ["-m", "app.launch"]
    server = " ".join(map(repr, [sys.executable, str(hook), "app.launch", *argv[3:]]))
    proc = subprocess.Popen(["unshare", "-n", "sh", "-c", f"ip link set lo up && exec {server}"], env=env,
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ask(what: str) -> str:
        done = subprocess.run(["nsenter", "-t", str(proc.pid), "-n", sys.executable, str(client), str(PORT), what],
                              capture_output=True, text=True, timeout=30)
        return done.stdout.strip() or done.stderr.strip().splitlines()[-1]

    try:
        deadline = time.monotonic() + 90
        while "200" not in (status := ask("health")):
            assert proc.poll() is None and time.monotonic() < deadline, (status, proc.stderr and proc.stderr.read())
            time.sleep(0.5)
        assert ask("ws-same").endswith("101 Switching Protocols")      # the page's own origin
        assert ask("ws-foreign").endswith("403 Forbidden")
        assert ask("ws-local-other-port").endswith("403 Forbidden")
        assert ask("upload-foreign").endswith("403 Forbidden")
        assert ask("chunked").endswith("400 Bad Request")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
    assert "Traceback" not in err and "Traceback" not in out, err
    assert not _outside_loopback(log), log.read_text()


def test_app_host_and_workers_are_checked_before_starting(capsys, monkeypatch):
    import steppe.cli

    monkeypatch.setattr(steppe.cli, "default_workers", lambda: 2)
    started = []
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: started.append(a))
    cases = [(["app", "--host", "999.1.1.1"], "--host '999.1.1.1' is not an IP address"),
             (["app", "--host", "example.com"], "host names are not looked up"),
             (["app", "--host", "10.254.254.254"], "cannot listen on 10.254.254.254:8501: it is not an address of "
                                                   "this machine"),
             (["app", "--workers", "500"], "--workers 500 is more than 4 × the 2 cores"),
             (["app", "--packages-dir", __file__], "--packages-dir"),
             (["app", "--packages-dir", ""], "not a folder")]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cases.append((["app", "--port", str(port)], f"port {port} is in use"))
        for argv, says in cases:
            assert main(argv) == 2, argv
            err = capsys.readouterr().err
            assert says in err and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err
    assert not started
