"""Executors for batches: in-process, a local process pool, or a Dask cluster.

Each engine offers ``submit``, ``wait``, ``capacity`` and ``close``; the batch driver keeps a
bounded number of runs in flight and never depends on which engine ran a run.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import re
import signal
import socket
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ProcessPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

from studies.errors import BatchError


def default_workers() -> int:
    """CPU cores this process may use (respects affinity masks set by SLURM or taskset)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


PR_SET_PDEATHSIG = 1     # linux/prctl.h


def _watch(pid: int, every_s: float = 1.0) -> None:
    while True:
        time.sleep(every_s)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            os._exit(1)
        except OSError:
            pass


def die_with_parent(watch_pid: int | None = None, watch_thread: bool = True) -> None:
    """End this process when its parent dies, however it dies (SIGKILL included): on Linux the
    kernel sends SIGKILL (``prctl(PR_SET_PDEATHSIG)``); with ``watch_thread`` a daemon thread
    also checks every second that ``watch_pid`` (default: the parent) is alive, which covers
    other systems."""
    parent = os.getppid()
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:      # the parent died before the request took effect
            os._exit(1)
    if watch_thread:
        threading.Thread(target=_watch, args=(watch_pid or parent,), daemon=True,
                         name="steppe-parent-watch").start()


def _worker_init(driver_pid: int | None = None) -> None:
    """Workers ignore Ctrl-C and SIGTERM sent to the whole process group: the driver stores
    what has finished and then ends them. They die with their parent (the forkserver, which
    dies with the driver) and watch the driver itself, so a driver killed with SIGKILL leaves
    no worker behind."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent(watch_pid=driver_pid)


class SerialEngine:
    """Runs in this process, one at a time (``--workers 1``)."""

    label = "in-process, 1 worker"
    workers = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        fut: Future = Future()
        try:
            fut.set_result(fn(*args))
        except Exception as exc:
            fut.set_exception(exc)
        return fut

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        return set(pending), set()

    def capacity(self) -> int:
        return 1

    def close(self, cancel: bool = False) -> None:
        pass


class PoolEngine:
    """A local process pool (forkserver where available, else spawn)."""

    def __init__(self, workers: int) -> None:
        method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
        ctx = mp.get_context(method)
        if method == "forkserver":
            ctx.set_forkserver_preload(["studies._forkserver_lifeline", "studies.batch"])
            from multiprocessing import forkserver

            with _sigint_ignored():     # a Ctrl-C while the server imports must not print its traceback
                forkserver.ensure_running()
        self.workers = workers
        self.label = f"local process pool, {workers} workers"
        self.pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_worker_init,
                                        initargs=(os.getpid(),))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self.pool.submit(fn, *args)

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        done, rest = futures_wait(pending, timeout=timeout, return_when=FIRST_COMPLETED)
        return set(done), set(rest)

    def capacity(self) -> int:
        return 2 * self.workers

    def close(self, cancel: bool = False) -> None:
        if not cancel:
            self.pool.shutdown(wait=True)
            return
        procs = list((getattr(self.pool, "_processes", None) or {}).values())
        with contextlib.suppress(Exception):
            self.pool.shutdown(wait=False, cancel_futures=True)
        # Runs in progress are not waited for: they are recomputed next time. The workers ignore
        # SIGTERM, hence SIGKILL, sent by pid: when a SIGTERM to the process group has ended the
        # forkserver, multiprocessing believes its children dead and Process.kill() does nothing.
        for proc in procs:
            with contextlib.suppress(Exception):
                if proc.pid is not None:
                    os.kill(proc.pid, signal.SIGKILL)
        for proc in procs:
            with contextlib.suppress(Exception):
                proc.join(timeout=5)


ADDRESS_RE = re.compile(r"(?:(?P<scheme>tcp|tls|ws|wss|ucx)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s:/\[\]]+)"
                        r":(?P<port>\d{1,5})/?")


def check_scheduler_address(address: str, timeout: float) -> None:
    """Refuse at once an address that is not ``[scheme://]HOST:PORT``, and (TCP-based schemes) a
    host that does not answer on that port within ``timeout``: Dask's own client would wait,
    retry and then print tracebacks."""
    m = ADDRESS_RE.fullmatch(address.strip())
    if not m or not 0 < int(m["port"]) < 65536:
        raise BatchError(f"--dask {address!r} is not a scheduler address; expected "
                         "[tcp://]HOST:PORT, e.g. tcp://10.0.0.5:8786 (the address `dask scheduler` prints)")
    if m["scheme"] == "ucx":
        return
    host = m["host"].strip("[]")
    try:
        with socket.create_connection((host, int(m["port"])), timeout=timeout):
            pass
    except socket.gaierror:
        raise BatchError(f"cannot reach the Dask scheduler at {address!r}: no host named {host!r} "
                         "is known here; check the address") from None
    except TimeoutError:
        raise BatchError(f"cannot reach the Dask scheduler at {address!r}: no answer within "
                         f"{timeout:g} s (--dask-timeout); check the address and that it is "
                         "reachable from here") from None
    except OSError as exc:
        raise BatchError(f"cannot reach the Dask scheduler at {address!r} ({exc.strerror or exc}); "
                         "check the address and that `dask scheduler` is running there") from None


@contextlib.contextmanager
def _sigint_ignored():
    """Ignore SIGINT while starting processes: an ignored signal stays ignored in a spawned
    Python child (which then installs no KeyboardInterrupt handler), so Ctrl-C in a terminal,
    sent to the whole process group, reaches only the driver, which stops the cluster itself."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:              # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200] if text else ''}"


@contextlib.contextmanager
def _quiet_unraisable():
    """A Dask client that failed to connect prints a traceback from ``Client.__del__`` when it
    is collected; the failure is reported in one line instead."""
    import gc

    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        yield
    finally:
        gc.collect()
        sys.unraisablehook = hook


class DaskEngine:
    """A ``dask.distributed`` client: a scheduler at ``address`` or a new loopback LocalCluster."""

    def __init__(self, address: str | None = None, local_workers: int | None = None,
                 timeout: float = 10.0) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise BatchError("Dask is not installed; pip install 'dask[distributed]'") from None
        self.cluster = None
        if local_workers:
            try:
                with _sigint_ignored():      # Ctrl-C is for the driver, which ends the cluster
                    self.cluster = LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                                processes=True, host="127.0.0.1",
                                                dashboard_address="127.0.0.1:0",
                                                silence_logs=logging.CRITICAL)
                self.client = Client(self.cluster, set_as_default=False)
            except Exception as exc:
                if self.cluster is not None:
                    with contextlib.suppress(Exception):
                        self.cluster.close()
                raise BatchError(f"cannot start a Dask LocalCluster of {local_workers} workers "
                                 f"({type(exc).__name__}: {exc}); try --workers instead") from None
            self.label = f"Dask LocalCluster, {local_workers} workers"
        else:
            check_scheduler_address(address, timeout)
            error = None
            with _quiet_unraisable():       # the failed client is collected in here, quietly
                try:
                    self.client = Client(address, timeout=timeout, set_as_default=False)
                except (OSError, TimeoutError) as exc:
                    error = (f"cannot reach the Dask scheduler at {address!r} within {timeout:g} s "
                             f"({_first_line(exc)}); check the address (e.g. tcp://host:8786) and "
                             "that `dask scheduler` is running and reachable from here")
                except Exception as exc:
                    error = (f"{address!r} answered, but not as a Dask scheduler this client can use "
                             f"({_first_line(exc)}); check the address and that the scheduler runs "
                             f"the same Dask version as here")
            if error:
                raise BatchError(error)
            self.label = f"Dask scheduler {address}"
        self._threads, self._checked = 0, 0.0

    @property
    def workers(self) -> int:
        now = time.monotonic()
        if now - self._checked > 2.0:
            self._threads = sum(self.client.nthreads().values())
            self._checked = now
        return self._threads

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self.client.submit(fn, *args, pure=False)

    def wait(self, pending: set, timeout: float) -> tuple[set, set]:
        from distributed import wait

        try:
            with self.client.as_current():
                done, rest = wait(list(pending), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return set(), set(pending)
        except (OSError, CancelledError) as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise BatchError(f"lost the connection to the Dask scheduler ({reason}); the runs "
                             "finished so far are stored: run the same command again once it is "
                             "back") from exc
        return set(done), set(rest)

    def capacity(self) -> int:
        return max(8, 2 * self.workers)

    def close(self, cancel: bool = False) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def make_engine(workers: int | None = None, dask_address: str | None = None,
                dask_local: int | None = None, dask_timeout: float = 10.0
                ) -> SerialEngine | PoolEngine | DaskEngine:
    """The executor asked for: Dask if given an address or a local worker count, else a pool."""
    if dask_address and dask_local:
        raise BatchError("give either --dask ADDRESS or --dask-local N, not both")
    if dask_address or dask_local:
        if workers:
            raise BatchError("--workers sets the local pool; with Dask the cluster sets the workers")
        return DaskEngine(dask_address, dask_local, dask_timeout)
    n = workers or default_workers()
    return SerialEngine() if n == 1 else PoolEngine(n)
