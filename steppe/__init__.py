"""The ``steppe`` command line, wired in one place (:mod:`steppe.cli`)."""
