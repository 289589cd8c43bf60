"""A corpus of real, published notebooks for tests: the notebooks shipped in PyPI sdists of
Jupyter projects, in two (or three) editions of each project.

Nothing here is committed to the repository: each sdist is downloaded once, pinned by its
URL and its sha256 (checked on every use; a mismatch fails loudly), into a cache directory:
`$JUPYTER_ARTIFACTS_TEST_CORPUS` when set, else `platformdirs.user_cache_dir("jupyter_artifacts")
/ "test-corpus"`. To run offline, put the same files (same names) in a directory and point the
variable at it. The notebooks are read straight from the archives.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ENV_CACHE = "JUPYTER_ARTIFACTS_TEST_CORPUS"

# name -> (URL, sha256), as https://pypi.org/simple/<project>/ lists them.
SDISTS: dict[str, tuple[str, str]] = {
    "ipython-5.10.0": (
        ("https://files.pythonhosted.org/packages/b6/73/c8f68b3a7d0deece3d2f7ab727fbf262bfca7475330b44043a5503b3aa7a/"
         "ipython-5.10.0.tar.gz"),
        "d1f9e2d02bb0900ddef7b6af114aca3a5cf3dc43b9de1f19d37c4aedbc724fee"),
    "ipython-7.34.0": (
        ("https://files.pythonhosted.org/packages/db/6c/3fcf0b8ee46656796099ac4b7b72497af5f090da3e43fd305f2a24c73915/"
         "ipython-7.34.0.tar.gz"),
        "af3bdb46aa292bce5615b1b2ebc76c2080c5f77f54bda2ec72461317273e7cd6"),
    "notebook-5.7.8": (
        ("https://files.pythonhosted.org/packages/cc/7a/b303380d3acd55ed906ddcf05782042940c3e8c05962295b26387ef2b37c/"
         "notebook-5.7.8.tar.gz"),
        "573e0ae650c5d76b18b6e564ba6d21bf321d00847de1d215b418acb64f056eb8"),
    "notebook-6.5.7": (
        ("https://files.pythonhosted.org/packages/05/bc/b025bac523640c13b0c1150466475eac3d79acbf187ef6c1967596c41c43/"
         "notebook-6.5.7.tar.gz"),
        "04eb9011dfac634fbd4442adaf0a8c27cd26beef831fe1d19faf930c327768e4"),
    "nbconvert-5.6.1": (
        ("https://files.pythonhosted.org/packages/04/f2/299fa4b15155ecbe2aefe7412249f0dd91f953b7a9b37c336317d564a1ca/"
         "nbconvert-5.6.1.tar.gz"),
        "21fb48e700b43e82ba0e3142421a659d7739b65568cc832a13976a77be16b523"),
    "nbconvert-7.0.0": (
        ("https://files.pythonhosted.org/packages/c2/81/8ed17db18332322982cec44123432b75c1f1b1e9205d8573cbd55dd74c90/"
         "nbconvert-7.0.0.tar.gz"),
        "fd1e361da30e30e4c5a5ae89f7cae95ca2a4d4407389672473312249a7ba0060"),
    "nbconvert-7.16.4": (
        ("https://files.pythonhosted.org/packages/af/e8/ba521a033b21132008e520c28ceb818f9f092da5f0261e94e509401b29f9/"
         "nbconvert-7.16.4.tar.gz"),
        "86ca91ba266b0a448dc96fa6c5b9d98affabde2867b363258703536807f9f7f4"),
    "nbsphinx-0.2.14": (
        ("https://files.pythonhosted.org/packages/6e/97/4dd4ca65a9abd2b75c82df3b7dfeb846731e9c50cd504f2e8674e29263e7/"
         "nbsphinx-0.2.14.tar.gz"),
        "d6a35b62be88eadaec8b9e5d61916012b9e26b16f4895ab0bbc5ee1e99fbbee0"),
    "nbsphinx-0.9.8": (
        ("https://files.pythonhosted.org/packages/e7/d1/82081750f8a78ad0399c6ed831d42623b891904e8e7b8a75878225cf1dce/"
         "nbsphinx-0.9.8.tar.gz"),
        "d0765908399a8ee2b57be7ae881cf2ea58d66db3af7bbf33e6eb48f83bea5495"),
}


@dataclass(frozen=True)
class File:
    sdist: str  # a key of SDISTS
    path: str   # inside the archive, below its top folder (nbconvert moved its tests between editions)

    def __str__(self) -> str:
        return f"{self.sdist}:{self.path}"


@dataclass(frozen=True)
class Pair:
    """A notebook in two editions of its project: `old` registered, `new` committed on it."""

    key: str
    old: File
    new: File


IPY = "examples/IPython Kernel/"
NBDOC = "docs/source/examples/Notebook/"
NBC5, NBC7 = "nbconvert/", ""  # nbconvert 7.x keeps its test files at the top, not in the package


def _nbc(path5: str, path7: str, old: str = "nbconvert-5.6.1", new: str = "nbconvert-7.16.4") -> tuple[File, File]:
    return File(old, path5), File(new, path7)


# Changed notebooks only (identical editions are in UNCHANGED): each is an edit someone published.
PAIRS: list[Pair] = [
    # png, jpeg, svg, HTML tables, text/latex; nbformat 4.0
    Pair("ipython-rich-output", File("ipython-5.10.0", IPY + "Rich Output.ipynb"),
         File("ipython-7.34.0", IPY + "Rich Output.ipynb")),
    # nbformat 4.1, text/latex, text/html, png from custom display methods
    Pair("ipython-custom-display", File("ipython-5.10.0", IPY + "Custom Display Logic.ipynb"),
         File("ipython-7.34.0", IPY + "Custom Display Logic.ipynb")),
    Pair("ipython-plotting", File("ipython-5.10.0", IPY + "Plotting in the Notebook.ipynb"),
         File("ipython-7.34.0", IPY + "Plotting in the Notebook.ipynb")),
    Pair("ipython-beyond-plain-python", File("ipython-5.10.0", IPY + "Beyond Plain Python.ipynb"),
         File("ipython-7.34.0", IPY + "Beyond Plain Python.ipynb")),
    Pair("ipython-script-magics", File("ipython-5.10.0", IPY + "Script Magics.ipynb"),
         File("ipython-7.34.0", IPY + "Script Magics.ipynb")),
    Pair("ipython-index", File("ipython-5.10.0", IPY + "Index.ipynb"), File("ipython-7.34.0", IPY + "Index.ipynb")),
    # attachments appear in the second edition; LaTeX in markdown
    Pair("notebook-markdown-cells", File("notebook-5.7.8", NBDOC + "Working With Markdown Cells.ipynb"),
         File("notebook-6.5.7", NBDOC + "Working With Markdown Cells.ipynb")),
    # LaTeX in markdown; nbformat 4.0 -> 4.1
    Pair("notebook-typesetting", File("notebook-5.7.8", NBDOC + "Typesetting Equations.ipynb"),
         File("notebook-6.5.7", NBDOC + "Typesetting Equations.ipynb")),
    Pair("notebook-what-is", File("notebook-5.7.8", NBDOC + "What is the Jupyter Notebook.ipynb"),
         File("notebook-6.5.7", NBDOC + "What is the Jupyter Notebook.ipynb")),
    Pair("notebook-running-code", File("notebook-5.7.8", NBDOC + "Running Code.ipynb"),
         File("notebook-6.5.7", NBDOC + "Running Code.ipynb")),
    # HTML tables, jpeg and png
    Pair("notebook-confined-output", File("notebook-5.7.8", "tools/tests/Confined Output.ipynb"),
         File("notebook-6.5.7", "tools/tests/Confined Output.ipynb")),
    # widget state (metadata.widgets) and widget views; nbformat 4.1 -> 4.2, 85 -> 100 cells
    Pair("nbconvert-widget-list", *_nbc(NBC5 + "tests/files/Widget_List.ipynb",
                                        NBC7 + "tests/files/Widget_List.ipynb")),
    Pair("nbconvert-svg", *_nbc(NBC5 + "exporters/tests/files/svg.ipynb", NBC7 + "tests/exporters/files/svg.ipynb")),
    Pair("nbconvert-jpeg", *_nbc(NBC5 + "tests/files/notebook4_jpeg.ipynb", NBC7 + "tests/files/notebook4_jpeg.ipynb")),
    Pair("nbconvert-notebook1", *_nbc(NBC5 + "tests/files/notebook1.ipynb", NBC7 + "tests/files/notebook1.ipynb")),
    Pair("nbconvert-notebook2", *_nbc(NBC5 + "tests/files/notebook2.ipynb", NBC7 + "tests/files/notebook2.ipynb")),
    # nbformat 4.1 -> 4.4
    Pair("nbconvert-library", *_nbc("docs/source/nbconvert_library.ipynb", "docs/source/nbconvert_library.ipynb")),
    # nbformat 4.5 with cell ids in both editions: raw cell, widget state, png/jpeg/svg, HTML
    Pair("nbconvert-inject", *_nbc("nbconvert/exporters/tests/files/notebook_inject.ipynb",
                                   "tests/exporters/files/notebook_inject.ipynb", old="nbconvert-7.0.0")),
    # nbformat 4.5 with cell ids in both editions: the source reformatted
    Pair("nbconvert-unexecuted-widget", *_nbc("nbconvert/tests/files/Unexecuted_widget.ipynb",
                                              "tests/files/Unexecuted_widget.ipynb", old="nbconvert-7.0.0")),
    # raw cells; nbformat 4.1 -> 4.4
    Pair("nbsphinx-raw-cells", File("nbsphinx-0.2.14", "doc/raw-cells.ipynb"),
         File("nbsphinx-0.9.8", "doc/raw-cells.ipynb")),
    # attachments, a raw cell and LaTeX appear in the second edition
    Pair("nbsphinx-markdown-cells", File("nbsphinx-0.2.14", "doc/markdown-cells.ipynb"),
         File("nbsphinx-0.9.8", "doc/markdown-cells.ipynb")),
    # (an empty widget state of the 0.2 widget protocol in notebook metadata)
    Pair("nbsphinx-pre-executed", File("nbsphinx-0.2.14", "doc/pre-executed.ipynb"),
         File("nbsphinx-0.9.8", "doc/pre-executed.ipynb")),
]

# Notebooks whose two editions are the same notebook (byte-equal, or equal once read):
# committing the second on the first creates nothing (200).
UNCHANGED: list[Pair] = [
    Pair("nbconvert-attachment", *_nbc(NBC5 + "exporters/tests/files/attachment.ipynb",
                                       NBC7 + "tests/exporters/files/attachment.ipynb")),
    Pair("nbconvert-rawtest", *_nbc(NBC5 + "exporters/tests/files/rawtest.ipynb",
                                    NBC7 + "tests/exporters/files/rawtest.ipynb")),
    Pair("ipython-sympy", File("ipython-5.10.0", IPY + "SymPy.ipynb"), File("ipython-7.34.0", IPY + "SymPy.ipynb")),
]


def cache_dir() -> Path:
    given = os.environ.get(ENV_CACHE)
    if given:
        return Path(given)
    import platformdirs

    return Path(platformdirs.user_cache_dir("jupyter_artifacts")) / "test-corpus"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class CorpusError(RuntimeError):
    pass


@functools.cache
def sdist(name: str) -> Path:
    """The sdist's path in the cache, downloaded if absent; its sha256 checked either way."""
    url, expected = SDISTS[name]
    folder = cache_dir()
    path = folder / url.rsplit("/", 1)[1]
    if path.exists():
        got = _sha256(path)
        if got != expected:
            raise CorpusError(f"{path} has sha256 {got}, not the pinned {expected} ({url}). "
                              "Delete it to download it again.")
        return path
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=120) as reply:
                    while block := reply.read(1 << 20):
                        out.write(block)
            except OSError as e:
                raise CorpusError(f"Downloading {url} failed ({e}). The corpus tests need it once; or put the "
                                  f"file in ${ENV_CACHE}.") from e
        got = _sha256(Path(tmp))
        if got != expected:
            raise CorpusError(f"{url} downloaded with sha256 {got}, not the pinned {expected}: the file on the "
                              "index is not the one these tests were written for.")
        os.replace(tmp, path)  # atomic: a concurrent run sees the whole file or none
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


