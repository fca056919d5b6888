"""The cookies a browser sends after loading the page: behind HAProxy, the SERVERID that pins a tab to a replica."""

import urllib.request


def fetch_page_cookies(url: str, cookie: str = "") -> str:
    """GET the page as a browser does first and return the Cookie header it would send next (with what came in
    Set-Cookie: behind HAProxy, the SERVERID that pins this session to one replica)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        received = [header.split(";", 1)[0].strip() for header in response.headers.get_all("Set-Cookie") or []]
    jar = dict(part.strip().split("=", 1) for part in cookie.split(";") if "=" in part)
    jar.update(part.split("=", 1) for part in received if "=" in part)  # a new SERVERID replaces the old one
    return "; ".join(f"{name}={value}" for name, value in jar.items())
