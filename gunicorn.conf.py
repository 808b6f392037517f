"""gunicorn settings for production (read by gunicorn from the working directory: ``make serve`` and the
HTTP benchmark use it; command-line options override it).

Threaded workers (gthread): a request spends much of its time waiting for PostgreSQL (a submission
is about a dozen round trips), and while one thread waits another thread of the same worker runs
Python. A few threads per process keep both cores busy without the memory of more processes; the
app keeps no per-request state outside Flask's contexts (the database session is per app context).
Keep-alive lets a browser or the reverse proxy reuse its connection for the next request."""
import os

bind = os.environ.get("WEB_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = int(os.environ.get("WEB_KEEPALIVE", "5"))  # seconds an idle connection stays open
timeout = 60
