"""Printing through one chromium on a DevTools pipe: what happens when it fails."""

from __future__ import annotations

import logging
import stat
from pathlib import Path

import pytest

from analytics.run.pdf import print_papers, relative_links


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


def _linked_pdf(path: Path, uris: list[str]) -> Path:
    """A one-page PDF with a link to each of ``uris``, written as chromium writes links: a
    plain ``/URI (...)`` string in an uncompressed annotation (parentheses escaped)."""
    annots = " ".join(f"{4 + i} 0 R" for i in range(len(uris)))
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [{annots}] >>",
    ]
    for i, uri in enumerate(uris):
        literal = uri.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        objects.append(
            f"<< /Type /Annot /Subtype /Link /Rect [10 {10 + 20 * i} 100 {25 + 20 * i}]\n"
            f"/A << /Type /Action\n/S /URI\n/URI ({literal})>> >>"
        )
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    path.write_bytes(out)
    return path


def _links(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    page = PdfReader(pdf, strict=True).pages[0]
    return [str(ref.get_object()["/A"]["/URI"]) for ref in page.get("/Annots") or []]


def test_links_into_the_month_are_made_relative_in_place(tmp_path):
    """Chromium's links into the page's folder become relative: rewritten where they lie,
    padded to their length (no offset of the file moves), the server's path gone, and the
    document still read strictly."""
    month = tmp_path / "month"
    month.mkdir()
    base = month.resolve().as_uri()
    pdf = _linked_pdf(
        tmp_path / "index.pdf", [f"{base}/quality.html", f"{base}/consent.html#Opt-outs"]
    )
    size = pdf.stat().st_size
    assert relative_links(pdf, month) == 2
    assert _links(pdf) == ["quality.html", "consent.html#Opt-outs"]
    assert pdf.stat().st_size == size and b"file:" not in pdf.read_bytes()


def test_a_link_elsewhere_or_an_escaped_one_is_rewritten_whole(tmp_path):
    """A link out of the folder is removed, and a link PDF escapes (a heading's anchor
    with a parenthesis) is still made relative: both by pypdf, the server's path gone."""
    month = tmp_path / "month"
    month.mkdir()
    base = month.resolve().as_uri()
    links = [f"{base}/quality.html#Rows-(read)", f"{base}/consent.html", "file:///etc/passwd"]
    pdf = _linked_pdf(tmp_path / "index.pdf", links)
    assert b"#Rows-\\(read\\)" in pdf.read_bytes()  # escaped: left to pypdf
    assert relative_links(pdf, month) == 2
    assert _links(pdf) == ["quality.html#Rows-(read)", "consent.html"]
    assert b"file:" not in pdf.read_bytes() and str(tmp_path).encode() not in pdf.read_bytes()


@pytest.mark.slow
def test_a_chromium_started_early_prints_or_is_closed_at_exit(tmp_path, monkeypatch):
    """``start_early`` starts the next print's chromium before its page exists: the print
    uses that one, and one never used (the command refused its input) is closed at exit."""
    import shutil

    from analytics.run import pdf

    if pdf.chromium() is None or shutil.which("chromium") is None:
        pytest.skip("needs Debian's chromium (make browser)")
    page = tmp_path / "letter.html"
    page.write_text("<!DOCTYPE html><title>t</title><p>accounting</p>")
    pdf.start_early()
    (early,) = [session for session, _ in pdf._EARLY.values()]
    assert pdf.print_papers(page, [(tmp_path / "letter.pdf", None)])
    assert (tmp_path / "letter.pdf").read_bytes().startswith(b"%PDF")
    assert pdf._EARLY == {} and early.process.poll() is not None  # used, then closed
    pdf.start_early()
    (unused,) = [session for session, _ in pdf._EARLY.values()]
    pdf._close_early()  # as at exit
    assert unused.process.poll() is not None and pdf._EARLY == {}
