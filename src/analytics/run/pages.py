"""A notebook's executed copy rendered as offline HTML pages: the leadership page without
the officer's cells, the officer's with them, both loading the month's one plotly.js and
style sheet, with no code and no outside request."""

from __future__ import annotations

import html
import re
import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter, TemplateExporter
from nbconvert.preprocessors import Preprocessor

from analytics.files import write_private
from analytics.presentation.charts import CHART_CSS, PLOTLY_FILE
from analytics.presentation.templates import FOLDER as TEMPLATES


class _DropStderr(Preprocessor):
    """Leave warnings and logs in the executed notebook, out of the reader's page."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if not (o.get("output_type") == "stream" and o.get("name") == "stderr")
            ]
        return cell, resources


OFFICER_TAG = "officer"
RECORD_TAG = "record"  # cells that record figures for audit, never shown
PLOTLY_MIME = "application/vnd.plotly.v1+json"


PAGE_CSS = "notebook.css"  # the month's one copy of the notebook pages' style sheet


@cache
def page_css() -> str:
    """The style sheet nbconvert's lab template puts inline in every page (its JupyterLab
    styles, about 250 kB), as one text: the month writes it once (``write_page_css``)."""
    exporter = HTMLExporter(template_name="lab")
    body, _ = exporter.from_notebook_node(nbformat.v4.new_notebook())
    head = body[: body.index("</head>")]
    return "\n".join(re.findall(r'<style type="text/css">(.*?)</style>', head, re.S))


def write_page_css(folder: Path) -> Path:
    """Write the notebook pages' style sheet into a month's folder (``render_html``'s
    ``css_href`` links to it)."""
    path = folder / PAGE_CSS
    write_private(path, page_css(), 0o644)  # leadership's, whatever the umask
    return path


def render_html(
    notebook: nbformat.NotebookNode,
    *,
    drop_tags: tuple[str, ...] = (),
    plotly_src: str = PLOTLY_FILE,
    overview: str = "index.html",
    css_href: str = "",
) -> str:
    """Render an executed notebook as a page with no code and no CDN.

    A page with charts loads plotly.js from ``plotly_src``, a path relative to the page:
    the month's one copy (``write_plotly_js``), not one inlined into every page and
    notebook (a notebook saved in JupyterLab keeps its figures as data).

    With ``css_href`` (a path relative to the page) the page links the month's one copy of
    the notebook style sheet (``write_page_css``) instead of holding it inline.

    Cells carrying any of ``drop_tags`` are left out (the leadership page drops the
    officer's work lists, which name patients, requests and messages). The page opens with
    a link back to the month's ``overview`` and its contents, from its section headings.
    """
    resources = {
        "plotly_src": plotly_src if _has_charts(notebook) else "",
        "css_href": css_href,
        "chart_css": CHART_CSS,
    }
    with _exporter(drop_tags) as exporter:
        body, _ = exporter.from_notebook_node(notebook, resources=resources)
    return body.replace("<main>", "<main>" + _page_nav(body, overview), 1)


_EXPORTERS: dict[tuple[str, ...], tuple[HTMLExporter, threading.Lock]] = {}
_MAKING = threading.Lock()


@contextmanager
def _exporter(drop_tags: tuple[str, ...]):
    """The exporter for pages leaving out ``drop_tags``, for this call alone: made once per
    process, so that its templates are compiled once (about 0.15 s a page otherwise), and
    used by one thread at a time (an exporter registers its filters on each call)."""
    with _MAKING:
        if drop_tags not in _EXPORTERS:
            _EXPORTERS[drop_tags] = (_new_exporter(drop_tags), threading.Lock())
        exporter, lock = _EXPORTERS[drop_tags]
    with lock:
        yield exporter


class _PageExporter(HTMLExporter):
    """nbconvert's HTML exporter, without validating the notebook again after each of its
    fourteen preprocessors (most of them disabled; about 0.02 s a page each): the executed
    notebook was validated when it was written, and ours only drop cells and outputs."""

    def _validate_preprocessor(self, nbc, preprocessor) -> None:
        pass

    def from_notebook_node(self, nb, resources=None, **kw):
        """As nbconvert's, without parsing and writing the page again with BeautifulSoup
        (about 0.08 s a page) to make each cell's text and each output focusable: the same
        ``tabindex`` is put on the template's own tags. Pages have no ``<img>`` (charts
        are Plotly's), the other thing nbconvert's pass looks for."""
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter(
            "filter_data_type",
            WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            ),
        )
        body, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
        return _FOCUSABLE.sub(r'\1 tabindex="0"', body), resources


# the tags nbconvert makes focusable, as its template writes them (an output's text is
# escaped: no tag of a patient's words matches)
_FOCUSABLE = re.compile(
    r'(<div class="(?:[^"<>]*\s)?(?:jp-OutputArea-output|jp-Cell-inputWrapper)(?:\s[^"<>]*)?"'
    r"[^<>]*?)(?=>)"
)


def _new_exporter(drop_tags: tuple[str, ...]) -> HTMLExporter:
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = _PageExporter(
        template_name="offline",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.register_preprocessor(_DropStderr(), enabled=True)
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={RECORD_TAG, *drop_tags}, enabled=True),
        enabled=True,
    )
    return exporter


def _page_nav(body: str, overview: str) -> str:
    """A link back to the overview, and the page's contents from its section headings
    (nbconvert gives each an id; their text is already escaped)."""
    sections = re.findall(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', body)
    contents = "".join(f'<li><a href="#{i}">{text}</a></li>' for i, text in sections)
    return (
        '<nav class="page-nav" aria-label="Page">'
        f'<a href="{html.escape(overview)}">&larr; Overview of the month</a>'
        + (f'<ul aria-label="Contents">{contents}</ul>' if contents else "")
        + "</nav>"
    )


def _has_charts(notebook: nbformat.NotebookNode) -> bool:
    """Whether any output is a Plotly figure (its page then inlines plotly.js, once)."""
    return any(
        PLOTLY_MIME in output.get("data", {})
        for cell in notebook.cells
        for output in cell.get("outputs", [])
    )
