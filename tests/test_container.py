"""The container's command outside Docker: what the Dockerfile builds, installed fresh, serving.

The steps mirror the Dockerfile: copy the same sources, `pip wheel --no-deps`, install that wheel
into a new virtual environment, `handoff db upgrade`, then `handoff serve` until `/readyz`
answers. To stay fast and offline the new environment borrows the project's installed
dependencies through a `.pth` line instead of downloading them; `pip check` then proves the wheel's
declared requirements are met by them, and the import test proves our code comes from the wheel.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import httpx
import pytest

from tests.e2e.processes import child, clean_env, free_port, wait_until_answers

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# What the Dockerfile's build stage copies.
SOURCES = ("pyproject.toml", "README.md", "app", "sf_client", "rules", "sfsim")
RULES = """\
version: 1
statuses:
  mql: "Marketing Qualified"
  eligible_from: ["Open - Not Contacted"]
fit:
  - {field: NumberOfEmployees, op: gte, value: 100, points: 50}
interest:
  - {field: LeadSource, op: eq, value: Webinar, points: 30}
thresholds: {fit: 40, interest: 25}
assignment:
  routes:
    - pool: ["00G000000000001EAA"]
"""


def _run(args: list[str], timeout: float, **kwargs: object) -> str:
    done = subprocess.run(
        args, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )  # type: ignore[call-overload]
    assert done.returncode == 0, f"{args}: {done.returncode}\n{done.stdout}\n{done.stderr}"
    return str(done.stdout)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the freshly built wheel installed; its bin folder."""
    work = tmp_path_factory.mktemp("container")
    source = work / "src"
    source.mkdir()
    for name in SOURCES:
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    _run([*pip, "wheel", "--no-deps", "-q", "-w", str(work / "wheels"), str(source)], 300)
    (wheel,) = (work / "wheels").glob("handoff-*.whl")
    env_dir = work / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], 120)
    site = env_dir / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages"
    (site / "project-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = str(env_dir / "bin" / "python")
    _run([*pip, "--python", python, "install", "-q", "--no-deps", "--no-index", str(wheel)], 120)
    _run([*pip, "--python", python, "check"], 120)
    return env_dir / "bin"


def test_our_code_comes_from_the_wheel(venv: Path, tmp_path: Path) -> None:
    code = "import app, rules, sf_client, sfsim; print(*(m.__file__ for m in (app, rules, sf_client, sfsim)))"  # noqa: E501
    located = _run([str(venv / "python"), "-c", code], 60, env=clean_env(), cwd=tmp_path)

    for path in located.split():
        assert Path(path).is_relative_to(venv.parent), located


def test_db_upgrade_then_serve_answers_readyz(venv: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    port = free_port()
    env = clean_env(
        HANDOFF_DATABASE_URL=f"sqlite:///{tmp_path / 'handoff.db'}",
        HANDOFF_RULES=str(tmp_path / "rules.yaml"),
        HANDOFF_HOST="127.0.0.1",
        HANDOFF_PORT=str(port),
        HANDOFF_SYNC_INTERVAL="0",
        HANDOFF_API_KEYS="container-test-admin-key:admin",
    )
    handoff = str(venv / "handoff")

    upgraded = _run([handoff, "db", "upgrade"], 120, env=env, cwd=tmp_path)
    assert "revision=" in upgraded

    with child([handoff, "serve"], env, tmp_path) as service:
        base = f"http://127.0.0.1:{port}"
        assert wait_until_answers(f"{base}/healthz", 60).json() == {"status": "ok"}
        # No sync has run (the scheduler is off, no org is configured): that alone is no reason
        # to be unready, so a fresh deployment with a valid rules file and schema answers 200.
        ready = wait_until_answers(f"{base}/readyz", 30, ok=(200, 503))
        assert ready.status_code == 200, ready.text
        assert ready.json()["ready"] is True
        # The state behind the answer is for callers with a key only.
        keyed = httpx.get(
            f"{base}/readyz", headers={"X-API-Key": "container-test-admin-key"}, timeout=5
        )
        detail = keyed.json()["detail"]
        assert detail["schema_current"]
        assert detail["rules_valid"]
        assert detail["last_sync"] is None
        # uvicorn shuts down gracefully, then re-raises the signal it caught (exit 143 in Docker).
        code = service.stop(signal.SIGTERM, timeout=30)
        assert code in (0, -signal.SIGTERM), service.output
