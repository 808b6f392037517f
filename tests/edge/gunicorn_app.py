"""The app as gunicorn serves it in the throttling test (tests/edge/test_throttle_gunicorn.py): the
test database, the limiter storage and the proxy setting come from the environment; each answer
names the worker process that gave it (X-Worker-Pid), so the test can see requests cross workers."""
import os

from app import create_app
from tests.faketime import tolerate_faketime

tolerate_faketime()  # under make test-dates: the master and its forked workers sleep on select()

app = create_app("testing", SQLALCHEMY_DATABASE_URI=os.environ["EDGE_DATABASE_URL"],
                 RATELIMIT_STORAGE_URI=os.environ["EDGE_RATELIMIT_STORAGE_URI"],
                 RATELIMIT_KEY_PREFIX=os.environ["EDGE_RATELIMIT_KEY_PREFIX"],
                 TRUSTED_PROXY_HOPS=int(os.environ.get("EDGE_TRUSTED_PROXY_HOPS", "0")))


@app.after_request
def _name_the_worker(response):
    response.headers["X-Worker-Pid"] = str(os.getpid())
    return response
