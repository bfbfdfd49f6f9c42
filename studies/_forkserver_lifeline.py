"""Imported only as a forkserver preload of the local process pool (``studies.engines``): the
forkserver asks Linux to kill it when the ``steppe`` process that started it dies, even by
SIGKILL (the OOM killer), so that it and the workers it forked (which die with it, see
``engines._worker_init``) do not linger holding hundreds of MB. No thread is started here: the
forkserver forks the workers, and forking a threaded process is unsafe.

It also makes the server, and so every worker it forks, ignore SIGINT: Ctrl-C in a terminal
reaches the whole process group, and only the driver should answer it (a worker caught while it
unpickles its first task would otherwise print a traceback)."""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

from studies.engines import die_with_parent  # noqa: E402

die_with_parent(watch_thread=False)
