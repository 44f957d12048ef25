"""gunicorn's settings for the portal (gunicorn reads ./gunicorn.conf.py by itself:
`gunicorn portal.wsgi`). Each can be set from the environment; docs/DEPLOY.md says how to
choose them, and docs/PERFORMANCE.md what they gave on the bench."""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # nosec B104: behind the load balancer
# Sync workers, one request each at a time: the pages are CPU work in Python with short
# database waits (most queries are under a millisecond), so a process per core plus one, to
# keep a core busy while another waits, serves most; threads only add the GIL's contention.
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() + 1)
threads = _int("GUNICORN_THREADS", 1)
# A request that takes longer than this is a stuck worker: it is killed and replaced.
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Longer than a load balancer keeps an idle connection, so the balancer closes it first
# (the other way round it would sometimes send a request on a connection just closed).
keepalive = _int("GUNICORN_KEEPALIVE", 75)
# A worker is replaced after this many requests (with some jitter so they do not all restart
# at once): a slow leak in a library never grows without end.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# The balancer's addresses, whose X-Forwarded-For and X-Forwarded-Proto are believed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Errors to standard error for the service manager. No access log unless asked for
# (GUNICORN_ACCESS_LOG=- for standard output): the load balancer keeps one, with the
# X-Request-ID the portal records in its audit rows (negotiation/requestid.py).
errorlog = "-"
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
