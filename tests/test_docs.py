"""The docs say what the code does: README's first example wins and prints a valid verdict, the
worked certificates of the docs get the verdicts they claim, and the docs site builds strictly.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rigorgym.verifiers import verify
from rigorgym.verifiers.certificate import VERIFIERS

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

#: a worked certificate: ``<!-- verdict: valid|invalid|malformed[, moves_checked=N][, needs=MODULE] -->``
#: on the line right before a fenced ```json block
MARKED = re.compile(r"<!-- verdict: (?P<spec>[^>]*?) -->\n```json\n(?P<body>.*?)\n```", re.S)


def first_python_block(text: str) -> str:
    match = re.search(r"^```python\n(.*?)^```", text, re.S | re.M)
    assert match, "no ```python block"
    return match.group(1)


def test_readme_first_example_wins_and_prints_a_valid_verdict(tmp_path: Path) -> None:
    code = first_python_block((ROOT / "README.md").read_text(encoding="utf-8"))
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert any(line.startswith("Verdict(valid=True") for line in lines), proc.stdout


def test_landing_page_shows_the_readme_example() -> None:
    readme = first_python_block((ROOT / "README.md").read_text(encoding="utf-8"))
    assert readme in (DOCS / "index.md").read_text(encoding="utf-8")


def worked_examples() -> list[tuple[str, str, str]]:
    cases = []
    for page in sorted(DOCS.rglob("*.md")):
        for n, match in enumerate(MARKED.finditer(page.read_text(encoding="utf-8"))):
            cases.append((f"{page.relative_to(DOCS)}#{n}", match.group("spec"), match.group("body")))
    return cases


def test_the_docs_have_worked_certificates_for_every_game() -> None:
    envs = {json.loads(body)["env"] for where, _, body in worked_examples() if where.startswith("certificates.md")}
    assert envs == set(VERIFIERS)  # every game the kernel verifies


@pytest.mark.parametrize(("where", "spec", "body"), worked_examples(), ids=[c[0] for c in worked_examples()])
def test_worked_certificate_gets_its_stated_verdict(where: str, spec: str, body: str) -> None:
    words = [w.strip() for w in spec.split(",")]
    verdict, options = words[0], dict(w.split("=", 1) for w in words[1:])
    assert verdict in ("valid", "invalid", "malformed"), f"{where}: unknown verdict {verdict!r}"
    needs = options.pop("needs", None)
    if needs and importlib.util.find_spec(needs) is None:
        pytest.skip(f"{where} needs {needs}")
    result = verify(json.loads(body))
    assert result.valid == (verdict == "valid"), f"{where}: {result}"
    assert result.malformed == (verdict == "malformed"), f"{where}: {result}"
    if "moves_checked" in options:
        assert result.moves_checked == int(options.pop("moves_checked")), f"{where}: {result}"
    assert not options, f"{where}: unknown marker fields {options}"


def test_docs_site_builds_strictly(tmp_path: Path) -> None:
    if importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings_handlers") is None:
        pytest.skip("mkdocs-material and mkdocstrings[python] are not installed (the dev extra)")
    mkdocs = shutil.which("mkdocs", path=str(Path(sys.executable).parent)) or shutil.which("mkdocs")
    command = [mkdocs] if mkdocs else [sys.executable, "-m", "mkdocs"]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [*command, "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    warnings = [line for line in proc.stderr.splitlines() if line.startswith("WARNING")]
    assert not warnings, warnings
    assert (tmp_path / "site" / "index.html").is_file()
    assert (tmp_path / "site" / "api" / "verifiers.html").is_file()
