"""Printing through one chromium on a DevTools pipe: what happens when it fails."""

from __future__ import annotations

import logging
import stat

from analytics.run.pdf import print_papers


def test_a_chromium_that_dies_before_printing_writes_no_pdf_and_says_so(
    tmp_path, monkeypatch, caplog
):
    """A browser that exits at once (a broken install): the pages are kept, no PDF is
    written, not even an empty one, and the warning names the page."""
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("ANALYTICS_CHROMIUM", str(fake))
    page = tmp_path / "index.html"
    page.write_text("<!DOCTYPE html><title>t</title><p>board pack</p>")
    letter, a4 = tmp_path / "index.pdf", tmp_path / "index-a4.pdf"
    with caplog.at_level(logging.WARNING):
        assert print_papers(page, [(letter, None), (a4, "A4")]) is False
    assert not letter.exists() and not a4.exists()
    assert "PDF skipped: chromium could not print index.html (chromium closed its pipe)" in (
        caplog.text
    )
