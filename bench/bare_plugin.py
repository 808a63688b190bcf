"""The baseline for bench/dashboard_page.py: the barest Pyramid view, added through the public configure hook."""
from pyramid.response import Response

from dashboard import hookimpl


def bare(request):
    return Response("ok")


@hookimpl
def dashboard_configure(config):
    config.add_route("bare_plugin_bare", "/bare")
    config.add_view(bare, route_name="bare_plugin_bare")
