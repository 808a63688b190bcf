"""bench/scale_out.py's plugin: counts the requests pyramid_retry runs again (a write that conflicted at commit) by
appending a line to the file named by the ``bench.retry_log`` setting, in every worker process."""
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
