"""The HTTP half of scripts/smoke_production.sh: talk to a running gunicorn the
way the HTTPS proxy in front of it would, with the standard library only (the
smoke venv has requirements.txt and nothing else).

    python scripts/smoke_checks.py http://127.0.0.1:8123 USERNAME PASSWORD

Checks /healthz (database and broker ok), a login (CSRF cookie, Referer, the
redirect to the start page, the start page itself) and one static file from
whitenoise's manifest. Prints one line per check; exits 1 on the first failure.
"""

import http.client
import json
import re
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

# What nginx / the load balancer adds: production trusts X-Forwarded-Proto
# (SECURE_PROXY_SSL_HEADER) and one X-Forwarded-For hop (PROXY_COUNT=1).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.1"}


class SmokeFailure(Exception):
    pass


class Client:
    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port
        self.origin = f"https://{parts.netloc}"  # as the browser sees it behind the proxy
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        all_headers = {**PROXY_HEADERS, **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content


def check(condition, message, detail=""):
    if not condition:
        raise SmokeFailure(f"{message}\n{detail}".strip())
    print(f"    ok: {message}")


def wait_for_health(client, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            response, content = client.request("GET", "/healthz")
            if response.status == 200 or time.monotonic() > deadline:
                return response, content
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(1)


def check_health(client):
    response, content = wait_for_health(client)
    body = content.decode(errors="replace")
    check(response.status == 200, "/healthz answers 200", f"status {response.status}: {body}")
    data = json.loads(body)
    check(data.get("database") == "ok", "/healthz: database ok", body)
    check(data.get("broker") == "ok", "/healthz: broker ok", body)


def check_login(client, username, password):
    response, content = client.request("GET", "/login/")
    check(response.status == 200, "GET /login/ answers 200", f"status {response.status}")
    check("csrftoken" in client.cookies, "the login page sets the CSRF cookie", str(client.cookies))
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": client.cookies["csrftoken"]})
    response, content = client.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"{client.origin}/login/",
            "Origin": client.origin,
        },
    )
    location = response.getheader("Location", "")
    check(
        response.status == 302 and location == "/",
        "POST /login/ redirects to the start page",
        f"status {response.status}, Location {location!r}\n{content.decode(errors='replace')[:2000]}",
    )
    check("sessionid" in client.cookies, "the login sets the session cookie", str(client.cookies))
    response, content = client.request("GET", "/")
    page = content.decode(errors="replace")
    check(
        response.status == 200 and username in page,
        "the start page answers 200 for the logged-in user",
        f"status {response.status}, Location {response.getheader('Location')!r}",
    )
    return page


def check_static(client, page):
    # Manifest names carry a content hash: /static/css/app.3f2a….css
    match = re.search(r"""(?:src|href)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))\"""", page)
    check(match is not None, "the start page links a hashed static file (manifest storage)", page[:2000])
    response, _ = client.request("GET", match.group(1))
    check(response.status == 200, f"whitenoise serves {match.group(1)}", f"status {response.status}")


def main(base_url, username, password):
    client = Client(base_url)
    try:
        check_health(client)
        page = check_login(client, username, password)
        check_static(client, page)
    except SmokeFailure as failure:
        print(f"    FAILED: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
