"""A plugin with a route whose every commit conflicts, as a write racing another one does."""
from ZODB.POSException import ConflictError

from dashboard import hookimpl

attempts = []


def always_conflicts(request):
    attempts.append(request.environ["retry.attempt"])
    raise ConflictError("the data changed underneath")


@hookimpl
def dashboard_configure(config):
    config.add_route("test_conflict", "/save")
    config.add_view(always_conflicts, route_name="test_conflict", request_method="POST", require_csrf=False)
