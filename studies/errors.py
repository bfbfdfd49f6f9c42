"""Errors of the study machinery, shared by the batch engine, its executors and the command line."""


class BatchError(Exception):
    """Bad input, or an executor that cannot be used; the message says what to do."""


class BatchInterrupted(Exception):
    """Stopped by Ctrl-C or SIGTERM after storing every finished run."""
