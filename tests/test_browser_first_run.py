"""`make run` on a fresh checkout, without a terminal: the server it starts prints a one-time setup code; the first administrator is created through the setup page in Chromium, and
logs in again through the login page."""
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from browserkit import chromium  # noqa: F401
from processes import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BLOCK = re.compile(r"open\s+(http://\S+/setup)\s.*?setup code .*?:\s+([2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4})", re.S)


def test_make_run_without_a_terminal_and_the_first_administrator_in_chromium(chromium, tmp_path):
    """`make run HOST=... PORT=...` itself, in a folder holding the checkout's Makefile and development.ini (so the
    test's database is its own, in that folder's var/), with this test's environment as its venv (``-o install``:
    it is installed already), no terminal on stdin."""
    port, host = free_port(), "127.0.0.2"  # not make's default: HOST is shown to be used
    for name in ("Makefile", "development.ini"):
        (tmp_path / name).write_text((ROOT / name).read_text())
    (tmp_path / "gadgets").symlink_to(ROOT / "gadgets")
    log = tmp_path / "server.log"
    with open(log, "w") as out:
        server = subprocess.Popen(["make", "-o", "install", "run", f"HOST={host}", f"PORT={port}",
                                   f"VENV={BIN.parent}"], cwd=tmp_path, stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.time() + 60
        while not BLOCK.search(log.read_text()) and server.poll() is None and time.time() < deadline:
            time.sleep(0.1)
        assert server.poll() is None, log.read_text()[-3000:]
        url, code = BLOCK.search(log.read_text()).groups()
        wait_for_port(port, server, host=host)
        assert url == f"http://{host}:{port}/setup"
        page = chromium.new_context().new_page()
        page.goto(f"http://{host}:{port}/")
        page.click("text=Create the first administrator")
        page.fill("input[name=code]", code)
        page.fill("input[name=name]", "ann")
        page.fill("input[name=password]", "a long enough password")
        page.fill("input[name=password2]", "a long enough password")
        page.click("button:has-text('Create and log in')")
        page.wait_for_selector(".topbar a:has-text('Administration')")
        assert page.locator(".topbar .who").inner_text() == "ann"
        page.click("button:has-text('Log out')")
        page.fill("input[name=name]", "ann")
        page.fill("input[name=password]", "a long enough password")
        page.click("button:has-text('Log in')")
        page.wait_for_selector(".topbar a:has-text('Administration')")
        page.goto(f"http://{host}:{port}/setup")
        assert "There is nothing at this address" in page.content() or "already has accounts" in page.content()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
