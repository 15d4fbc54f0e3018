"""The `escucha` command as a user runs it: a subprocess with its own environment."""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import redis

from tests.factories import QUOTE_LUGGAGE, QUOTE_SERVICE

ESCUCHA = [sys.executable, "-m", "workers.cli"]  # the `escucha` command, Celery plugged in
SAMPLE = Path(__file__).resolve().parents[1] / "escucha" / "cli" / "demo" / "sample_mentions.jsonl"
SAMPLE_LINES = len(SAMPLE.read_text(encoding="utf-8").splitlines())


def run(args, env=None, stdin=None, timeout=240, inherit=True):
    environment = {**(os.environ if inherit else {}), **(env or {}), "COLUMNS": "160"}
    return subprocess.run(
        [*ESCUCHA, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=timeout,
    )


def test_analyze_keeps_its_contract_line_for_line():
    lines = [
        json.dumps({"id": i, "text": t})
        for i, t in enumerate([QUOTE_SERVICE, QUOTE_LUGGAGE, "Thanks, great crew!", ""])
    ]
    result = run(["analyze"], stdin="\n".join([*lines, "{broken"]) + "\n")
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 5
    for record in out[:2]:
        assert set(record) >= {
            "id",
            "lang",
            "sentiment",
            "sentiment_score",
            "intent",
            "complaint",
            "offensive",
        }
        assert (
            record["sentiment"] == "negative"
            and record["complaint"] is True
            and record["lang"] == "es"
        )
    assert out[2]["sentiment"] == "positive" and out[2]["lang"] == "en"
    assert out[3] == {"id": 3, "error": "text is missing or empty"}
    assert out[4]["line"] == 5 and out[4]["error"].startswith("not valid JSON")


def test_import_reports_broken_rows_by_line_and_dead_letters_them(tmp_path, redis_server):
    redis.Redis.from_url(redis_server.url).flushdb()
    path = tmp_path / "mentions.csv"
    path.write_bytes(
        b"id,text,author,created_at,source\n"
        b"1,me perdieron la maleta,ana,2026-11-20T10:00:00Z,x\n"
        b"2,fila,rota\n"
        b"3,caf\xe9 fr\xedo y malo,luis,2026-11-20T10:00:00Z,x\n"
        b"4,,eva,2026-11-20T10:00:00Z,x\n"
        b"1,me perdieron la maleta (editado),ana,2026-11-20T10:00:00Z,x\n"
    )
    result = run(["import", str(path)], env={"REDIS_URL": redis_server.url})
    assert result.returncode == 0, result.stderr
    assert "accepted 1 mentions" in result.stdout
    assert "1 repeated ids" in result.stdout
    assert "mentions.csv line 3: expected 5 fields, found 3" in result.stderr
    assert "mentions.csv line 4: text: Value error, is not valid UTF-8" in result.stderr
    assert "mentions.csv line 5: text: String should have at least 1 character" in result.stderr
    listing = run(["dlq", "list", "--stage", "ingest"], env={"REDIS_URL": redis_server.url})
    assert listing.returncode == 0 and "dead letters: ingest (3)" in listing.stdout


def test_demo_runs_on_a_fresh_data_dir_with_a_private_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env["ESCUCHA_DATA_DIR"] = str(tmp_path / "data")
    env["COLUMNS"] = "160"
    result = subprocess.run(
        [*ESCUCHA, "demo"], capture_output=True, text=True, env=env, timeout=300
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert f"{SAMPLE_LINES} mentions stored" in result.stdout
    assert "top 5 by priority" in result.stdout and "mentions/s" in result.stdout
    assert (tmp_path / "data" / "escucha.db").exists()
    assert not (tmp_path / "data" / "redis" / "url").exists()  # the private Redis was stopped
    assert "analysis model" in result.stdout
    care = result.stdout[result.stdout.index("most urgent cases") :]
    assert "urgent@v1" in care and "first_response: vence el" in care  # clocks, explained
    informal, careful = care.split("tone check of a reply to ")[1:3]
    assert "informal:" in informal and "no_apology:" in informal
    assert "no findings: it would go out as written" in careful
    ror = result.stdout[result.stdout.index("return on relationship, 2026-11") :]
    for headline in ("response rate", "median first response", "in business time",
                     "SLA first_response", "complaint recovery:"):  # fmt: skip
        assert headline in ror, ror
    answered = re.search(r"response rate \d+% \((\d+) of (\d+)\)", ror)
    assert answered and 0 < int(answered[1]) < int(answered[2])  # the sample's replies, counted
    canned = care[care.index("canned response 'disculpa'") :]
    assert "{" not in canned.splitlines()[0] and "no findings" in canned  # filled, then checked
    with sqlite3.connect(tmp_path / "data" / "escucha.db") as db:
        quotes = db.execute(
            "SELECT sentiment, complaint, priority_label FROM mentions WHERE text IN (?, ?)",
            (QUOTE_SERVICE, QUOTE_LUGGAGE),
        ).fetchall()
    assert len(quotes) == 2
    for sentiment, complaint, label in quotes:
        assert (sentiment, complaint) == ("negative", 1) and label in ("high", "urgent"), quotes
    shutil.rmtree(tmp_path / "data", ignore_errors=True)


def test_demo_serve_keeps_the_web_inbox_running_with_a_printed_login(tmp_path):
    import signal

    import httpx

    from tests.api_server import free_port
    from tests.processes import wait_until

    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"ESCUCHA_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "200"}
    sample = tmp_path / "m.jsonl"
    sample.write_text("\n".join(SAMPLE.read_text(encoding="utf-8").splitlines()[:40]))
    log = (tmp_path / "demo.log").open("w+")
    demo = subprocess.Popen(
        [*ESCUCHA, "demo", "--serve", "--port", str(port), "--sample", str(sample)],
        stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True,
    )  # fmt: skip
    try:
        printed = re.compile(r"log in as (\S+) with password (\S+)")
        assert wait_until(lambda: printed.search((tmp_path / "demo.log").read_text()), 240), (
            tmp_path / "demo.log"
        ).read_text()[-3000:]
        email, password = printed.search((tmp_path / "demo.log").read_text()).groups()
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:

            def up() -> bool:
                try:
                    return client.get("/login").status_code == 200
                except httpx.TransportError:
                    return False

            assert wait_until(up, 60)
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)[1]
            answer = client.post("/login", data={"email": email, "password": password,
                                                 "csrf": token})  # fmt: skip
            assert answer.status_code == 303, answer.text
            inbox = client.get("/inbox")
            assert inbox.status_code == 200 and inbox.text.count("data-case=") > 0
        assert demo.poll() is None  # still serving until Ctrl-C
    finally:
        demo.send_signal(signal.SIGINT)
        code = demo.wait(60)
    assert code == 0, (tmp_path / "demo.log").read_text()[-3000:]


def test_demo_sample_has_both_quotes_and_enough_mentions():
    sample = (
        Path(__file__).resolve().parents[1] / "escucha" / "cli" / "demo" / "sample_mentions.jsonl"
    )
    texts = [json.loads(line)["text"] for line in sample.read_text(encoding="utf-8").splitlines()]
    assert len(texts) >= 200 and QUOTE_SERVICE in texts and QUOTE_LUGGAGE in texts


def test_up_serves_imports_from_another_terminal_until_interrupted(tmp_path):
    """`escucha up` in one terminal; `escucha import` in another finds its private Redis; the
    web inbox's login is on its port."""
    import signal

    import httpx

    from tests.api_server import free_port
    from tests.processes import wait_until

    port = free_port()

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"ESCUCHA_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "160"}
    env["ESCUCHA_MODELS_DIR"] = str(tmp_path / "models")  # none trained: the shipped one
    log = (tmp_path / "up.log").open("w+")
    # Started with SIGINT ignored, as a shell without job control starts `escucha up &`: it must
    # still stop on SIGINT (it once ignored it, and outlived the test).
    up = subprocess.Popen(
        [*ESCUCHA, "up", "--concurrency", "1", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
        start_new_session=True,
    )
    try:
        marker = tmp_path / "data" / "redis" / "url"
        assert wait_until(lambda: "escucha is up" in (tmp_path / "up.log").read_text(), 60)
        said = "".join((tmp_path / "up.log").read_text().split())  # rich wraps long lines
        assert f"webinboxhttp://127.0.0.1:{port}/" in said

        def login_shown() -> bool:
            try:
                home = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=5)
            except httpx.TransportError:
                return False  # the API is still starting
            return home.status_code == 200 and str(home.url).endswith("/login")

        assert wait_until(login_shown, 60), (tmp_path / "up.log").read_text()[-3000:]
        assert 'name="password"' in httpx.get(f"http://127.0.0.1:{port}/login").text
        sample = tmp_path / "m.jsonl"
        sample.write_text(
            "\n".join(
                json.dumps(
                    {
                        "id": str(n),
                        "text": QUOTE_LUGGAGE,
                        "author": f"a{n}",
                        "created_at": "2026-11-20T10:00:00Z",
                        "source": "x",
                        "author_followers": 1000 * n,
                    }
                )
                for n in range(30)
            )
        )
        imported = subprocess.run(
            [*ESCUCHA, "import", str(sample)], capture_output=True, text=True, env=env, timeout=60
        )
        assert imported.returncode == 0 and "accepted 30 mentions" in imported.stdout, (
            imported.stderr
        )
        url = marker.read_text().strip()
        client = redis.Redis.from_url(url)
        assert wait_until(lambda: client.zcard("escucha:ledger") == 0, 60)
        status = subprocess.run(
            [*ESCUCHA, "status"], capture_output=True, text=True, env=env, timeout=60
        )
        assert "total stored" in status.stdout and "30" in status.stdout
        assert "analysis model" in status.stdout and "shipped with escucha" in status.stdout
        worker_logs = "".join(p.read_text() for p in (tmp_path / "data" / "logs").glob("*.log"))
        assert "analysis model" in worker_logs and "shipped" in worker_logs
        # kill -9 of the private redis-server: `up` restarts it on the same data and port.
        os.kill(int(client.info("server")["process_id"]), signal.SIGKILL)

        def back() -> bool:
            try:
                return int(client.hget("escucha:stats", "stored") or 0) == 30
            except redis.ConnectionError:
                return False

        assert wait_until(back, 60), (tmp_path / "up.log").read_text()[-3000:]
        assert wait_until(lambda: "redis-server restarted" in (tmp_path / "up.log").read_text(), 10)
        again = subprocess.run(
            [*ESCUCHA, "import", str(sample)], capture_output=True, text=True, env=env, timeout=60
        )
        assert again.returncode == 0 and "accepted 30 mentions" in again.stdout, again.stderr
    finally:
        up.send_signal(signal.SIGINT)
        try:
            code = up.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(up.pid, signal.SIGKILL)  # never leave it and its workers running
            raise
    assert code == 0, (tmp_path / "up.log").read_text()[-3000:]
    assert not marker.exists()


def test_read_only_commands_never_start_or_remove_a_redis(tmp_path):
    """During an outage `escucha status` once started a second redis-server on the same data
    dir and deleted its marker; now it only says what it found."""
    from escucha.ops.redis_server import RedisServer

    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {"ESCUCHA_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "160"}
    for command in (["status"], ["dlq", "list"]):
        result = run(command, env, inherit=False)
        assert result.returncode == 1 and "no Redis is running" in result.stderr
    assert not (tmp_path / "data" / "redis").exists()

    owner = RedisServer(tmp_path / "data" / "redis").start()  # as `escucha up` holds it
    marker = tmp_path / "data" / "redis" / "url"
    marker.write_text(owner.url)
    try:
        owner.kill()  # an outage: the owner is about to restart it
        status = run(["status"], env, inherit=False)
        assert status.returncode == 1 and "no Redis is running" in status.stderr
        assert marker.exists()
        imported = run(["dlq", "replay"], env, inherit=False)  # a writer: it may start one
        assert imported.returncode == 1 and "already has a redis-server" in imported.stderr
        assert marker.exists()
    finally:
        owner.stop()


def test_without_the_workers_plugged_in_a_command_that_hands_work_on_says_how_to_run_it(tmp_path):
    """`python -m escucha` is escucha alone; the `escucha` command (workers/cli.py) adds Celery."""
    sample = tmp_path / "m.jsonl"
    sample.write_text(json.dumps({"id": "1", "text": "hola", "author": "a",
                                  "created_at": "2026-11-20T10:00:00Z"}) + "\n")  # fmt: skip
    alone = subprocess.run([sys.executable, "-m", "escucha", "import", str(sample)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert alone.returncode == 2 and "plugs in the Celery backend" in alone.stderr
    assert run(["bench", "--help"]).returncode == 0
