"""Imported only as a forkserver preload of the local process pool (``studies.engines``): the
forkserver asks Linux to kill it when the ``steppe`` process that started it dies, even by
SIGKILL (the OOM killer), so that it and the workers it forked (which die with it, see
``engines._worker_init``) do not linger holding hundreds of MB. No thread is started here: the
forkserver forks the workers, and forking a threaded process is unsafe."""

from studies.engines import die_with_parent

die_with_parent(watch_thread=False)
