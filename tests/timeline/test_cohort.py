"""read_many: a cohort from many folders, on one process or on a real Dask cluster.

Every athlete is written by loadwatch.synthetic as real FIT and GPX files into
``tmp_path``; the Dask tests run on a real ``distributed.LocalCluster`` with two
worker processes (one cluster for the module).
"""

from __future__ import annotations

import dataclasses
import inspect
import logging
import multiprocessing
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import loadwatch as lw
import loadwatch.timeline.cohort as cohort
from loadwatch.synthetic import Athlete, Intervals, PlannedRun, build_weeks, write_athlete
from loadwatch.timeline.athletes import AthleteFolder
from loadwatch.timeline.build import import_athletes
from loadwatch.timeline.cohort import DASK_MISSING, failed_athlete, find_cohort, read_many
from loadwatch.timeline.settings import AthleteSettings, SettingsOverride

distributed = pytest.importorskip("distributed")
dask = pytest.importorskip("dask")

# One cluster for the module: with ``--dist loadgroup`` xdist keeps these tests on one worker.
pytestmark = pytest.mark.xdist_group("dask-cluster")

#: Import options of this loadwatch: with an import cache, the engines are compared
#: on fresh decodes (a second import from the cache counts its files differently).
TAKES = inspect.signature(import_athletes).parameters
FRESH: dict[str, object] = {"cache": False} if "cache" in TAKES else {}

FIRST_MONDAY = date(2026, 3, 2)
FAST = {"record_interval_s": 60.0}  # sparse records keep the files small and quick


def _athletes() -> list[Athlete]:
    ann = build_weeks(FIRST_MONDAY, [20.0, 22.0, 24.0], 3, **FAST)
    ann.append(PlannedRun(ann[0].start_local, ann[0].distance_km, fmt="gpx", **FAST))  # twice
    bo = build_weeks(date(2026, 3, 1), [30.0, 30.0, 34.0], 3, fmt="gpx", **FAST)
    cy = build_weeks(FIRST_MONDAY, [25.0, 0.0, 27.0], 3, ascent_m_per_km=20, **FAST)
    cy.append(
        PlannedRun(
            datetime(2026, 3, 12, 18, 0),
            9.0,
            intervals=Intervals(reps=5, rep_m=800, rep_pace_s_per_km=235),
            **FAST,
        )
    )
    di = build_weeks(FIRST_MONDAY, [15.0, 18.0, 40.0], 3, device="strava", **FAST)
    return [
        Athlete("Ann Even", "Europe/Berlin", (52.52, 13.405), ann),
        Athlete("Bo Long", "America/New_York", (40.78, -73.97), bo, week_start="sunday",
                units="mi"),
        Athlete("Cy Hill", "Asia/Seoul", (37.56, 126.97), cy),
        Athlete("Di Fast", "Europe/London", (51.50, -0.12), di),
    ]  # fmt: skip


@pytest.fixture(scope="module", autouse=True)
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Any import cache of this module (and its Dask workers) lives in a temporary folder."""
    folder = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LOADWATCH_CACHE_DIR", str(folder))
        yield folder


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A roster of four athletes, one duplicate recording and one file that is not FIT."""
    root = tmp_path_factory.mktemp("cohort") / "team"
    for athlete in _athletes():
        write_athlete(athlete, root / athlete.name)
    (root / "Bo Long" / "notes.fit").write_bytes(b"not a fit file")
    return root


