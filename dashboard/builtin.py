"""The core's own gadgets, registered as an ordinary plugin through the ``dashboard`` entry point group."""
from markupsafe import escape

from . import Gadget, hookimpl


def welcome(ctx):
    return ("<h3>Welcome to your dashboard</h3><p>Add gadgets from the <strong>Gadget directory</strong>, "
            "drag them by their handle (or focus it and use the arrow keys) and set their preferences with "
            "<strong>Edit</strong>.</p>")


def my_dashboards(ctx):
    """The person's dashboards here, e.g. shown on another server through this gadget's spec URL."""
    titles = {gid: g.title for gid, g in ctx.request.gadgets.items()}
    items = []
    for dash in ctx.dashboards:
        names = ", ".join(titles.get(gid, gid) for gid in dash["gadgets"]) or "no gadgets yet"
        items.append(f'<li><a href="{escape(dash["url"])}" target="_blank" rel="noopener">{escape(dash["title"])}</a>'
                     f' <small>({escape(names)})</small></li>')
    return f"<p>{escape(ctx.username)}'s dashboards on {escape(ctx.request.host)}:</p><ul>{''.join(items)}</ul>"


@hookimpl
def dashboard_gadgets():
    return [Gadget(id="welcome", title="Welcome", description="A short introduction to your dashboard.",
                   category="Getting started", author="Gadget Dashboard", render=welcome, height=120,
                   thumbnail="dashboard:static/thumbnails/welcome.svg"),
            Gadget(id="my-dashboards", title="My dashboards", category="Getting started", author="Gadget Dashboard",
                   description="Your dashboards on this server and their gadgets; add it to another dashboard "
                               "server through its spec URL to see them there.", render=my_dashboards, height=140,
                   thumbnail="dashboard:static/thumbnails/my-dashboards.svg")]
