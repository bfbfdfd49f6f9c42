"""Start the Streamlit server on ``app/main.py`` (what ``steppe app`` runs).

The server binds to 127.0.0.1 unless told otherwise, sends no usage statistics, looks up no
address and makes no other outbound connection (:mod:`app.launch`), refuses WebSocket and upload
requests from another web origin (Streamlit's CORS and XSRF checks, kept on), watches no files
and shows no error details (the page shows its own one-line messages).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import subprocess
import sys
from pathlib import Path

MAIN = Path(__file__).resolve().parent / "main.py"


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "app.launch", "run", str(MAIN),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--server.enableCORS", "true", "--server.enableXsrfProtection", "true",
            "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
            "--global.developmentMode", "false", "--theme.base", "light"]


def environment(packages_dir: str | None, workers: int | None) -> dict[str, str]:
    env = dict(os.environ)
    if packages_dir:
        env["STEPPE_PACKAGES_DIR"] = str(Path(packages_dir).resolve())
    if workers:
        env["STEPPE_APP_WORKERS"] = str(workers)
    return env


class AddressError(ValueError):
    """--host or --port that the app cannot listen on; the message says what is allowed."""


def check_address(host: str, port: int) -> None:
    """The address must be an IP address of this machine (or ``localhost``), and free: checked by
    binding it for a moment, before the server starts. A host name other than ``localhost`` is
    refused, since resolving it could ask a name server (the app makes no outbound connection)."""
    if host != "localhost":
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise AddressError(f"--host {host!r} is not an IP address; give 127.0.0.1 (this machine only, the "
                               "default), 0.0.0.0 (every network interface) or one of this machine's "
                               "addresses (host names are not looked up)") from None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1" if host == "localhost" else host, port))
        except OSError as exc:
            why = {errno.EADDRINUSE: f"port {port} is in use (another app?); give another --port",
                   errno.EADDRNOTAVAIL: "it is not an address of this machine",
                   errno.EACCES: f"port {port} needs administrator rights; give a --port above 1023"}
            raise AddressError(f"cannot listen on {host}:{port}: "
                               f"{why.get(exc.errno, (exc.strerror or str(exc)).lower())}") from None


def serve(host: str = "127.0.0.1", port: int = 8501, packages_dir: str | None = None,
          workers: int | None = None) -> int:
    """Run the server in the foreground until Ctrl-C."""
    check_address(host, port)
    print(f"数字草原 Digital Steppe app: http://{host}:{port}  (Ctrl-C to stop)", file=sys.stderr)
    proc = subprocess.Popen(command(host, port), env=environment(packages_dir, workers))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        try:
            return proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            return 130
