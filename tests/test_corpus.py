"""Real public gadget specs (tests/specs/real/, origins and licences in its README) as an administrator adds them:
dropped into gadgets/ and added by URL. Each has its expected outcome: it renders (in Chromium: its content, no
console error) or it is refused with a reason naming each thing that is missing. Never "OK" and absent, never a 500.
"""
import shutil
from pathlib import Path

import pytest

from browserkit import chromium, sync_api  # noqa: F401
from corpuskit import FRAME_TEXT, add_to, add_url, close_app, dashboard_with, file_errors, first_frame
from corpuskit import gadget_id, make_corpus_app, offered, url_statuses
from dashboard.testing import LiveServer
from livehelpers import log_in

REAL = Path(__file__).resolve().parent / "specs" / "real"

#: file -> what the frame shows (its text or a button's, after the gadget's own script ran)
RENDERS = {
    "explorer-preferences.xml": "Hello, World in Red",
    "rave-favorite_websites.xml": "Apache Rave",
    "rave-my_activity.xml": "Ate a good sandwich!",
    "rave-my_experience.xml": "2011-Present: Apache Rave Developer",
    "rave-my_groups.xml": "Netherlands Football Fanatics",
    "rave-schedule.xml": "Pick up groceries",
    "rave-twitter.xml": "TwitterGadget",  # Content type url: a link to the page, with the preferences
    "rave-user_prefs_demo.xml": "Color (enum): yellow",
    "shindig-ContainerPublish.xml": "Container Message:",
    "shindig-oauth.xml": "waiting for an administrator to approve",  # its own OAuth service, pending approval
    "shindig-sample-pubsub-publisher.xml": "Publish a random number",
    "shindig-sample-pubsub-subscriber.xml": "Subscribe",
    "shindig-sample-views.xml": "Home view",
}
#: file -> what the refusal must name (each missing feature, API or resource)
REFUSED = {
    "explorer-makeRequest.xml": ["makeRequest.js"],
    "explorer-oauth-oauth10a-DropBox-DropBox.xml": ["proxied content", "relative one needs a spec URL"],
    "explorer-welcome.xml": ["proxied content", "relative one needs a spec URL"],
    "rave-actions_contributions.xml": ["does not provide: actions"],
    "rave-canvas-nav.xml": ["http://code.jquery.com/jquery.js"],
    "rave-friends.xml": ["does not provide: opensocial-2.5"],
    "rave-youtubesearch.xml": ["http://pagead2.googlesyndication.com/pagead/show_ads.js",
                               "shows http://remiseenforme.blogspot.com/ in a frame"],
    "shindig-DynamicSizeDemo.xml": ["does not provide: dynamic-width"],
    "shindig-SocialActivitiesWorld.xml": ["opensocial.newActivity", "opensocial.requestCreateActivity",
                                          "opensocial activities, app data or messages"],
    "shindig-SocialHelloWorld.xml": ["osapi.appdata.get", "osapi.groups.get"],
    "shindig-helloWorld.xml": ["does not provide: opensocial-1.0, opensocial-templates"],
    "shindig-rewriteron.xml": ["rewriter2.css", "rewriter1.js", "rewriter2.js"],
    "shindig-sample-pubsub-2-publisher.xml": ["does not provide: pubsub-2"],
    "shindig-sample-selection-listener.xml": ["does not provide: selection"],
    "shindig-url.xml": ["does not provide: open-views"],
    # Atlassian plugin sources: the macros that need the Atlassian application's own resources
    "atlassian-jira-calendar-plugin-calendar-gadget.xml": ["#staticResourceUrl includes the Atlassian application"],
    "qrapids-dashboard-jira-gadget.xml": ["#requireResource includes the Atlassian application"],
    "crowdin-jira-project-status-plugin-gadget.xml": ["#requireResource includes the Atlassian application"],
    "opensocial-examples-activitystream-gadget.xml": ["does not provide: open-views, embedded-experiences"],
    "opensocial-examples-ee-sample-gadget.xml": ["does not provide: embedded-experiences"],
    "opensocial-examples-stackattack-app.xml": ["does not provide: content-rewrite, opensocial, opensocial-data"],
    "opensocial-examples-using-dojo-1.4.3.xml": [
        "archive.dojotoolkit.org/cdn/1.4.3-cdn/google/1.4.3/dijit/themes/tundra/tundra.css",
        "archive.dojotoolkit.org/cdn/1.4.3-cdn/google/1.4.3/dojo/dojo.xd.js"],
    "opensocial-examples-using-dojo-1.8.xml": ["//ajax.googleapis.com/ajax/libs/dojo/1.8.0/dijit/themes/tundra/tundra.css",
                                               "//ajax.googleapis.com/ajax/libs/dojo/1.8.0/dojo/dojo.js"],
    # iGoogle-era gadgets (Google's Maps API v2 samples): the Maps API v2 script over http, or a legacy call the
    # container does not provide
    "igoogle-js-v2-samples-digitalclock.xml": ["http://maps.google.com/maps?file=api",
                                               "key=ABQIAAAAjU0EJWnWPMv7oQ-jjS7dYxSPW5CJgpdgO_s4yyMovOaVh"],
    "igoogle-js-v2-samples-mapPointGadget.xml": ["http://maps.google.com/maps?file=api",
                                                 "key=ABQIAAAAi44TY0V29QjeejKd2l3ipRTZqGWfQErE9pT-IucjscazSdFnjBTJ"],
    "igoogle-js-v2-samples-miniresults.xml": ["APIs this container does not provide: _IG_GetCachedUrl"],
    "igoogle-js-v2-samples-mymapgadget.xml": ["http://maps.google.com/maps?file=api",
                                              "key=ABQIAAAAjU0EJWnWPMv7oQ-jjS7dYxTZqGWfQErE9pT-IucjscazSdFnjBSVJi1"],
}

