"""The built book on localhost and a headless Chromium that may reach
nothing else: for the tests that open pages (test_browser, test_demo_*)."""
from __future__ import annotations

import contextlib
import functools
import http.server
import shutil
import threading

from coursekit import ROOT

HTML = ROOT / "_build" / "html"
SHOTS = ROOT / "_build" / "screenshots"
CHROMIUM = (shutil.which("chromium") or shutil.which("chromium-browser")
            or shutil.which("google-chrome"))
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking",
               "--disable-component-update", "--disable-sync"]
NO_CHROMIUM = ("Chromium is not installed: `apt-get install chromium` "
               "(make test does as root) to run the browser tests")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep pytest's output clean
        pass


@contextlib.contextmanager
def serve(directory=HTML):
    """The URL of ``directory`` served on 127.0.0.1 while in the block."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()


class Browser:
    """A Chromium context that may reach ``base`` only; what it refused
    goes to ``blocked``, the pages' errors to ``errors``."""

    def __init__(self, pw, base: str, viewport=(1280, 900)):
        self.base = base
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.browser = pw.chromium.launch(executable_path=CHROMIUM,
                                          args=LAUNCH_ARGS)
        self.context = self.browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]})
        self.context.route("**/*", self._only_base)

    def _only_base(self, route):
        if route.request.url.startswith(self.base):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def open(self, path: str):
        """A new page at ``base/path``, loaded, its errors recorded."""
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.errors.append(msg.text)
                if msg.type == "error" else None)
        page.goto(f"{self.base}/{path}", wait_until="load")
        return page

    def close(self):
        self.browser.close()


@contextlib.contextmanager
def browser(base: str, viewport=(1280, 900)):
    """A Browser on ``base`` for the duration of the block."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = Browser(pw, base, viewport)
        try:
            yield b
        finally:
            b.close()
