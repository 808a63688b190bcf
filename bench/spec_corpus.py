"""Run a directory of real gadget specs against the app as an administrator would, and say for each what happened:

    .venv/bin/python bench/spec_corpus.py DIR

Every *.xml in DIR is dropped into the app's gadgets/ folder and added by URL (served from a 127.0.0.1 HTTP server
at /g/<file>; a spec with Atlassian macros is served as an Atlassian application serves its plugins' gadgets, at
/jira/rest/gadgets/1.0/g/<file>, so that its base URL is /jira). Each way, per spec:

  renders        offered, and in Chromium its frame shows content and logs no console error
  refused        not offered, with the reason given
  PROBLEM        OK but not offered, a 500, a console error, an empty frame, or a reason that names nothing missing

Then the totals. Exit status 1 when there is a PROBLEM. Nothing leaves 127.0.0.1 (the app fetches only from there).
"""
import argparse
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import corpuskit  # noqa: E402
from corpuskit import FRAME_TEXT, add_url, file_errors, gadget_id, offered, url_statuses  # noqa: E402

ATLASSIAN = re.compile(r"__ATLASSIAN_BASE_URL__|#oauth\b|#supportedLocales|#requireResource|#includeResources"
                       r"|#staticResourceUrl|#requireContext")
#: What a reason names when it names what is missing: a feature the container lacks, a URL or file it cannot
#: load, a macro, a JavaScript API (a.b), or what the spec lacks for this container.
NAMES_SOMETHING = re.compile(r"does not provide: \S|https?://|/\S+\.\w+|#\w+|\b[A-Za-z_]\w*\.[A-Za-z_][\w.]*\("
                             r"|\b[A-Za-z_]\w*\.[A-Za-z_][\w.]*\b|not well-formed|no Content|malformed|too large"
                             r"|needs|is not|has no|lacks|'[^']+'")
SETTLE_MS = 1500


def served_path(name, data):
    return f"/jira/rest/gadgets/1.0/g/{name}" if ATLASSIAN.search(data.decode("utf-8", "replace")) else f"/g/{name}"


def reason_problem(reason):
    # the admin page puts the spec URL before the reason: what the reason names is after it
    text = re.sub(r"^https?://\S+?: ", "", reason or "")
    return None if NAMES_SOMETHING.search(text) else f"reason names nothing missing: {reason!r}"


def render(page, base, name, gadget):
    """Show ``gadget`` on a dashboard of its own: (outcome, detail)."""
    errors, failed = [], []

    def console(message):
        if message.type == "error":
            errors.append(message.text)

    def response(res):
        # the app's own answers; /proxy answers 502/504 when the gadget's upstream fails (not the app's fault)
        if res.status >= 500 and res.url.startswith(base) and not (res.status in (502, 504) and "/proxy/" in res.url):
            failed.append(f"{res.status} {res.url[len(base):][:100]}")

    def page_error(error):
        errors.append(f"uncaught {error}")

    page.on("console", console)
    page.on("pageerror", page_error)
    page.on("response", response)
    did, status = corpuskit.dashboard_with(page, name, gadget)
    if status not in (200, 201):
        return "PROBLEM", f"adding it to a dashboard answered HTTP {status}"
    try:
        frame = corpuskit.first_frame(page, base, did)
    except Exception as e:  # the frame never came
        return "PROBLEM", f"no frame: {e}"
    shown = ""
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            shown = frame.evaluate(f"({FRAME_TEXT})()").strip()
        except Exception:
            shown = ""
        media = frame.evaluate("() => document.querySelectorAll('img, canvas, svg, iframe, object, embed, video, "
                               "table, input, select, textarea').length") if not shown else 0
        if shown or media:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(SETTLE_MS)
    try:
        shown = frame.evaluate(f"({FRAME_TEXT})()").strip() or shown
    except Exception:
        pass
    page.remove_listener("console", console)
    page.remove_listener("response", response)
    page.remove_listener("pageerror", page_error)
    if failed:
        return "PROBLEM", f"the server answered {failed[0]}"
    if errors:
        return "PROBLEM", f"console error: {errors[0][:200]}" + (f" (+{len(errors) - 1} more)" if len(errors) > 1 else "")
    if re.search(r"HTTP status 5\d\d|Internal Server Error", shown):
        return "PROBLEM", f"frame shows a server error: {shown[:160]!r}"
    if not shown and not media:
        return "PROBLEM", "renders empty"
    return "renders", (shown or f"<{media} media elements>")[:120].replace("\n", " ")


