"""The suite installed from its wheel, as a clinic's IT person would, runs from anywhere."""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """A fresh virtual environment holding only the wheel (its dependencies are this
    environment's, reached through a path file, so the test downloads nothing but the
    build's own requirements), and an unrelated working folder."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "-w",
            str(tmp / "dist"),
            str(ROOT),
        ],
        check=True,
        cwd=tmp,
    )
    (wheel,) = (tmp / "dist").glob("medspa_compliance_analytics-*.whl")
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    own = next((venv / "lib").glob("python*/site-packages"))
    (own / "dependencies.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-deps"]
    subprocess.run([*pip, str(wheel)], check=True)
    work = tmp / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANALYTICS_", "PYTHON"))}
    env["HOME"] = str(tmp / "home")  # no kernel or setting of this account's leaks in
    # the dependencies' data files (nbconvert's templates) sit beside their packages
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(venv / "bin" / "analytics"), *args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    return run, work


def test_installed_wheel_knows_its_version(installed):
    run, _ = installed
    done = run("--version")
    assert done.returncode == 0 and done.stdout.strip() == "analytics 0.1.0", done


def test_installed_wheel_validates_its_bundled_sample(installed):
    run, _ = installed
    done = run("validate")
    assert done.returncode == 0, done.stderr
    assert "bundled" in done.stdout and "consent_events" in done.stdout


def test_installed_wheel_runs_the_month_from_another_folder(installed):
    run, work = installed
    done = run("run")
    assert done.returncode == 0, done.stderr
    month = work / "reports" / "2026-10"
    pages = {p.name for p in month.glob("*.html")}
    assert pages == {
        "index.html",
        *(
            f"{n}.html"
            for n in (
                "quality",
                "requests",
                "consent",
                "retention",
                "disclosures",
                "authorizations",
                "incidents",
                "rights_honoured",
                "safeguards",
            )
        ),
    }
    assert (month / "notebook.css").stat().st_size > 100_000  # the pages' one style sheet
    assert (month / "index.html").read_text().count('class="tile ') >= 10
    doc = json.loads((month / "metrics.json").read_text())
    assert len(doc["metrics"]) > 300


def test_installed_wheel_writes_an_accounting_into_the_working_folder(installed):
    run, work = installed
    done = run("accounting", "--patient", "P000065", "--as-of", "2026-10-31")
    assert done.returncode == 0, done.stderr
    written = list((work / "reports" / "accounting").glob("accounting-P000065-*.html"))
    assert len(written) == 1


def test_installed_wheel_writes_the_years_breach_log(installed):
    run, work = installed
    done = run("breach-log", "--year", "2025")
    assert done.returncode == 0, done.stderr
    written = list((work / "reports" / "incidents").glob("breach-log-2025-*.html"))
    assert len(written) == 1 and "Due to HHS by 2026-03-01" in written[0].read_text()
