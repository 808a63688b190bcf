"""Gadgets for the data cache's tests: the feed reader's own data function with a 2 s interval, cached for all users
or never, and GitHub gadgets (the bundled plugin's provider at DASHBOARD_GITHUB_URL) cached per user."""
from dashboard import Gadget, Pref, hookimpl
from dashboard_feeds import feed_data
from dashboard_github import pulls_data

FEED_PREFS = [Pref("feed_url", "string", default="", max_length=2000), Pref("count", "number", default=10)]


@hookimpl
def dashboard_gadgets():
    feed = {"template": "dashboard_feeds:templates/feed.jinja2", "data": feed_data, "refresh": 2, "prefs": FEED_PREFS}
    return [Gadget(id="quick-feed", title="Quick feed", cache="shared", **feed),
            Gadget(id="never-feed", title="Never cached feed", cache="none", **feed),
            Gadget(id="my-pulls", title="My pulls", provider="github", scopes=["repo"], cache="user", refresh=60,
                   template="dashboard_github:templates/pulls.jinja2", data=pulls_data),
            Gadget(id="my-proxy", title="My proxy", provider="github", scopes=["repo"], cache="user", refresh=60,
                   render=lambda ctx: "<p>uses the proxy</p>")]