@pytest.fixture(scope="module")
def future_runner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An athlete whose one GPX file is dated in the year 2300."""
    folder = tmp_path_factory.mktemp("future") / "Fay Future"
    run = PlannedRun(datetime(2300, 3, 2, 7, 0), 5.0, fmt="gpx", record_interval_s=60.0)
    write_athlete(Athlete("Fay Future", "Europe/Berlin", (52.52, 13.405), [run]), folder)
    return folder


@pytest.fixture(scope="module")
def cluster() -> Iterator[distributed.LocalCluster]:
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
        silence_logs=logging.CRITICAL,
    ) as local_cluster:
        yield local_cluster


@pytest.fixture(scope="module")
def client(cluster: distributed.LocalCluster) -> Iterator[distributed.Client]:
    with distributed.Client(cluster, set_as_default=False) as dask_client:
        yield dask_client


@pytest.fixture(scope="module")
def local(team: Path) -> lw.ImportResult:
    return read_many(team, **FRESH)


@pytest.fixture(scope="module")
def on_dask(team: Path, client: distributed.Client) -> tuple[lw.ImportResult, list[tuple]]:
    calls: list[tuple] = []
    result = read_many(
        team, engine="dask", scheduler=client, progress=lambda *args: calls.append(args), **FRESH
    )
    return result, calls


def assert_same_import(actual: lw.ImportResult, expected: lw.ImportResult) -> None:
    pd.testing.assert_frame_equal(actual.timeline, expected.timeline)
    pd.testing.assert_frame_equal(actual.laps, expected.laps)
    assert actual.report.to_dict() == expected.report.to_dict()
    assert actual.report.summary() == expected.report.summary()
    assert actual.timeline.attrs == expected.timeline.attrs
    assert actual.settings == expected.settings
    assert list(actual.profiles) == list(expected.profiles)
    for key, profile in expected.profiles.items():
        np.testing.assert_array_equal(actual.profiles[key], profile)
    compared = {"timeline", "laps", "report", "settings", "profiles"}
    for other in dataclasses.fields(lw.ImportResult):  # what the import gains later
        if other.name not in compared:
            assert getattr(actual, other.name) == getattr(expected, other.name), other.name


def test_wrong_arguments(team: Path) -> None:
    with pytest.raises(TypeError, match="'bogus'"):
        read_many(team, bogus=1)
    with pytest.raises(TypeError, match="'bogus'"):
        read_many(team, engine="dask", bogus=1)
    with pytest.raises(ValueError, match="engine must be one of local, dask"):
        read_many(team, engine="spark")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="only used with engine='dask'"):
        read_many(team, scheduler="tcp://127.0.0.1:8786")
    with pytest.raises(lw.LoadwatchError, match="no files or folders"):
        read_many([])


def test_without_dask_installed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # `import distributed` fails
    with pytest.raises(lw.LoadwatchError) as info:
        read_many(tmp_path / "not-yet-searched", engine="dask")
    assert str(info.value) == 'Dask is not installed: pip install "loadwatch[dask]"' == DASK_MISSING


def test_importing_loadwatch_does_not_import_dask() -> None:
    code = (
        "import sys, loadwatch, loadwatch.timeline.cohort\n"
        "print(sorted({'dask', 'distributed'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_local_engine_passes_file_progress_through(team: Path) -> None:
    calls: list[tuple] = []
    read_many(team / "Ann Even", progress=lambda *args: calls.append(args))
    assert calls[-1] == (10, 10, "")
    assert [done for done, _total, _file in calls] == list(range(11))


def test_overrides_and_one_athlete(team: Path) -> None:
    result = read_many(team, athlete="cy hill", overrides=SettingsOverride(week_start="sunday"))
    assert result.report.athletes == ["Cy Hill"]
    assert result.settings["Cy Hill"].week_start == "sunday"


def test_a_folder_reached_twice_counts_once(team: Path, local: lw.ImportResult) -> None:
    result = read_many([team, team / "Cy Hill"], **FRESH)
    assert_same_import(result, local)


def test_one_file_for_two_athletes_is_refused(team: Path) -> None:
    with pytest.raises(lw.LoadwatchError, match="belongs to two athletes"):
        find_cohort([team, team / "Bo Long"], roster=False)


def test_two_athletes_of_one_name_stay_two_athletes(team: Path, tmp_path: Path) -> None:
    """An athlete is a folder: two folders whose settings say the same name are never merged."""
    other = tmp_path / "site-b" / "ann"
    shutil.copytree(team / "Ann Even", other)
    alone = read_many([team / "Ann Even"])
    result = read_many([team, other.parent])
    names = [n for n in result.report.athletes if n.startswith("Ann Even")]
    assert len(names) == 2 and all("(" in n and "\n" not in n for n in names)
    assert any("ann" in n.split("(", 1)[1] for n in names)
    runs = alone.timeline["is_run"].sum()
    for name in names:  # each keeps its own copy of the history, neither absorbs the other
        mine = result.timeline[result.timeline["athlete"] == name]
        assert mine["is_run"].sum() == runs


def test_a_failed_athlete_is_one_error_line(team: Path) -> None:
    folder = AthleteFolder("Ann Even", team / "Ann Even", AthleteSettings(week_start="sunday"))
    error = RuntimeError("worker lost\n while importing")
    result = failed_athlete(folder, error)
    assert result.report.lines() == [
        f"error: {team / 'Ann Even'}: Ann Even's files could not be imported "
        "(RuntimeError: worker lost while importing); the other athletes are complete"
    ]
    assert result.report.errors[0].error is error
    assert result.report.athletes == ["Ann Even"]
    assert result.settings["Ann Even"].week_start == "sunday"
    assert result.timeline.empty and result.laps.empty


def test_dask_engine_equals_the_local_engine(
    on_dask: tuple[lw.ImportResult, list[tuple]], local: lw.ImportResult
) -> None:
    result, _calls = on_dask
    assert_same_import(result, local)
    assert list(result.settings) == ["Ann Even", "Bo Long", "Cy Hill", "Di Fast"]
    assert result.report.athletes == ["Ann Even", "Bo Long", "Cy Hill", "Di Fast"]
    # The whole path ran: a duplicate merged within Ann, the bad file reported, laps and streams.
    assert [m.athlete for m in result.report.duplicates] == ["Ann Even"]
    assert [Path(p.source).name for p in result.report.errors] == ["notes.fit"]
    assert set(result.laps["intensity"]) >= {"active", "rest"}
    assert len(result.profiles) == len(result.timeline) > 30
    km = result.timeline.groupby("athlete")["distance_km"].sum().round(0).to_dict()
    assert km == {"Ann Even": 66.0, "Bo Long": 94.0, "Cy Hill": 61.0, "Di Fast": 73.0}


def test_dask_progress_is_called_once_per_athlete(
    on_dask: tuple[lw.ImportResult, list[tuple]],
) -> None:
    _result, calls = on_dask
    assert [done for done, _total, _name in calls] == [1, 2, 3, 4]
    assert {total for _done, total, _name in calls} == {4}
    assert sorted(name for _done, _total, name in calls) == [
        "Ann Even",
        "Bo Long",
        "Cy Hill",
        "Di Fast",
    ]


def test_file_errors_come_back_from_the_workers(
    on_dask: tuple[lw.ImportResult, list[tuple]], local: lw.ImportResult
) -> None:
    """A bad file's exception (a loadwatch error) survives the trip from the worker."""
    result, _calls = on_dask
    assert [p.line() for p in result.report.errors] == [p.line() for p in local.report.errors]
    for problem in result.report.errors:
        if problem.error is not None:  # kept where the import keeps it
            assert isinstance(problem.error, lw.LoadwatchError)
            assert problem.reason in str(problem.error)


