"""The app's service: the run service plus caches of whole requests, comparisons, figures and
reports, so that an identical request, a language switch back and forth or a second download
costs nothing."""

from __future__ import annotations

import threading

from app import figures, report, results, workbook
from app.messages import display_title
from app.packages import run_key, to_scenario
from app.runner import Job, Request, RunService


class AppService(RunService):
    def __init__(self, workers: int | None = None) -> None:
        super().__init__(workers)
        self._by_request: dict[tuple, int] = {}
        self._comparisons: dict[int, results.Comparison] = {}
        self._figures: dict[tuple[int, str], dict[str, bytes]] = {}
        self._reports: dict[tuple[int, str, str], bytes] = {}
        self._cache_lock = threading.RLock()
        self._alias: dict[int, int] = {}   # a job served from the request cache -> the job that ran

    @staticmethod
    def request_key(request: Request) -> tuple:
        """What the results of a request depend on: each package's run content and title (titles
        label the tables), replications, scale, seed, the parameter sets (posterior file hash,
        K and draw seed, or the priors) and the number of futures across the deep uncertainties."""
        return (tuple((run_key(to_scenario(p)), display_title(p.title.strip(), p.origin, "zh"),
                       tuple(sorted(p.changes.items(), key=str)))
                      for p in request.packages),
                request.reps, float(request.scale), request.base_seed, request.parameters.key, request.futures)

    def finished(self, request: Request) -> Job | None:
        """The finished job of an identical request, if this server has one (nothing is run)."""
        old = self.jobs.get(self._by_request.get(self.request_key(request), -1))
        return old if old is not None and old.finished and not old.error else None

    def submit_cached(self, request: Request) -> Job:
        """The finished or running job of an identical request, else a new background job."""
        key = self.request_key(request)
        old = self.jobs.get(self._by_request.get(key, -1))
        if old is not None and old.finished and not old.error:
            # served at once: the same runs, the same comparison, figures and reports
            job = Job(next(self._ids), request, total=0, cached=request.runs(), finished=True, runs=old.runs,
                      future_runs=old.future_runs)
            self.jobs[job.id] = job
            self._alias[job.id] = self._alias.get(old.id, old.id)
            return job
        if old is not None and not old.finished:
            return old
        job = self.submit(request)
        self._by_request[key] = job.id
        return job

    def comparison(self, job: Job) -> results.Comparison:
        with self._cache_lock:
            jid = self._alias.get(job.id, job.id)
            if jid not in self._comparisons:
                self._comparisons[jid] = results.build(self.jobs.get(jid, job))
            return self._comparisons[jid]

    def figures(self, comp: results.Comparison, lang: str) -> dict[str, bytes]:
        with self._cache_lock:
            key = (comp.job_id, lang)
            if key not in self._figures:
                names = list(figures.FIGURES)
                pngs = self.map_in_pool(figures.render, [(n, comp, lang) for n in names])
                self._figures[key] = dict(zip(names, pngs, strict=True))
            return self._figures[key]

    def report(self, comp: results.Comparison, lang: str, fmt: str) -> bytes:
        key = (comp.job_id, lang, fmt)
        if key not in self._reports:
            if fmt == "pdf":
                data = report.pdf_report(comp, lang, self.figures(comp, lang))
            elif fmt == "xlsx":
                data = workbook.xlsx(comp, lang)
            else:
                data = report.html_report(comp, lang, self.figures(comp, lang)).encode("utf-8")
            self._reports[key] = data
        return self._reports[key]
