"""A reader for public RSS 2.0 and Atom feeds, fetched server-side through the core's SSRF-safe fetch."""
import re
from urllib.parse import urlsplit
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from dashboard import Gadget, Pref, hookimpl

ATOM = "{http://www.w3.org/2005/Atom}"
MAX_FEED_BYTES = 1024 * 1024


class FeedError(Exception):
    pass


def _text(node, path, ns=None):
    found = node.find(path, ns or {})
    return (found.text or "").strip() if found is not None and found.text else ""


def _safe_link(link):
    # Feeds are untrusted: only http(s) links become clickable (no javascript: or data: URLs).
    return link if urlsplit(link).scheme in ("http", "https") else ""


def _summary(html):
    """An entry's description as plain text (its markup dropped, never rendered), at most 400 characters."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1\s*>", " ", html or "")  # what they hold is not text
    text = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(re.sub(r"<[^>]*>", " ", html).split()))
    return text if len(text) <= 400 else text[:399].rsplit(" ", 1)[0] + "…"


def parse_feed(body):
    """Return (title, [{"title", "link", "date", "summary"}]) from RSS 2.0 or Atom bytes; raise FeedError
    otherwise."""
    try:
        root = fromstring(body, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise FeedError(f"the feed is not well-formed XML ({type(exc).__name__})") from None
    if root.tag == "rss":
        channel = root.find("channel")
        if channel is None:
            raise FeedError("the RSS feed has no channel")
        items = [{"title": _text(i, "title") or "(untitled)", "link": _safe_link(_text(i, "link")),
                  "date": _text(i, "pubDate"), "summary": _summary(_text(i, "description"))}
                 for i in channel.findall("item")]
        return _text(channel, "title"), items
    if root.tag == f"{ATOM}feed":
        items = []
        for entry in root.findall(f"{ATOM}entry"):
            link = next((l.get("href", "") for l in entry.findall(f"{ATOM}link")
                         if l.get("rel", "alternate") == "alternate"), "")
            items.append({"title": _text(entry, f"{ATOM}title") or "(untitled)", "link": _safe_link(link),
                          "date": _text(entry, f"{ATOM}updated") or _text(entry, f"{ATOM}published"),
                          "summary": _summary(_text(entry, f"{ATOM}summary") or _text(entry, f"{ATOM}content"))})
        return _text(root, f"{ATOM}title"), items
    raise FeedError("this is neither an RSS 2.0 nor an Atom feed")


def feed_data(ctx):
    url = ctx.prefs["feed_url"].strip()
    if not url:
        return {"message": "Choose a feed: click Edit and enter the address of an RSS or Atom feed."}
    response = ctx.fetch(url, max_bytes=MAX_FEED_BYTES)
    if response.status != 200:
        message = f"The feed answered with HTTP status {response.status}."
        if response.status >= 500:  # the feed's server is failing: the last headlines, if kept, rather than this
            ctx.do_not_keep(message)
        return {"message": message}
    try:
        title, items = parse_feed(response.body)
    except FeedError as exc:
        return {"message": f"The feed could not be read: {exc}."}
    return {"title": title, "items": items[: int(ctx.prefs["count"] or 10)]}


@hookimpl
def dashboard_gadgets():
    return [Gadget(
        id="feed-reader", thumbnail="dashboard_feeds:thumbnails/feed-reader.svg",
        title="Feed reader", description="Headlines from any public RSS or Atom feed.",
        category="News", author="Gadget Dashboard", template="dashboard_feeds:templates/feed.jinja2",
        # maximized: each headline with its summary
        canvas_template="dashboard_feeds:templates/feed_canvas.jinja2",
        # a public feed is the same for everyone who reads it: one fetch per feed and 15 minutes for all users
        data=feed_data, refresh=900, cache="shared", height=260,
        prefs=[Pref("feed_url", "string", "Feed address (URL)", default="", max_length=2000),
               Pref("count", "number", "Number of headlines", default=10, min=1, max=50)],
    )]