def test_weekly_tables_of_both_engines_are_equal(
    on_dask: tuple[lw.ImportResult, list[tuple]], local: lw.ImportResult
) -> None:
    result, _calls = on_dask
    weeks = lw.weekly_load(result)
    pd.testing.assert_frame_equal(weeks, lw.weekly_load(local))
    week_starts = {name: s.week_start for name, s in result.settings.items()}
    pd.testing.assert_frame_equal(
        lw.weekly_table(result.timeline, week_starts), lw.weekly_table(local.timeline, week_starts)
    )
    bo = weeks[weeks["athlete"] == "Bo Long"]
    assert set(bo["week_start"].dt.day_name()) == {"Sunday"}
    cy = weeks[weeks["athlete"] == "Cy Hill"]
    assert cy["distance_km"].round(1).tolist()[:3] == [25.0, 9.0, 27.0]
    assert cy["fast_km"].max() > 3.0  # the interval session, from the laps shipped back


def test_list_of_athlete_folders(
    team: Path, client: distributed.Client, local: lw.ImportResult
) -> None:
    folders = [team / "Di Fast", team / "Ann Even"]
    result = read_many(folders, engine="dask", scheduler=client, **FRESH)
    assert_same_import(result, read_many(folders, **FRESH))
    assert result.report.athletes == ["Ann Even", "Di Fast"]
    expected = local.timeline[local.timeline["athlete"].isin(["Ann Even", "Di Fast"])]
    pd.testing.assert_frame_equal(result.timeline, expected.reset_index(drop=True))


