#!/usr/bin/env python3
"""Schemathesis over Trustloop's JSON API, as the test command runs it.

Starts `trustloop demo` on a free port with a new SQLite database in a temporary folder, signs
in as the demo's admin and as its leader through the sign-in form, makes each an API token
with every scope it may have on its account page, and runs schemathesis against
/api/v1/openapi.json once with each token: every check (schemathesis.toml beside this says
where one is narrowed, and why), a bounded number of cases per operation. Stops the server,
and fails when schemathesis found anything.

    run.py [--trustloop target/debug/trustloop] [--max-examples 60] [--seed N]
"""

import argparse
import html
import http.cookiejar
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request

ACCOUNTS = {
    # The demo's sign-ins (crates/trustloop/src/demo.rs) and the scopes each token gets.
    "admin": ("admin@demo.trustloop.test", "demo-admin-2026", ["campaigns:read", "reports:read", "pulse:read"]),
    "leader": ("maya.okafor@demo.trustloop.test", "demo-leader-2026", ["reports:read", "pulse:read"]),
}


def start_demo(binary: str, data_dir: str, log_path: str):
    """The demo server and its address, once it says it is running."""
    log = open(log_path, "w")
    server = subprocess.Popen(
        [binary, "demo", "--port", "0", "--data-dir", data_dir, "--fresh"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    base = None
    for line in server.stdout:
        match = re.search(r"Trustloop demo is running at (http://\S+)", line)
        if match:
            base = match.group(1)
            break
    if base is None:
        server.wait()
        log.close()
        sys.exit(f"the demo did not start:\n{open(log_path).read()}")
    # The rest of its output is not needed, but must not fill the pipe.
    threading.Thread(target=lambda: server.stdout.read(), daemon=True).start()
    return server, base


def field(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    if not match:
        sys.exit(f"no {name} field on the page:\n{page[:2000]}")
    return html.unescape(match.group(1))


def api_token(base: str, email: str, password: str, scopes: list[str]) -> str:
    """Signs in through the form and makes an API token on the account page."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(path: str) -> str:
        with browser.open(base + path) as response:
            return response.read().decode()

    def post(path: str, form: list[tuple[str, str]]) -> str:
        body = urllib.parse.urlencode(form).encode()
        with browser.open(base + path, data=body) as response:
            return response.read().decode()

    page = get("/sign-in")
    post(
        "/sign-in",
        [("email", email), ("password", password), ("next", "/"), ("csrf", field(page, "csrf"))],
    )
    page = get("/account")
    form = [("csrf", field(page, "csrf")), ("name", "schemathesis")]
    form += [("scope", s) for s in scopes]
    page = post("/account/tokens", form)
    match = re.search(r'id="new-token">([^<]+)<', page)
    if not match:
        sys.exit(f"no token was made for {email}:\n{page[:2000]}")
    return html.unescape(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trustloop", default="target/debug/trustloop")
    parser.add_argument("--max-examples", type=int, default=60)
    parser.add_argument("--seed", type=int)
    args = parser.parse_args()
    schemathesis = os.path.join(os.path.dirname(os.path.abspath(sys.executable)), "schemathesis")

    with tempfile.TemporaryDirectory(prefix="trustloop-api-fuzz-") as folder:
        log_path = os.path.join(folder, "server.log")
        server, base = start_demo(args.trustloop, os.path.join(folder, "data"), log_path)
        failed = False
        try:
            for who, (email, password, scopes) in ACCOUNTS.items():
                token = api_token(base, email, password, scopes)
                print(f"== schemathesis over {base}/api/v1 as the demo's {who} ({', '.join(scopes)})", flush=True)
                command = [
                    schemathesis,
                    "--config-file", os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml"),
                    "run", f"{base}/api/v1/openapi.json",
                    "--header", f"Authorization: Bearer {token}",
                    "--checks", "all",
                    "--max-examples", str(args.max_examples),
                    "--workers", "2",
                    "--request-timeout", "20",
                    "--no-color",
                ]
                if args.seed is not None:
                    command += ["--seed", str(args.seed)]
                # In the temporary folder, where schemathesis keeps its own files.
                if subprocess.run(command, cwd=folder).returncode != 0:
                    failed = True
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
            if server.returncode not in (0, None):
                print(f"the demo server ended with {server.returncode}", file=sys.stderr)
                failed = True
            if failed:
                print("== the demo server's log", file=sys.stderr)
                print(open(log_path).read(), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
