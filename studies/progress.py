"""Progress of long work: a tqdm bar on a terminal, a log line every so often elsewhere."""

from __future__ import annotations

import sys
import time

import numpy as np


class Progress:
    """A tqdm bar on a terminal; elsewhere (batch jobs) a log line every ``every`` seconds."""

    def __init__(self, total: int, desc: str, enabled: bool | None, every: float = 30.0) -> None:
        self.total, self.done, self.start = total, 0, time.monotonic()
        tty = sys.stderr.isatty()
        self.bar = None
        self.log = False
        if enabled is not False and tty:
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=desc, unit="run", file=sys.stderr, smoothing=0.05,
                            dynamic_ncols=True)
        elif enabled is not False:
            self.log, self.every, self.last = True, every, self.start

    def update(self, n: int = 1) -> None:
        self.done += n
        if self.bar is not None:
            self.bar.update(n)
        elif self.log and time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            rate = self.done / max(self.last - self.start, 1e-9)
            left = (self.total - self.done) / rate if rate > 0 else float("nan")
            print(f"{self.done}/{self.total} runs, {rate:.2f} runs/s, about {_duration(left)} left",
                  file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def _duration(seconds: float) -> str:
    if not np.isfinite(seconds):
        return "?"
    s = round(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"
