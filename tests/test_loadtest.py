"""The load test's own logic (deploy/loadtest, issue 15 point 5): the think time and the
step mode's schedule (plan.py), the report's step table and its verdict from fixture
files (summarise.py), the CPU sampler's reading of /proc (sampler.py), the locustfile's
step shape and proxy cookies (in a subprocess: importing Locust patches the standard
library with gevent), and that run.sh serves with production's settings."""

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[1]
LOADTEST = BASE_DIR / "deploy" / "loadtest"
sys.path.insert(0, str(LOADTEST))

import plan  # noqa: E402
import sampler  # noqa: E402
import summarise  # noqa: E402

# --- plan.py -------------------------------------------------------------------


def test_think_time_defaults_to_a_person_reading_and_typing_and_follows_wait_min_and_max():
    assert plan.think_time({}) == (5.0, 15.0)
    assert plan.think_time({"WAIT_MIN": "1", "WAIT_MAX": "3"}) == (1.0, 3.0)  # the old stress mix
    assert plan.think_time({"WAIT_MIN": "20"}) == (20.0, 20.0)  # a minimum above the default maximum
    with pytest.raises(ValueError, match="WAIT_MIN <= WAIT_MAX"):
        plan.think_time({"WAIT_MIN": "4", "WAIT_MAX": "2"})


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("2m", 120), ("1h30m", 5400), ("1m30s", 90)])
def test_durations_are_read_the_way_locust_writes_them(text, seconds):
    assert plan.duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["2x", "m", "1m30", ""])
def test_a_duration_without_a_unit_where_one_belongs_is_refused(text):
    with pytest.raises(ValueError):
        plan.duration_seconds(text)


def test_steps_go_from_start_to_stop_each_for_its_duration_then_end():
    steps = plan.Steps.parse("20 100 20 1m")
    assert steps.users() == [20, 40, 60, 80, 100]
    assert [steps.users_at(t) for t in (0, 59.9, 60, 150, 299.9)] == [20, 20, 40, 60, 100]
    assert steps.users_at(300) is None
    # A step's new users start within 10 s; its figures start after 20 s (a third of a short step).
    assert (steps.spawn_rate, steps.settle) == (2.0, 20.0)
    assert plan.Steps.parse("5 10 5 30s").settle == 10.0
    assert plan.Steps.parse("20 60 20 1m", spawn_rate="5", settle="30").spawn_rate == 5.0


def test_a_stop_that_is_not_a_whole_number_of_steps_away_ends_at_the_last_step_below_it():
    assert plan.Steps.parse("20 50 20 1m").users() == [20, 40]


@pytest.mark.parametrize("spec", ["20 200 20", "0 10 5 1m", "30 20 5 1m", "20 40 0 1m", "a b c d", "20 40 20 0s"])
def test_steps_that_make_no_sense_are_refused(spec):
    with pytest.raises(ValueError, match="steps"):
        plan.Steps.parse(spec)


def test_a_settle_as_long_as_the_step_is_refused():
    with pytest.raises(ValueError, match="nothing of a 60 s step"):
        plan.Steps.parse("20 40 20 1m", settle="60")


# --- summarise.py: the step table from fixture files --------------------------

T0 = 1_800_000_000.0


