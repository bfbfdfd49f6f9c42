"""Process helpers shared by the tests that kill batches (tests/ is on sys.path through conftest.py)."""

from __future__ import annotations

from pathlib import Path


def group_members(pgid: int) -> list[int]:
    """Processes of process group ``pgid`` still running (zombies excepted), read from /proc."""
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(stat.parent.name))
    return alive