@functools.cache
def _members(name: str) -> dict[str, bytes]:
    """Every .ipynb in the sdist, by its path below the archive's top folder."""
    out: dict[str, bytes] = {}
    with tarfile.open(sdist(name), "r:gz") as tar:
        for member in tar:
            if member.isfile() and member.name.endswith(".ipynb"):
                out[member.name.split("/", 1)[1]] = tar.extractfile(member).read()
    return out


def text(f: File) -> str:
    try:
        return _members(f.sdist)[f.path].decode("utf-8")
    except KeyError:
        raise CorpusError(f"{f.sdist} has no {f.path}") from None


def raw(f: File) -> dict:
    """The file as its JSON says, untouched."""
    return json.loads(text(f))


# -- what a notebook holds (for the corpus's coverage) --------------------------------------------

LATEX = re.compile(r"\$\$.+?\$\$|\$[^$\n]+\$|\\begin\{(equation|align)", re.DOTALL)


def features(nb: dict) -> set[str]:
    """Features of a notebook file as it is on disk (nbformat 4)."""
    out = {f"nbformat 4.{nb.get('nbformat_minor')} " + ("with ids" if nb["cells"] and all(
        "id" in c for c in nb["cells"]) else "without ids")}
    if isinstance(nb.get("metadata", {}).get("widgets", {}).get("application/vnd.jupyter.widget-state+json"), dict):
        out.add("widget state")
    for cell in nb["cells"]:
        source = "".join(cell.get("source", ""))
        if cell["cell_type"] == "raw":
            out.add("raw cell")
        if cell.get("attachments"):
            out.add("attachments")
        if cell["cell_type"] == "markdown" and LATEX.search(source):
            out.add("LaTeX")
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for mime in ("image/png", "image/jpeg", "image/svg+xml"):
                if mime in data:
                    out.add(mime)
            if "text/latex" in data:
                out.add("LaTeX")
            if "<table" in "".join(data.get("text/html", "")):
                out.add("HTML table")
            if "application/vnd.jupyter.widget-view+json" in data:
                out.add("widget view")
    return out
