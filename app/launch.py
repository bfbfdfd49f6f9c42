"""The app server process: Streamlit, made to call out to nothing (what ``steppe app`` starts).

Streamlit looks up "this machine's addresses" in two places: the banner of URLs at start and
the check of a WebSocket's web origin. The external one is an HTTP request to
checkip.amazonaws.com (a DNS lookup and a connection to the internet, made as soon as a page of
a foreign origin opens a WebSocket), the internal one a UDP "connect" towards 8.8.8.8. Here
both answer "unknown" without touching the network, so the app makes no outbound connection,
ever (docs/APP.md; tested in an empty network namespace by tests/app/test_no_network.py), and a
foreign origin is refused outright instead of being compared with looked-up addresses
(:func:`same_origin_only`). Usage
statistics are off (``--browser.gatherUsageStats false``, see :mod:`app.server`).

Malformed HTTP requests are the server's business: its log lines are kept to one line each,
without a traceback (``logging`` filter below).

    python -m app.launch run app/main.py --server.address 127.0.0.1 ...   (app.server.command)
"""

from __future__ import annotations

import logging
import sys


def _unknown() -> None:
    return None


def _no_request(url: str, timeout: float = 5) -> None:
    return None


def offline() -> None:
    """Make Streamlit's address lookups answer without the network."""
    from streamlit import net_util

    net_util.get_external_ip = _unknown
    net_util.get_internal_ip = _unknown
    net_util._make_blocking_http_get = _no_request


def _listed_origin_only(url: str) -> bool:
    from streamlit.web.server import server_util

    return server_util.is_allowed_origin(url)


def same_origin_only() -> None:
    """A WebSocket is accepted from the page's own origin (Streamlit checks that first) or an
    origin listed in ``server.corsAllowedOrigins``; Streamlit's fallback list (any port of
    localhost, this machine's looked-up addresses) is dropped: a page of another local web server
    is another origin too."""
    import importlib

    for name in ("streamlit.web.server.server_util", "streamlit.web.server.starlette.starlette_websocket",
                 "streamlit.web.server.browser_websocket_handler"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "is_url_from_allowed_origins"):
            module.is_url_from_allowed_origins = _listed_origin_only


class OneLine(logging.Filter):
    """Server log records without their traceback: one line each on the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            exc = record.exc_info[1]
            record.msg = f"{record.getMessage()} ({type(exc).__name__}: {str(exc)[:200]})"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True


def quiet_server_logs() -> None:
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "tornado.general", "tornado.application",
                 "tornado.access", "asyncio", "starlette"):
        logging.getLogger(name).addFilter(OneLine())


def main() -> None:
    offline()
    same_origin_only()
    quiet_server_logs()
    from streamlit.web import cli

    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()
