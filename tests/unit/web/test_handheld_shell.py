"""The handheld's service worker keeps every file the page needs to start offline."""

from __future__ import annotations

import re
from pathlib import Path

from handheld_ui.router import STATIC

LANGUAGES = ("en", "ko", "nl", "ru", "ja")


def _shell() -> set[str]:
    worker = (STATIC / "sw.js").read_text(encoding="utf-8")
    listed = set(re.findall(r'^\s*"(/[^"]*)",$', worker, re.MULTILINE))
    if "handheld.${lang}.json" in worker:
        listed |= {f"/static/i18n/handheld.{lang}.json" for lang in LANGUAGES}
    return listed


def _needed() -> set[str]:
    """The page, what it links, and every module its scripts import, transitively."""
    page = (STATIC / "handheld.html").read_text(encoding="utf-8")
    needed = set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page))
    todo = [p for p in needed if p.endswith(".js")]
    while todo:
        source = (STATIC / Path(todo.pop()).name).read_text(encoding="utf-8")
        for imported in re.findall(r'from "(/static/[^"]+\.js)"', source):
            if imported not in needed:
                needed.add(imported)
                todo.append(imported)
    return needed | {"/handheld"}


def test_every_file_the_handheld_page_loads_is_in_the_service_workers_shell() -> None:
    assert _needed() - _shell() == set()


def test_the_shell_names_only_files_that_exist_and_no_api_path() -> None:
    for path in _shell():
        assert not path.startswith("/ui/"), path  # API answers are never kept
        if path.startswith("/static/"):
            assert (STATIC / path.removeprefix("/static/")).is_file(), path