def run(directory, chromium_path):
    from dashboard.testing import Client, LiveServer
    from httpserver import Upstream
    from livehelpers import log_in
    from playwright.sync_api import sync_playwright

    from dashboard.specs import url_gadget_id

    specs = sorted(Path(directory).glob("*.xml"))
    if not specs:
        sys.exit(f"no *.xml in {directory}")
    tmp = Path(tempfile.mkdtemp(prefix="spec-corpus-"))
    gadgets = tmp / "gadgets"
    gadgets.mkdir()
    for p in specs:
        shutil.copy(p, gadgets / p.name)
    app = corpuskit.make_corpus_app(corpuskit.settings_in(tmp), gadgets)
    routes, urls = {}, {}
    for p in specs:
        data = p.read_bytes()
        routes[served_path(p.name, data)] = (200, {"Content-Type": "application/xml"}, data)
    upstream = Upstream(routes)
    for p in specs:
        urls[p.name] = upstream.url + served_path(p.name, p.read_bytes())
    live = LiveServer(app)
    client = Client(app)
    client.login("alice")
    results = []  # (name, way, outcome, detail)
    try:
        ids = offered(client)
        errors = file_errors(client)
        to_render = []
        for p in specs:
            gid = gadget_id(p.name)
            if gid in ids:
                to_render.append((p.name, "file", gid))
            elif p.name in errors:
                reason = errors[p.name].split(":", 1)[1].strip()
                problem = reason_problem(reason)
                results.append((p.name, "file", "PROBLEM" if problem else "refused", problem or reason))
            else:
                results.append((p.name, "file", "PROBLEM", "neither offered nor refused by the gadgets/ folder"))
        for p in specs:
            url = urls[p.name]
            try:
                status, reason, res = add_url(client, url)
            except Exception as e:
                results.append((p.name, "url", "PROBLEM", f"adding the URL raised {e!r}"))
                continue
            if status == 303:
                state = url_statuses(client).get(url)
                gid = url_gadget_id(url)
                if state != "OK" and gid not in offered(client):  # kept, not offered, and Gadget specs says why
                    problem = reason_problem(state)
                    results.append((p.name, "url", "PROBLEM" if problem else "refused", problem or state))
                elif state != "OK":
                    results.append((p.name, "url", "PROBLEM", f"offered, but its status says {state!r}"))
                elif gid not in offered(client):
                    results.append((p.name, "url", "PROBLEM", "OK but not offered"))
                else:
                    to_render.append((p.name, "url", gid))
            elif status == 400:
                problem = reason_problem(reason)
                results.append((p.name, "url", "PROBLEM" if problem else "refused", problem or reason))
            else:
                results.append((p.name, "url", "PROBLEM", f"adding the URL answered HTTP {status}"))
        with sync_playwright() as pw:
            browser = corpuskit.launch_chromium(pw, chromium_path)
            context = browser.new_context(viewport={"width": 1280, "height": 860})
            page = context.new_page()
            page.on("dialog", lambda d: d.dismiss())
            log_in(page, live.url, "alice")
            base = page.url.split("/d/")[0]
            for name, way, gid in to_render:
                try:
                    outcome, detail = render(page, base, name, gid)
                except Exception as e:
                    outcome, detail = "PROBLEM", f"rendering raised {type(e).__name__}: {str(e)[:200]}"
                results.append((name, way, outcome, detail))
            context.close()
            browser.close()
    finally:
        live.stop()
        upstream.close()
        corpuskit.close_app(app)
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def main():
    from browserkit import CHROMIUM

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory")
    parser.add_argument("--chromium", default=CHROMIUM)
    args = parser.parse_args()
    results = run(args.directory, args.chromium)
    results.sort(key=lambda r: (r[0], r[1]))
    width = max(len(r[0]) for r in results)
    for name, way, outcome, detail in results:
        print(f"{name:<{width}}  {way:<4}  {outcome:<8}  {detail}")
    totals = Counter(outcome for _, _, outcome, _ in results)
    per_spec = Counter()
    for name in {r[0] for r in results}:
        outcomes = {r[2] for r in results if r[0] == name}
        per_spec["PROBLEM" if "PROBLEM" in outcomes else "renders" if "renders" in outcomes else "refused"] += 1
    print()
    print(f"{sum(per_spec.values())} specs, {len(results)} loads: "
          + ", ".join(f"{k} {totals[k]}" for k in ("renders", "refused", "PROBLEM")))
    print("per spec (worst of its loads): " + ", ".join(f"{k} {per_spec[k]}" for k in ("renders", "refused", "PROBLEM")))
    sys.exit(1 if totals["PROBLEM"] else 0)


if __name__ == "__main__":
    main()
