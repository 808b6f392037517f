"""Files follow their transaction: a file written for rows that are never committed is removed.

Uploads write their bytes to disk before the rows that describe them are committed (the database cannot
hold 16 MB photos well, and a file must exist before its row can point to it). Every writer calls
:func:`written` with the file's path right after writing it; the path is kept in the session until the
outermost transaction ends. A commit keeps the files; a rollback (a refused request: a 422 for the
second of two files, a 409, an error, a request torn down without commit) removes them. A savepoint's
release or rollback changes nothing: only the outermost transaction decides.

What a crash between the write and the commit leaves behind (a file with no row) is removed by
:func:`app.storage.purge.purge_orphans` (``flask storage purge``)."""
import logging
import os

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

KEY = "files_written_in_transaction"
DOOMED = "files_removed_on_commit"
log = logging.getLogger(__name__)


def written(path: str) -> None:
    """Remember a file written in the current transaction: removed unless the transaction commits."""
    db.session.info.setdefault(KEY, []).append(path)


def write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (a ``.part`` file renamed into place), creating its
    directory, and remember it: removed unless the current transaction commits."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    written(path)


def remove_on_commit(path: str) -> None:
    """Remove a file once the current transaction commits (its row is deleted in it); kept otherwise."""
    db.session.info.setdefault(DOOMED, []).append(path)


def remove_now(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:  # pragma: no cover - a permission problem: the purge job will find it
        log.warning("could not remove %s", path, exc_info=True)


@event.listens_for(Session, "after_commit")
def _keep(session):
    if session.in_nested_transaction():  # a savepoint released: the outer transaction still decides
        return
    session.info.pop(KEY, None)
    for path in session.info.pop(DOOMED, ()):
        remove_now(path)


@event.listens_for(Session, "after_transaction_end")
def _remove_unless_committed(session, transaction):
    if transaction.parent is not None or transaction.nested:
        return
    for path in session.info.pop(KEY, ()):  # still here: the outermost transaction did not commit
        remove_now(path)
    session.info.pop(DOOMED, None)  # rows not deleted after all: their files stay