def write_record(prefix, requests, marks, samples):
    with open(f"{prefix}-requests.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["t", "type", "name", "ms", "failed"])
        writer.writerows(requests)
    with open(f"{prefix}-marks.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["t", "users"])
        writer.writerows(marks)
    Path(f"{prefix}-samples.jsonl").write_text("".join(json.dumps(s) + "\n" for s in samples))


def sample(t, gunicorn=0.0, postgres=0.0, locust=0.0, machine=None, active=0, waits=0, interval=10.0):
    cpu = {"gunicorn": gunicorn, "postgres": postgres, "celery": 0.0, "locust": locust}
    cpu["machine"] = machine if machine is not None else sum(cpu.values())
    return {"t": t, "interval": interval, "cores": 2, "load": 1.5, "cpu": cpu, "active": active, "lock_waits": waits}


def two_steps(tmp_path):
    """20 users from T0 to T0+60, 40 users to T0+120 (each measured after 20 s):
    step 1: 40 requests of 100..139 ms over 40 s, none failed, the CPU half idle;
    step 2: 80 requests, 4 failed, of 200..995 ms, the CPU full and mostly gunicorn's."""
    requests = []
    for i in range(40):
        requests.append([f"{T0 + 20 + i:.3f}", "GET", "My day", 100 + i, 0])
    for i in range(10):  # inside the first step's settling time: left out
        requests.append([f"{T0 + 1 + i:.3f}", "POST", "log in", 5000, 0])
    for i in range(80):
        requests.append(
            [f"{T0 + 80 + i / 2:.3f}", "GET", "board" if i % 2 else "My day", 200 + 10 * i, int(i % 20 == 0)]
        )
    marks = [(T0, 20), (T0 + 60, 40), (T0 + 120, 0)]
    samples = [sample(T0 + 30 + 10 * k, gunicorn=6.0, postgres=3.0, locust=1.0) for k in range(3)]  # 50 % of 2 cores
    samples += [sample(T0 + 90 + 10 * k, gunicorn=13.0, postgres=5.0, locust=1.0, machine=19.5) for k in range(3)]
    prefix = tmp_path / "run"
    write_record(prefix, requests, marks, samples)
    return prefix


def test_the_step_table_counts_each_steps_requests_after_it_settled(tmp_path):
    prefix = two_steps(tmp_path)
    rows = summarise.steps(
        summarise.read_requests(f"{prefix}-requests.csv"),
        summarise.read_marks(f"{prefix}-marks.csv"),
        summarise.read_samples(f"{prefix}-samples.jsonl"),
        settle=20,
    )
    assert [(r.users, r.seconds, r.requests, r.errors) for r in rows] == [(20, 40, 40, 0), (40, 40, 80, 4)]
    first, second = rows
    assert (first.rate, first.p50, first.p95, first.p99) == (1.0, 119, 137, 139)
    assert (second.p50, second.p95) == (590, 950)
    assert second.slowest == "GET board 950 ms"
    # CPU: % of one core over each step's samples; "others" is the machine minus the groups.
    assert first.cpu["gunicorn"] == pytest.approx(60) and first.cpu["postgres"] == pytest.approx(30)
    assert first.cpu["idle"] == pytest.approx(100)
    assert second.cpu["machine"] == pytest.approx(195) and second.cpu["other"] == pytest.approx(5)


def test_the_report_names_the_first_step_over_the_target_and_what_limits_it(tmp_path, capsys):
    prefix = two_steps(tmp_path)
    summarise.main(["--record", str(prefix), "--settle", "20"])
    out = capsys.readouterr().out
    table = out.split("Per step", 1)[1].splitlines()
    assert table[2].split()[:8] == ["20", "40", "40", "1.0", "119", "137", "139", "0"]
    assert table[3].split()[:8] == ["40", "40", "80", "2.0", "590", "950", "990", "4"]
    assert "First step over the target: 40 users (p95 950 ms > 300 ms and 4 errors)" in out
    assert "Limit: the CPU: 195 of 200 % busy, mostly gunicorn's CPU (the Python of the pages)" in out
    assert "Saturation from 40 users (the CPU 195 of 200 % busy). Limit: the CPU: 195 of 200 %" in out
    # CPU per request over the whole run: 6 × 10 s samples, 57 s of gunicorn for 130 requests.
    assert "gunicorn 438 ms, PostgreSQL 185 ms" in out


def test_a_run_that_holds_the_target_says_so(tmp_path, capsys):
    requests = [[f"{T0 + i:.3f}", "GET", "My day", 120, 0] for i in range(60)]
    write_record(tmp_path / "ok", requests, [(T0, 10), (T0 + 60, 0)], [sample(T0 + 30, gunicorn=2.0, interval=30.0)])
    summarise.main(["--record", str(tmp_path / "ok")])
    out = capsys.readouterr().out
    assert "Every step held the target (0 errors, p95 <= 300 ms)" in out
    assert "First step over the target" not in out


def step_with(**cpu):
    step = summarise.Step(users=100, seconds=60, requests=600, p95=900, cores=2, active=0.2, lock_waits=0)
    shares = {"gunicorn": 0.0, "postgres": 0.0, "celery": 0.0, "locust": 0.0, "other": 0.0} | cpu
    shares["machine"] = sum(shares.values())
    shares["idle"] = max(200 - shares["machine"], 0)
    step.cpu = shares
    return step


@pytest.mark.parametrize(
    ("cpu", "says"),
    [
        ({"locust": 95, "gunicorn": 60}, "Locust itself"),
        ({"gunicorn": 120, "postgres": 60}, "mostly gunicorn's CPU"),
        ({"gunicorn": 50, "postgres": 130}, "mostly PostgreSQL's CPU"),
        ({"gunicorn": 40, "other": 150}, "other processes on this shared machine"),
        ({"gunicorn": 30, "postgres": 20}, "not saturation"),
        ({"gunicorn": 90, "postgres": 40}, "gunicorn's worker threads"),
    ],
)
def test_the_limit_is_read_from_where_the_cpu_went(cpu, says):
    assert says in summarise.limit(step_with(**cpu))


def test_postgresql_waits_are_named_when_the_cpu_is_not_full():
    step = step_with(gunicorn=40, postgres=20)
    step.active, step.lock_waits = 3.5, 2
    assert summarise.limit(step).startswith("PostgreSQL waits: 3.5 active queries on average, up to 2 waiting on locks")


def test_percentiles_are_nearest_rank():
    values = list(range(1, 101))
    assert [summarise.percentile(values, p) for p in (50, 95, 99, 100)] == [50, 95, 99, 100]
    assert summarise.percentile([7], 95) == 7
    assert summarise.percentile([], 95) is None


def test_a_run_stopped_before_every_user_started_is_one_window_of_unknown_users():
    requests = [(T0 + 1, "GET My day", 100.0, False), (T0 + 9, "GET My day", 100.0, False)]
    assert summarise.windows([(T0 + 10, 0)], 0, requests) == [(0, T0 + 1, pytest.approx(T0 + 9.001))]


# --- sampler.py -----------------------------------------------------------------


def fake_proc(root, processes, machine):
    """A /proc with PROCESSES {pid: (ppid, command, utime ticks, stime ticks)} and /proc/stat."""
    for pid, (ppid, command, utime, stime) in processes.items():
        folder = root / str(pid)
        folder.mkdir()
        fields = ["S", str(ppid)] + ["0"] * 9 + [str(utime), str(stime)] + ["0"] * 5
        (folder / "stat").write_text(f"{pid} (a (tricky) name) " + " ".join(fields) + "\n")
        (folder / "cmdline").write_bytes(command.replace(" ", "\0").encode() + b"\0")
    (root / "stat").write_text("cpu  " + " ".join(str(v) for v in machine) + "\ncpu0 1 2 3\n")
    (root / "self").mkdir()  # not a process


def test_the_sampler_groups_processes_and_reads_their_cpu(tmp_path):
    ticks = os.sysconf("SC_CLK_TCK")
    fake_proc(
        tmp_path,
        {
            10: (1, "gunicorn: master", ticks, 0),
            11: (10, "gunicorn: worker", 2 * ticks, ticks),
            12: (11, "python helper", 0, 0),
            20: (1, "locust -f locustfile.py", 0, 0),
            30: (1, "postgres: 15/main: postgres funnel_load 127.0.0.1(5432) idle", 5 * ticks, 0),
            31: (1, "postgres: postgres funnel_load [local] SELECT", ticks, 0),
            32: (1, "postgres: 15/main: postgres other_db 127.0.0.1(5433) idle", 9 * ticks, 0),
            33: (1, "postgres: 15/main: background writer", 9 * ticks, 0),
        },
        # user nice system idle iowait irq softirq steal
        [3 * ticks, 0, ticks, 50 * ticks, 2 * ticks, 0, 0, 0],
    )
    table = sampler.processes(tmp_path)
    assert table[11] == (10, "gunicorn: worker")
    assert sampler.with_descendants(10, table) == {10, 11, 12}
    assert sampler.with_descendants(99, table) == set()
    assert sampler.backends_of("funnel_load", table) == {30, 31}
    assert sampler.cpu_seconds(11, tmp_path) == 3.0
    assert sampler.machine_busy_seconds(tmp_path) == 4.0


def test_the_sampler_counts_each_process_from_the_first_sample_or_from_its_start():
    deltas = sampler.Deltas()
    assert deltas({"postgres": {30: 5.0}}) == {"postgres": 0.0}  # there before: counts from now
    assert deltas({"postgres": {30: 6.5, 31: 0.4}}) == {"postgres": pytest.approx(1.9)}  # 31 began meanwhile
    assert deltas({"postgres": {31: 1.0}}) == {"postgres": pytest.approx(0.6)}  # 30 ended: its last part is lost


# --- the locustfile and run.sh ------------------------------------------------------


def run_python(code, drop=(), **env):
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=LOADTEST,
        env={name: value for name, value in {**os.environ, **env}.items() if name not in drop},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_locustfile_steps_users_up_and_sends_the_secure_cookies_behind_the_proxy(tmp_path):
    out = run_python(
        """
import locustfile  # first: Locust patches the standard library with gevent
import json, requests
shape = locustfile.StepLoad()
ticks = []
for t in (0, 59, 60, 119, 120):
    shape.get_run_time = lambda t=t: t
    ticks.append(shape.tick())
jar = locustfile.BehindTheProxyJar()
jar.set("sessionid", "abc", domain="127.0.0.1", path="/", secure=True)
prepared = requests.Session()
prepared.cookies = jar
request = prepared.prepare_request(requests.Request("GET", "http://127.0.0.1:18080/"))
wait = [locustfile.WAIT_MIN, locustfile.WAIT_MAX]
print(json.dumps({"ticks": ticks, "cookie": request.headers.get("Cookie"), "wait": wait}))
""",
        STEP_USERS="20 40 20 1m",
        LOADTEST_RECORD=str(tmp_path / "run"),
        WAIT_MIN="2",
        WAIT_MAX="4",
    )
    result = json.loads(out.strip().splitlines()[-1])
    assert result["ticks"] == [[20, 2.0], [20, 2.0], [40, 2.0], [40, 2.0], None]
    assert result["cookie"] == "sessionid=abc"
    assert result["wait"] == [2.0, 4.0]
    marks = (tmp_path / "run-marks.csv").read_text().splitlines()
    assert [line.split(",")[1] for line in marks] == ["users", "20", "40"]


def test_the_locustfile_has_no_shape_outside_the_step_mode():
    out = run_python(
        "import locustfile; print(hasattr(locustfile, 'StepLoad'), locustfile.WAIT_MIN, locustfile.WAIT_MAX)"
    )
    assert out.split() == ["False", "5.0", "15.0"]


@pytest.mark.parametrize("args", [[], ["100"], ["step", "20", "200", "20"], ["step", "0", "200", "20", "1m"]])
def test_run_sh_refuses_wrong_arguments_before_starting_anything(args):
    result = subprocess.run([LOADTEST / "run.sh", *args], capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "usage: run.sh" in result.stderr or "steps:" in result.stderr


def test_run_sh_serves_through_the_production_scripts_and_settings():
    script = (LOADTEST / "run.sh").read_text()
    assert "deploy/bin/web " in script and "deploy/bin/worker " in script
    assert "export DJANGO_ENV=production" in script
    assert "/gunicorn" not in script and "celery -A" not in script  # no command lines of their own
    out = run_python(
        """
import django, json
from django.conf import settings
django.setup()
from django.template import engines
loaders = engines["django"].engine.loaders
print(json.dumps({
    "debug": settings.DEBUG,
    "cached": any("cached.Loader" in str(loader) for loader in loaders),
    "whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware" in settings.MIDDLEWARE,
    "request_log": settings.REQUEST_LOG,
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
}))
""",
        DJANGO_ENV="production",
        SECRET_KEY="x" * 50,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SETTINGS_MODULE="funnel_crm.settings",
        PYTHONPATH=str(BASE_DIR),
        DEBUG="1",  # run.sh unsets it; production ignores it anyway
        drop=("REQUEST_LOG",),
    )
    settings = json.loads(out.strip().splitlines()[-1])
    assert settings == {
        "debug": False,
        "cached": True,
        "whitenoise": True,
        "request_log": True,
        "static": "whitenoise.storage.CompressedManifestStaticFilesStorage",
    }


def test_a_step_without_cpu_samples_prints_dashes_and_says_why(tmp_path, capsys):
    requests = [[f"{T0 + i:.3f}", "GET", "My day", 900, 0] for i in range(10)]
    write_record(tmp_path / "short", requests, [(T0, 5), (T0 + 10, 0)], [])
    summarise.main(["--record", str(tmp_path / "short")])
    out = capsys.readouterr().out
    assert out.split("Per step", 1)[1].splitlines()[2].split()[8:] == ["-"] * 8 + ["GET", "My", "day", "900", "ms"]
    assert "Limit: unknown (no CPU samples in this step" in out


def rated(users, requests, machine):
    step = step_with(gunicorn=machine)
    step.users, step.requests = users, requests
    return step


def test_saturation_is_where_requests_per_second_stop_growing_with_the_users():
    # 20 → 40 users doubles the requests; 60 users add only 10 %: the server stopped keeping
    # up although the CPU is 60 % busy.
    rows = [rated(20, 120, 40), rated(40, 240, 80), rated(60, 264, 120)]
    step, why = summarise.saturation(rows)
    assert step.users == 60
    assert why == "4.4 req/s where the users' growth would make 6.0"
    assert summarise.saturation(rows[:2]) is None
    lines = summarise.step_table(rows[:2])
    assert lines[-1] == "No saturation: requests/s grew with the users and the CPU stayed under 85 % busy"
