"""gunicorn settings for the hublink coordinator's HTTP API (container and VM install).

Run: ``gunicorn --config /etc/hublink/gunicorn.conf.py`` with ``HUBLINK_HOME`` (and
``HUBLINK_DATABASE_URL`` for PostgreSQL) in the environment. Every setting below can be
changed without editing this file through the ``HUBLINK_GUNICORN_*`` variables it reads.
"""

import multiprocessing
import os

# The Flask application factory; each worker builds its own app (no preload), so database
# connections are never shared across a fork.
wsgi_app = "hublink.coordinator.app:create_app()"

# Behind the TLS-terminating proxy: listen on loopback (VM) or the private network (compose).
bind = [os.environ.get("HUBLINK_GUNICORN_BIND", "127.0.0.1:8700")]
workers = int(os.environ.get("HUBLINK_GUNICORN_WORKERS",
                             min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "sync"
# Chunk uploads and commits of large syncs can take a while on a busy database.
timeout = int(os.environ.get("HUBLINK_GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files on tmpfs: a worker blocked on a full or slow disk is still seen alive.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Trust X-Forwarded-* only from the proxy in front (loopback on a VM, the proxy container).
forwarded_allow_ips = os.environ.get("HUBLINK_GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
limit_request_line = 4094
limit_request_fields = 50

# Logs to stdout/stderr: journald (VM) or the container runtime collects them. The access log
# has no query strings or bodies, and the API never puts CLKs or tokens in a URL.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("HUBLINK_GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
proc_name = "hublink-coordinator"
