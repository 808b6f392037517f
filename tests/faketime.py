"""`make test-dates` runs the suite under libfaketime (preloaded, the monotonic clock left real).
Its 0.9.10 clock_nanosleep turns the absolute monotonic deadline that ``time.sleep`` uses (Python
>= 3.11) into an invalid one (EINVAL). Under faketime only, ``time.sleep`` waits on a select()
timeout instead, which is relative and passes through untouched. Processes the tests start (the
gunicorn servers of tests/edge) call this too."""
import os
import select
import time


def _sleep(seconds):
    select.select([], [], [], seconds)


def tolerate_faketime():
    if "FAKETIME" in os.environ:
        time.sleep = _sleep
