"""Start the Streamlit server on ``app/main.py`` (what ``steppe app`` runs).

The server binds to 127.0.0.1 unless told otherwise, sends no usage statistics, watches no
files and shows no error details (the page shows its own one-line messages).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MAIN = Path(__file__).resolve().parent / "main.py"


def command(host: str, port: int) -> list[str]:
    return [sys.executable, "-m", "streamlit", "run", str(MAIN),
            "--server.address", host, "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--client.showErrorDetails", "none", "--client.toolbarMode", "minimal",
            "--global.developmentMode", "false", "--theme.base", "light"]


def environment(packages_dir: str | None, workers: int | None) -> dict[str, str]:
    env = dict(os.environ)
    if packages_dir:
        env["STEPPE_PACKAGES_DIR"] = str(Path(packages_dir).resolve())
    if workers:
        env["STEPPE_APP_WORKERS"] = str(workers)
    return env


def serve(host: str = "127.0.0.1", port: int = 8501, packages_dir: str | None = None,
          workers: int | None = None) -> int:
    """Run the server in the foreground until Ctrl-C."""
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
