"""What an install carries: the Docker image's files, built into a wheel, analyse with the
shipped model, with no repository and no labelled data beside them."""

import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE

ROOT = Path(__file__).resolve().parents[1]
COMMENT = "Tres semanas esperando mi pedido y nadie responde, quiero mi reembolso"


def dockerfile() -> list[list[str]]:
    lines = (ROOT / "Dockerfile").read_text().splitlines()
    return [shlex.split(line) for line in lines if line.strip() and not line.startswith("#")]


def image_files() -> list[Path]:
    """Files, relative to the repo, that the Dockerfile's COPY lines put in the image."""
    assert not (ROOT / ".dockerignore").exists(), "teach image_files() the .dockerignore"
    files = []
    for instruction, *args in dockerfile():
        if instruction != "COPY":
            continue
        for source in (ROOT / s for s in args[:-1]):
            found = [source] if source.is_file() else sorted(source.rglob("*"))
            files += [p.relative_to(ROOT) for p in found if p.is_file() and _tracked(p)]
    return files


def _tracked(path: Path) -> bool:
    # What a fresh clone has: no caches, no build leftovers.
    return not {"__pycache__", "build"} & set(path.parts) and ".egg-info" not in str(path)


def image_env() -> dict[str, str]:
    env = {}
    for instruction, *args in dockerfile():
        for arg in args if instruction == "ENV" else []:
            key, _, value = arg.partition("=")
            env[key] = value
    return env


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The image's files built into a wheel, as the Dockerfile's `pip install .` does, unpacked."""
    root = tmp_path_factory.mktemp("image")
    for file in image_files():
        (root / "app" / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / file, root / "app" / file)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(root / "dist"), str(root / "app")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    (wheel,) = (root / "dist").glob("escucha-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        archive.extractall(root / "site")
    return root, names


def run_installed(root: Path, args: list[str], stdin: str = "") -> str:
    data = root / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ESCUCHA_")},
        **image_env(),
        "ESCUCHA_DATA_DIR": str(data),
        "ESCUCHA_MODELS_DIR": str(data / "models"),
        "ESCUCHA_SHARED_DATA": str(root / "no-shared-data"),
        "PYTHONPATH": str(root / "site"),
    }
    data.mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, *args], input=stdin, env=env, cwd=data,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_image_copies_the_shipped_model_and_installs_it_as_a_regular_package():
    files = {str(p) for p in image_files()}
    for name in ("weights.npz", "card.json", "MODEL_CARD.md"):
        assert f"escucha/nlp/shipped/{name}" in files
    runs = [args for instruction, *args in dockerfile() if instruction == "RUN"]
    assert any(a[:2] == ["pip", "install"] and "." in a and "-e" not in a for a in runs), runs
    assert image_env()["ESCUCHA_MODELS_DIR"].startswith("/data")


def test_the_wheel_carries_the_shipped_model(installed):
    _, names = installed
    for name in ("weights.npz", "card.json", "MODEL_CARD.md"):
        assert f"escucha/nlp/shipped/{name}" in names


def test_the_wheel_carries_the_web_inboxs_pages_words_and_scripts(installed):
    _, names = installed
    for name in ("templates/base.html.j2", "templates/inbox.html.j2", "locale/es/base.po",
                 "static/escucha.js", "static/vendor/htmx-2.0.11.min.js",
                 "static/vendor/htmx-2.0.11.LICENSE"):  # fmt: skip
        assert f"escucha/web/{name}" in names


def test_the_installed_package_analyses_with_the_shipped_model(installed):
    root, _ = installed
    probe = (
        "import json, escucha; from pathlib import Path; from escucha.nlp import registry; "
        "c = registry.choose(Path('models')); "
        "print(json.dumps([escucha.__file__, c.origin, str(c.folder)]))"
    )
    package, origin, folder = json.loads(run_installed(root, ["-c", probe]))
    assert Path(package).is_relative_to(root / "site") and origin == "shipped"
    assert Path(folder).is_relative_to(root / "site")
    lines = [
        json.dumps({"id": str(n), "text": t})
        for n, t in enumerate((QUOTE_SERVICE, QUOTE_LUGGAGE, COMMENT))
    ]
    out = run_installed(root, ["-m", "escucha", "analyze"], "\n".join(lines) + "\n")
    results = [json.loads(line) for line in out.splitlines()]
    assert [r["sentiment"] for r in results] == ["negative"] * 3
    assert [r["intent"] for r in results] == ["complaint", "claim", "claim"]
