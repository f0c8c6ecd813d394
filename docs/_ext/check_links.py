"""Check every link between the built site's own pages: the file exists, the anchor too.

Usage: ``python docs/_ext/check_links.py docs/_build/html``. Links out of the site
(``http:``, ``https:``, ``mailto:`` …) are not followed (the build runs offline);
every relative ``href`` and ``src`` must name a file of the site and, after ``#``,
an ``id`` in it. Prints each broken link and exits 1 if there is one.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit


class _Page(HTMLParser):
    """The ids and the relative links of one HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id", "name"):
                self.ids.add(value)
            elif name in ("href", "src") and not (tag == "link" and "_static" in value):
                self.links.append(value)


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8", errors="replace"))
    return page


def _pages(site: Path) -> list[Path]:
    """The site's pages (the theme's templates in ``_static`` are not pages)."""
    return [p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts]


def broken_links(site: Path) -> list[str]:
    """Every broken internal link of the site at ``site``, as ``page: link (why)``."""
    pages = {path.resolve(): _parse(path) for path in _pages(site)}
    problems = []
    for path, page in sorted(pages.items()):
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or parts.netloc or link.startswith("//"):
                continue  # out of the site: not checked offline
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            where = path.relative_to(site.resolve())
            if not target.exists():
                problems.append(f"{where}: {link} (no such file)")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else _parse(target).ids
                if unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: {link} (no such anchor)")
    return problems


def main(argv: list[str]) -> int:
    site = Path(argv[1] if len(argv) > 1 else "docs/_build/html")
    problems = broken_links(site)
    for problem in problems:
        print(f"broken link: {problem}", file=sys.stderr)
    count = len(_pages(site))
    print(f"internal links: {count} pages checked, {len(problems)} broken")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