#: Proxied content with a relative href: refused as files (no URL to resolve it against), offered by URL, their
#: content fetched when shown -> what the frame then says (the content files are not in the corpus: 404)
PROXIED = {
    "explorer-oauth-oauth10a-DropBox-DropBox.xml": "waiting for an administrator to approve",  # its OAuth service
    "explorer-welcome.xml": "/g/welcome.html answered with HTTP status 404",
}


def test_the_corpus_is_complete_and_every_file_has_an_outcome():
    files = {p.name for p in REAL.glob("*.xml")}
    assert len(files) >= 20 and files == set(RENDERS) | set(REFUSED) and not set(RENDERS) & set(REFUSED)
    readme = (REAL / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in files)  # each file's origin and licence


@pytest.fixture
def corpus_app(dashboard_settings, tmp_path):
    gadgets = tmp_path / "gadgets"
    shutil.copytree(REAL, gadgets, ignore=shutil.ignore_patterns("*.md"))
    app = make_corpus_app(dashboard_settings, gadgets)
    yield app
    close_app(app)


def test_spec_files_are_offered_or_refused_with_what_is_missing(corpus_app):
    from dashboard.testing import Client

    client = Client(corpus_app)
    client.login("alice")
    ids = offered(client)
    errors = file_errors(client)
    for name in RENDERS:
        assert gadget_id(name) in ids, name
    for name, reasons in REFUSED.items():
        assert gadget_id(name) not in ids, name
        line = errors.get(name)
        assert line is not None and all(r in line for r in reasons), (name, line)
    # every offered one renders its frame without a server error
    did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
    for name in RENDERS:
        inst = client.post_json(f"/api/dashboards/{did}/gadgets", {"gadget": gadget_id(name)})
        assert client.app.get(inst["frame_url"]).status_int == 200


def test_spec_urls_are_ok_only_when_offered_or_refused_with_what_is_missing(corpus_app):
    from dashboard.specs import url_gadget_id
    from dashboard.testing import Client
    from httpserver import Upstream

    upstream = Upstream({f"/g/{p.name}": (200, {"Content-Type": "application/xml"}, p.read_bytes())
                         for p in REAL.glob("*.xml")})
    try:
        client = Client(corpus_app)
        client.login("alice")
        for name in sorted(RENDERS) + sorted(REFUSED):
            status, reason, res = add_url(client, f"{upstream.url}/g/{name}")
            if name in RENDERS or name in PROXIED:
                assert status == 303, (name, res.text[:500])
            else:
                assert status == 400 and all(r in res.text for r in REFUSED[name]), (name, reason)
        statuses = url_statuses(client)
        assert statuses == {f"{upstream.url}/g/{name}": "OK" for name in list(RENDERS) + list(PROXIED)}
        assert {url_gadget_id(url) for url in statuses} <= offered(client)
        did = client.get_json("/api/dashboards")["dashboards"][0]["id"]
        for name, shown in PROXIED.items():
            inst = client.post_json(f"/api/dashboards/{did}/gadgets",
                                    {"gadget": url_gadget_id(f"{upstream.url}/g/{name}")})
            assert shown in client.app.get(inst["frame_url"]).text, name
    finally:
        upstream.close()


@pytest.fixture
def corpus_server(corpus_app):
    live = LiveServer(corpus_app)
    yield live
    live.stop()


def test_each_offered_spec_renders_in_chromium_without_console_errors(corpus_server, chromium):  # noqa: F811
    context = chromium.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, corpus_server.url, "alice")
    base = page.url.split("/d/")[0]
    try:
        for name, text in RENDERS.items():
            # a dashboard of its own for each, so that its frame is the first and loads at once
            did, status = dashboard_with(page, name, gadget_id(name))
            assert status in (200, 201), name
            errors.clear()
            frame = first_frame(page, base, did)
            try:
                frame.wait_for_function(f"(text) => ({FRAME_TEXT})().includes(text)", arg=text, timeout=10000)
            except sync_api.TimeoutError:
                pytest.fail(f"{name} shows {frame.locator('body').inner_text()!r}, not {text!r}; errors: {errors}")
            page.wait_for_timeout(200)
            assert errors == [], (name, errors)
            if name == "shindig-sample-pubsub-subscriber.xml":
                subscriber = frame
            if name == "shindig-sample-pubsub-publisher.xml":
                publisher_dashboard = did
        # the two pubsub samples, as their authors meant them: on one dashboard, subscribe, then publish
        add_to(page, publisher_dashboard, gadget_id("shindig-sample-pubsub-subscriber.xml"))
        page.goto(f"{base}/d/{publisher_dashboard}")
        subscriber = page.locator("article.gadget:has(h2:has-text('Subscriber')) iframe").element_handle().content_frame()
        publisher = page.locator("article.gadget:has(h2:has-text('Publisher')) iframe").element_handle().content_frame()
        subscriber.wait_for_load_state()
        publisher.wait_for_load_state()
        subscriber.click("input[value=Subscribe]")
        publisher.click("input[value='Publish a random number']")
        subscriber.wait_for_function("() => /message : 0\\.\\d+/.test(document.getElementById('output').innerText)")
        assert errors == []
    finally:
        context.close()
