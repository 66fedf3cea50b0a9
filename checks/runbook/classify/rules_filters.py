"""The rules of the filters that can still write: sort (-o), uniq (an output operand), awk (system(), a
redirection) and sed (-i, and the w/W/e commands and s///w, s///e flags found by reading its script).
"""

from __future__ import annotations

from checks.runbook.classify.options import is_short_cluster, short_letters
from checks.runbook.classify.tables_shell import AWK_WRITE
from checks.runbook.model import CommandClass as K


def sort(texts: list[str]) -> list[K]:
    for text in texts:
        if text.startswith(("--output", "--compress-program")):
            return [K.MUTATING]
        if is_short_cluster(text) and "o" in short_letters(text, valued="ktST")[0]:
            return [K.MUTATING]
    return [K.READ_ONLY]


def uniq(texts: list[str]) -> list[K]:
    # `uniq INPUT OUTPUT` writes OUTPUT.
    operands, i = 0, 0
    while i < len(texts):
        if texts[i] in ("-f", "-s", "-w"):
            i += 2
            continue
        operands += not texts[i].startswith("-") or texts[i] == "-"
        i += 1
    return [K.MUTATING] if operands > 1 else [K.READ_ONLY]


def awk(texts: list[str]) -> list[K]:
    i = 0
    while i < len(texts) and texts[i].startswith("-") and texts[i] != "-":
        if texts[i] == "--":
            i += 1
            break
        if texts[i] in ("-F", "-v"):
            i += 2
        elif texts[i].startswith(("-F", "-v")):
            i += 1
        else:
            return [K.UNKNOWN]  # -f reads the program from a file; gawk -i/-l load code
    if i >= len(texts):
        return [K.UNKNOWN]
    return [K.MUTATING] if AWK_WRITE.search(texts[i]) else [K.READ_ONLY]


def sed(texts: list[str]) -> list[K]:
    scripts, operands, i = [], [], 0
    while i < len(texts):
        text = texts[i]
        if text.startswith("--in-place"):
            return [K.MUTATING]
        if text in ("-e", "--expression"):
            scripts.append(texts[i + 1] if i + 1 < len(texts) else "")
            i += 2
            continue
        if text.startswith("--expression="):
            scripts.append(text.split("=", 1)[1])
        elif text in ("-n", "--quiet", "--silent", "-E", "-r", "--regexp-extended", "-s", "-u", "-z", "--posix"):
            pass
        elif is_short_cluster(text):
            letters, takes_next = short_letters(text, valued="ef")
            if "i" in letters:
                return [K.MUTATING]
            if not set(letters) <= set("nErsuze"):
                return [K.UNKNOWN]  # -f: the script is in a file
            if letters.endswith("e"):
                scripts.append(texts[i + 1] if takes_next and i + 1 < len(texts) else text[len(letters) + 1 :])
                i += 2 if takes_next else 1
                continue
        elif text.startswith("-") and text != "-":
            return [K.UNKNOWN]
        else:
            operands.append(text)
        i += 1
    if not scripts:
        scripts, operands = operands[:1], operands[1:]
    return _worst([_sed_script(s) for s in scripts] or [K.UNKNOWN])


def _worst(classes: list[K]) -> list[K]:
    for k in (K.MUTATING, K.UNKNOWN):
        if k in classes:
            return [k]
    return [K.READ_ONLY]


SED_PLAIN = set("pdDnNPhHgGxlz=F{}")
SED_S_FLAGS = set("gpiImM0123456789")


def _sed_script(script: str) -> K:
    """READ_ONLY for scripts of printing/substituting commands; MUTATING for w/W/e and s///w, s///e."""
    i = 0
    while i < len(script):
        if script[i] in " \t\n;":
            i += 1
            continue
        if script[i] == "#":
            i = _line_end(script, i)
            continue
        i = _sed_address(script, i)
        if i is None or i >= len(script):
            return K.UNKNOWN
        command = script[i]
        if command in "wWe":
            return K.MUTATING
        if command == "s":
            end = _sed_delimited(script, i + 1, parts=2)
            if end is None:
                return K.UNKNOWN
            flags_end = end
            while flags_end < len(script) and script[flags_end] in SED_S_FLAGS:
                flags_end += 1
            if flags_end < len(script) and script[flags_end] in "we":
                return K.MUTATING
            if flags_end < len(script) and script[flags_end] not in " \t\n;}":
                return K.UNKNOWN
            i = flags_end
        elif command == "y":
            i = _sed_delimited(script, i + 1, parts=2)
            if i is None:
                return K.UNKNOWN
        elif command in "aicrRbtT:":  # text, a file to read or a label: to the end of the line
            i = _line_end(script, i) if command not in "btT:" else _label_end(script, i)
        elif command in "qQ":
            i += 1
            while i < len(script) and script[i].isdigit():
                i += 1
        elif command in SED_PLAIN:
            i += 1
        else:
            return K.UNKNOWN
    return K.READ_ONLY


def _line_end(script: str, i: int) -> int:
    end = script.find("\n", i)
    return len(script) if end < 0 else end


def _label_end(script: str, i: int) -> int:
    ends = [e for e in (script.find("\n", i), script.find(";", i)) if e >= 0]
    return min(ends) if ends else len(script)


def _sed_address(script: str, i: int) -> int | None:
    """Skip an address (`3`, `$`, `/re/`, `1,/re/`, `first~step`) and a `!`; None if it does not close."""
    for _ in range(2):
        if i < len(script) and script[i] == "/":
            end = _sed_delimited(script, i, parts=1)
            if end is None:
                return None
            i = end
            while i < len(script) and script[i] in "IM":
                i += 1
        else:
            while i < len(script) and (script[i].isdigit() or script[i] in "$~+"):
                i += 1
        if i < len(script) and script[i] == ",":
            i += 1
            continue
        break
    while i < len(script) and script[i] in " \t!":
        i += 1
    return i


def _sed_delimited(script: str, i: int, parts: int) -> int | None:
    """Index after `parts` fields delimited by script[i] (backslash escapes it); None if one does not close."""
    if i >= len(script) or script[i] in "\\\n":
        return None
    delimiter, i = script[i], i + 1
    for _ in range(parts):
        while i < len(script) and script[i] != delimiter:
            if script[i] == "\n":
                return None
            i += 2 if script[i] == "\\" else 1
        if i >= len(script):
            return None
        i += 1
    return i
