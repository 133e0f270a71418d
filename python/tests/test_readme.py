"""The README's Python example runs as written."""

from __future__ import annotations

import os
import re

from conftest import ROOT


def test_readme_python_example_runs(tmp_path, capsys):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Python"):]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "README has no ```python block in its Python section"
    code = blocks[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        exec(compile(code, "README.md", "exec"), {})
    finally:
        os.chdir(cwd)
    out = capsys.readouterr().out
    assert "['FSC-H', 'FL2-H'] (10000, 2)" in out
