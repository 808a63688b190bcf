"""bench/scale_out.py's plugin: counts the requests pyramid_retry runs again (a write that conflicted at commit) by
appending a line to the file named by the ``bench.retry_log`` setting, in every worker process; as a process ends,
it appends how many transactions its group committer made and how many edits they held (``groups N EDITS``)."""
import atexit

from pyramid_retry import BeforeRetry

from dashboard import hookimpl


@hookimpl
def dashboard_configure(config):
    path = config.get_settings().get("bench.retry_log")
    if not path:
        return

    def counted(event):
        with open(path, "a") as log:  # rare (a conflict), and appends of a line do not interleave
            log.write(f"{event.request.method} {event.request.path_info}\n")

    config.add_subscriber(counted, BeforeRetry)

    def groups(registry=config.registry):
        committer = getattr(registry, "dashboard_committer", None)
        if committer is not None and committer.transactions:
            with open(path, "a") as log:
                log.write(f"groups {committer.transactions} {committer.edits}\n")

    atexit.register(groups)
