"""The rules of programs judged on their argument texts that are not pipe filters: find (its write actions),
date (setting the clock), hostname (setting the name), nc (only a port probe reads) and curl (only a plain
GET of an http(s) URL reads).
"""

from __future__ import annotations

from checks.runbook.classify.options import is_short_cluster, short_letters
from checks.runbook.classify.tables_shell import (
    ANY_SCHEME,
    CURL_FLAG_LONG,
    CURL_FLAG_SHORT,
    CURL_VALUED_LONG,
    CURL_VALUED_SHORT,
    CURL_WRITE_LONG,
    CURL_WRITE_SHORT,
    FIND_WRITE,
    HOSTNAME_READ,
    HTTP_URL,
)
from checks.runbook.model import CommandClass as K


def find(texts: list[str]) -> list[K]:
    return [K.MUTATING] if any(t in FIND_WRITE for t in texts) else [K.READ_ONLY]


def date(texts: list[str]) -> list[K]:
    """date prints, unless told to set the clock: -s/--set, or a bare MMDDhhmm argument."""
    i = 0
    while i < len(texts):
        text = texts[i]
        if text.startswith("--set"):
            return [K.MUTATING]
        if text in ("--date", "--file", "--reference"):
            i += 2
            continue
        if is_short_cluster(text):
            letters, takes_next = short_letters(text, valued="dfrI")
            if "s" in letters:
                return [K.MUTATING]
            i += 2 if takes_next and letters[-1] != "I" else 1
            continue
        if not text.startswith(("-", "+")):
            return [K.MUTATING]
        i += 1
    return [K.READ_ONLY]


def hostname(texts: list[str]) -> list[K]:
    # Any other argument (a name, -F FILE, -b) sets the host name.
    return [K.READ_ONLY] if all(t in HOSTNAME_READ for t in texts) else [K.MUTATING]


def nc(texts: list[str]) -> list[K]:
    """Only a port probe (-z) is read-only; any other nc can send whatever it reads."""
    letters_seen, i = "", 0
    while i < len(texts):
        text = texts[i]
        if is_short_cluster(text):
            letters, takes_next = short_letters(text, valued="w")
            if not set(letters) <= set("zvnu46w"):
                return [K.MUTATING]
            letters_seen += letters
            i += 2 if takes_next else 1
            continue
        if text.startswith("-"):
            return [K.MUTATING]
        i += 1
    return [K.READ_ONLY] if "z" in letters_seen else [K.MUTATING]


def curl(texts: list[str]) -> list[K]:
    """Only a plain GET of an http(s) URL is read-only: a method, a body, an upload or a file written is not."""
    urls, i = [], 0
    while i < len(texts):
        text = texts[i]
        name, attached = text.split("=", 1) if text.startswith("--") and "=" in text else (text, None)
        if text.startswith("--"):
            if name in CURL_WRITE_LONG or name.startswith(("--data", "--form")):
                return [K.MUTATING]
            if name in CURL_FLAG_LONG:
                i += 1
                continue
            if name not in CURL_VALUED_LONG:
                return [K.UNKNOWN]
            value = attached if attached is not None else (texts[i + 1] if i + 1 < len(texts) else "")
            i += 1 if attached is not None else 2
        elif is_short_cluster(text):
            letters, takes_next = short_letters(text, valued="".join(CURL_VALUED_SHORT))
            if set(letters) & CURL_WRITE_SHORT:
                return [K.MUTATING]
            if not set(letters) <= CURL_FLAG_SHORT | CURL_VALUED_SHORT:
                return [K.UNKNOWN]
            name = "-" + letters[-1]
            value = (texts[i + 1] if i + 1 < len(texts) else "") if takes_next else text[len(letters) + 1 :]
            i += 2 if takes_next else 1
        else:
            urls.append(text)
            i += 1
            continue
        if name in ("--url",):
            urls.append(value)
        if name in ("-w", "--write-out") and "%output{" in value:
            return [K.MUTATING]  # curl >= 8.3 writes the --write-out text to that file
    return _curl_urls(urls)


def _curl_urls(urls: list[str]) -> list[K]:
    if not urls:
        return [K.UNKNOWN]
    if any(ANY_SCHEME.match(u) and not HTTP_URL.match(u) for u in urls):
        return [K.MUTATING]  # dict://, gopher://, telnet:// send arbitrary commands (to Redis, say)
    # Without a scheme curl guesses the protocol from the host name (dict.example -> dict://).
    return [K.READ_ONLY] if all(HTTP_URL.match(u) for u in urls) else [K.UNKNOWN]
