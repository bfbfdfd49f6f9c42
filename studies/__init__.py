"""Studies: the machinery that runs the model many times and analyses the results.

Batches of scenarios × replications on a local pool or Dask (:mod:`studies.batch`, executors in
:mod:`studies.engines`), the resumable Parquet result store (:mod:`studies.store`) and the
comparison report (:mod:`studies.compare`). The simulation itself (:mod:`model`) never imports
this package.
"""
