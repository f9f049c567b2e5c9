"""Build step: the wheel carries the report notebooks and the sample export.

The repository keeps them where people look for them (``notebooks/``, ``data/sample/``);
the wheel gets a copy inside the package (``analytics/bundled/``), so an installed suite
runs from any folder. Everything else is declared in ``pyproject.toml``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
# what to bundle: folder, and the file names taken from it
BUNDLED = {
    "notebooks": (ROOT / "notebooks", "*.ipynb"),
    "sample": (ROOT / "data" / "sample", "*"),
}


class BuildWithBundle(build_py):
    """``build_py``, then copy the notebooks and the sample into ``analytics/bundled``."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "analytics" / "bundled"
        for name, (source, pattern) in BUNDLED.items():
            files = sorted(p for p in source.glob(pattern) if p.is_file())
            if not files:  # building from an sdist that lacks them: fail loudly
                raise SystemExit(f"cannot bundle {source}: no {pattern} there")
            shutil.rmtree(target / name, ignore_errors=True)
            (target / name).mkdir(parents=True)
            for file in files:
                shutil.copyfile(file, target / name / file.name)


setup(cmdclass={"build_py": BuildWithBundle})