def test_athletes_submitted_a_few_at_a_time(
    team: Path,
    client: distributed.Client,
    local: lw.ImportResult,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A big cohort keeps a window of tasks in flight; here a window of one."""
    monkeypatch.setattr(cohort, "MIN_TASKS_IN_FLIGHT", 1)
    monkeypatch.setattr(cohort, "TASKS_PER_WORKER", 0)
    result = read_many(team, engine="dask", scheduler=client, **FRESH)
    assert_same_import(result, local)


def test_a_failing_athlete_does_not_lose_the_others(
    team: Path, future_runner: Path, client: distributed.Client, local: lw.ImportResult
) -> None:
    """A GPX file dated 2300 makes the import of its athlete fail (at this writing).

    Whether it fails in the task or is refused as a bad file, the other athletes
    are complete and the athlete has one error line and no rows.
    """
    result = read_many([team, future_runner], engine="dask", scheduler=client, **FRESH)
    good = result.timeline[result.timeline["athlete"] != "Fay Future"]
    pd.testing.assert_frame_equal(good, local.timeline)
    pd.testing.assert_frame_equal(result.laps, local.laps)
    assert result.report.athletes == ["Ann Even", "Bo Long", "Cy Hill", "Di Fast", "Fay Future"]
    assert "Fay Future" in result.settings
    fay_errors = [p for p in result.report.errors if p.source.startswith(str(future_runner))]
    assert len(fay_errors) == 1
    assert len(result.report.errors) == len(local.report.errors) + 1
    assert "Fay Future" not in set(result.timeline["athlete"])


def test_scheduler_as_an_address(
    team: Path, cluster: distributed.LocalCluster, client: distributed.Client,
    local: lw.ImportResult,
) -> None:  # fmt: skip
    result = read_many(team, engine="dask", scheduler=cluster.scheduler_address, **FRESH)
    assert_same_import(result, local)
    # Only read_many's own connection was closed: the cluster still serves its two workers.
    assert len(client.scheduler_info()["workers"]) == 2
    assert client.submit(sum, [1, 2]).result() == 3


def test_an_unreachable_scheduler_is_one_line(team: Path) -> None:
    with socket.socket() as probe:  # a local port where nothing listens
        probe.bind(("127.0.0.1", 0))
        address = f"tcp://127.0.0.1:{probe.getsockname()[1]}"
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(lw.LoadwatchError, match="cannot reach the Dask scheduler at") as info,
    ):
        read_many(team / "Ann Even", engine="dask", scheduler=address)
    assert address in str(info.value) and "\n" not in str(info.value)


def test_a_client_given_is_left_open(team: Path, client: distributed.Client) -> None:
    result = read_many([team / "Ann Even"], engine="dask", scheduler=client)
    assert result.report.athletes == ["Ann Even"]
    assert client.status == "running"
    assert client.submit(sum, [2, 3]).result() == 5


def test_dask_engine_starts_and_closes_its_own_cluster(team: Path) -> None:
    folders = [team / "Bo Long"]  # one athlete: a cluster of one worker
    children = len(multiprocessing.active_children())
    result = read_many(folders, engine="dask", **FRESH)
    assert_same_import(result, read_many(folders, **FRESH))
    assert len(multiprocessing.active_children()) == children
    with pytest.raises(ValueError, match="No clients found"):
        distributed.default_client()


@pytest.mark.skipif("cache" not in TAKES, reason="this loadwatch has no import cache")
def test_import_options_reach_the_workers(
    team: Path, client: distributed.Client, tmp_path: Path
) -> None:
    folders = [team / "Ann Even", team / "Bo Long"]
    first = read_many(folders, engine="dask", scheduler=client, cache=tmp_path)
    again = read_many(folders, engine="dask", scheduler=client, cache=tmp_path)
    assert list(tmp_path.iterdir())  # the workers wrote the cache given
    counts = [
        {k: v for k, v in r.report.to_dict().items() if k in ("files_decoded", "files_from_cache")}
        for r in (first, again)
    ]
    files = first.report.files_seen
    assert counts == [
        {"files_decoded": files, "files_from_cache": 0},
        {"files_decoded": 0, "files_from_cache": files},
    ]
    pd.testing.assert_frame_equal(again.timeline, first.timeline)
