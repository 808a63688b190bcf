"""Group commit: the edits of many requests committed in one transaction (issue 17, writes that scale).

A ZEO client commits one transaction at a time per process (``ClientStorage`` holds a lock from ``tpc_begin`` to the
end of ``tpc_finish``, over two round trips to the server), and each commit costs the client and the server CPU of
their own. With every request committing its own edit, one process on ZEO made about 0.7 of the edits it made on a
FileStorage. Here one thread per process and database takes the edits waiting when its last commit ends, all of
them, runs them on a connection of its own and commits them together: the commits' cost is shared by however many
edits arrived meanwhile, and with a single waiting edit nothing is added but the hand-over to the thread.

An edit is a function of persistent objects (``change(*objects)``), given the objects as the committing connection
has them (found by oid): it runs on the newest state, so it must check what it relies on, as ``operations`` does,
and return plain values, never a persistent object: what the request answers (the JSON of what it changed, as
stored). The request waits until its edit is committed (``committed``): an acknowledged edit is committed
(``tests/test_storage.py`` kills a server while users rename dashboards and finds every acknowledged rename).

* **An edit that raises** (a 400: a title too long, a gadget that is not there) gets its exception back and nothing
  of it is committed; the others in its group are run again without it, from the stored state.
* **A conflict** with another process (ZODB's ``ConflictError``) runs the group again on the new state,
  ``ATTEMPTS`` runs in all; then each edit gets the conflict, and pyramid_retry runs its request again.
* **A storage failure** (a ZEO server gone: ``ClientDisconnected``, a ``TransientError`` but no conflict) is given to
  every edit of the group at once.

Models know nothing of this: it is the views that hand their edits here (``dashboard.app``'s ``request.edit``).
"""
import logging
import os
import queue
import threading

import transaction
from transaction.interfaces import TransientError
from ZODB.POSException import ConflictError

log = logging.getLogger(__name__)

#: The most edits one transaction commits (the rest wait for the next; there are never more waiting than threads).
MAX_GROUP = 100
#: How many times in all a group is run while its commit conflicts, before its edits are given the conflict.
ATTEMPTS = 3
#: Seconds without an edit after which the thread ends (the next edit starts another; a closed database's is gone).
IDLE = 30


class Edit:
    __slots__ = ("change", "oids", "note", "done", "result", "error")

    def __init__(self, change, oids, note):
        self.change, self.oids, self.note = change, oids, note
        self.done = threading.Event()
        self.result = self.error = None


class Committer:
    """Commits the edits handed to ``apply`` in groups, in a thread of its own with a connection of its own to
    ``db`` (started when first needed in each process, so a forked worker starts its own)."""

    def __init__(self, db):
        self.db = db
        self.waiting = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.pid = None
        #: Transactions committed and edits they held (``bench/scale_out.py`` prints the mean group).
        self.transactions = self.edits = 0

    def apply(self, change, *objects, note=""):
        """Commit ``change(*objects)`` (``objects``: persistent objects already stored) with whatever other edits
        are waiting; return its result once committed, or raise what it raised (then nothing of it is stored).
        ``note``: what made the edit (a request's path), one line of the transaction's description."""
        edit = Edit(change, [obj._p_oid for obj in objects], note)
        self.waiting.put(edit)
        self._started(edit)  # after the put: a thread leaving for want of work sees this edit, or is replaced
        edit.done.wait()
        if edit.error is not None:
            raise edit.error
        return edit.result

    def _started(self, edit):
        if self.pid != os.getpid():
            with self.lock:
                if self.pid != os.getpid():
                    try:
                        threading.Thread(target=self._run, name="group-commit", daemon=True).start()
                    except BaseException:  # its request gets the error: the edit is withdrawn, not left for the
                        edit.change = None  # next thread to commit (a leaving one looks at it under this lock)
                        raise
                    self.pid = os.getpid()

    def _run(self):
        manager = transaction.TransactionManager()
        try:
            conn = self.db.open(transaction_manager=manager)
        except BaseException as exc:  # a closed database: the edits waiting get the error rather than wait for ever
            log.exception("group commit cannot open a connection")
            with self.lock:
                self.pid = None  # the next edit tries again
                while not self.waiting.empty():
                    edit = self.waiting.get_nowait()
                    edit.error = exc
                    edit.done.set()
            return
        try:
            while True:
                try:
                    group = [self.waiting.get(timeout=IDLE)]
                except queue.Empty:
                    with self.lock:
                        self.pid = None  # first: an edit handed over from now on starts another thread
                        if self.waiting.empty():  # else an edit came as the wait ended
                            return
                        self.pid = os.getpid()
                    continue
                while len(group) < MAX_GROUP:
                    try:
                        group.append(self.waiting.get_nowait())
                    except queue.Empty:
                        break
                group = [edit for edit in group if edit.change is not None]  # not the withdrawn
                try:
                    self._commit(manager, conn, group)
                except BaseException as exc:  # never leave a request waiting
                    log.exception("group commit failed")
                    manager.abort()
                    for edit in group:
                        if not edit.done.is_set():
                            edit.error = exc
                finally:
                    for edit in group:
                        edit.done.set()
        finally:
            conn.close()  # back to the pool, with its cache, for the next thread

    def _commit(self, manager, conn, group):
        pending, conflicts = list(group), 0
        while pending:
            # No begin(): it would ask a ZEO server for invalidations not yet here (server_sync), a round trip per
            # group. The invalidations this process has received are taken instead: every request handing an edit
            # here began after its own sync, so the group runs on at least what each of its requests saw (the
            # connection's last commit or abort is older than the commits made since by requests' own transactions
            # and by other processes, and what an edit only reads, it would not meet as a conflict).
            conn.newTransaction(None, False)
            failed = None
            try:
                for edit in pending:
                    try:
                        edit.result = edit.change(*[conn.get(oid) for oid in edit.oids])
                    except TransientError:
                        raise
                    except Exception as exc:
                        edit.error, failed = exc, edit
                        break
                if failed is None:
                    manager.get().note("\n".join(edit.note for edit in pending if edit.note))
                    manager.commit()
                    self.transactions += 1
                    self.edits += len(pending)
                    return
                manager.abort()  # its half-made changes with the others'; they run again without it
                pending.remove(failed)
                failed.done.set()
            except ConflictError as exc:
                manager.abort()
                conflicts += 1
                if conflicts >= ATTEMPTS:
                    for edit in pending:
                        edit.error = exc
                    return
            except Exception as exc:  # the storage failed: nothing of the group is stored
                manager.abort()
                for edit in pending:
                    edit.error = exc
                return


def committed(conn, committer, change, *objects, note=""):
    """``change(*objects)`` committed through ``committer``; returns what ``change`` returned. ``conn`` (the
    request's connection, which has no change of its own pending) then takes the commit's invalidations, without
    asking a ZEO server again (the commit was this process's own, so they are already here): an object read again
    shows the stored state (at the cost of a load; a view answers with what ``change`` returned instead), and
    nothing the request might still write meets its own edit as a conflict.

    When ``conn`` has changes of its own, or an object is new to it, the edit is made in ``conn``'s transaction
    instead, committed with the rest of the request's changes. ``note``: see ``Committer.apply``."""
    if conn._registered_objects or conn._added or any(obj._p_jar is not conn or obj._p_oid is None
                                                      for obj in objects):
        return change(*objects)
    result = committer.apply(change, *objects, note=note)
    conn.newTransaction(None, False)
    return result
