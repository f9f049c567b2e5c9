"""Exports as clinics have them: timestamps as a spreadsheet writes them."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from analytics.loading.export import ReadOptions
from analytics.loading.hints import timestamp_hints
from analytics.loading.loader import open_export
from helpers import full_export, rows, write_export
from helpers import run_cli as cli

US = "%m/%d/%Y %I:%M %p"


@pytest.fixture(scope="module")
def us_export(tmp_path_factory):
    """Requests received '10/03/2026 2:05 PM' (Pacific time, no offset), as a CSV."""
    tables = full_export(
        requests=rows(
            "requests",
            {"received_at": "10/03/2026 2:05 PM"},
            {"request_id": "R2", "received_at": "10/04/2026 9:15 AM"},
        )
    )
    return write_export(tables, "files_csv", tmp_path_factory.mktemp("us"), typed=False)


def test_without_the_format_every_row_is_quarantined_and_the_hint_names_it(us_export):
    export = open_export(us_export)
    try:
        assert export.tables["requests"].by_reason == {"bad_value": 2}
        (hint,) = timestamp_hints(export)
    finally:
        export.close()
    assert hint.startswith("all 2 received_at values of requests that could not be read")
    assert f'"{US}"' in hint and "timestamp_format" in hint


def test_with_the_format_and_zone_every_row_is_read_as_local_time(us_export):
    options = ReadOptions((US,), "America/Los_Angeles")
    export = open_export(us_export, options=options)
    try:
        s = export.tables["requests"]
        assert (s.rows_read, s.rows_used, s.rows_quarantined) == (2, 2, 0)
        got = export.con.execute(
            "SELECT request_id, received_at, closed_at FROM requests ORDER BY request_id"
        ).fetchall()
    finally:
        export.close()
    # 2:05 PM Pacific daylight time is 21:05 UTC; ISO values with an offset still read
    assert got[0][1] == datetime(2026, 10, 3, 21, 5, tzinfo=UTC)
    assert got[1][1] == datetime(2026, 10, 4, 16, 15, tzinfo=UTC)
    assert got[0][2] == datetime(2026, 10, 10, 16, 0, tzinfo=UTC)


def test_validate_prints_the_hint_and_reads_with_the_option(us_export):
    done = cli("validate", str(us_export))
    assert done.returncode == 0 and "hint: all 2 received_at values" in done.stdout
    done = cli(
        "validate",
        str(us_export),
        "--timestamp-format",
        US,
        "--timestamp-timezone",
        "America/Los_Angeles",
    )
    assert done.returncode == 0, done.stderr
    assert "hint:" not in done.stdout
    line = next(x for x in done.stdout.splitlines() if x.startswith("requests"))
    assert line.split()[1:4] == ["2", "2", "0"]


def test_a_timestamp_zone_that_does_not_exist_is_a_usage_error(us_export):
    done = cli("validate", str(us_export), "--timestamp-timezone", "Mars/Olympus")
    assert done.returncode == 2 and "not a time zone" in done.stderr


def _options(**kw) -> ReadOptions:
    from analytics.loading.source import read_options
    from analytics.settings import load_settings

    return read_options(load_settings(kw))


@pytest.fixture
def latin1_export(tmp_path):
    """A spreadsheet export whose messages.csv has one name typed on a Windows machine."""
    path = write_export(full_export(), "files_csv", tmp_path / "latin1")
    messages = path / "messages.csv"
    text = messages.read_text(encoding="utf-8").rstrip("\n")
    line = text.splitlines()[1].replace("M1", "M2").replace(",,", ",Ren\u00e9e says hi,", 1)
    messages.write_bytes((text + "\n" + line + "\n").encode("latin-1"))
    return path


def test_a_latin1_line_is_quarantined_with_its_line_number_and_the_hint(latin1_export):
    from analytics.loading.hints import read_hints

    export = open_export(latin1_export)
    try:
        s = export.tables["messages"]
        assert (s.rows_read, s.rows_used, s.by_reason) == (2, 1, {"bad_value": 1})
        ((reason, row, as_read),) = export.con.execute(
            "SELECT reason, source_row, row_json::JSON FROM quarantine"
        ).fetchall()
        hints = read_hints(export)
    finally:
        export.close()
    got = json.loads(as_read)
    assert (reason, row, got["line"], got["unreadable"]) == ("bad_value", 2, 3, "invalid encoding")
    assert got["text"].startswith("M2,P1,sms,outbound")
    (hint,) = hints
    assert hint.startswith("1 line of messages could not be read as rows (invalid encoding; ")
    assert "first at line 3" in hint and "not utf-8: set csv_encoding" in hint


def test_a_latin1_file_is_read_with_its_encoding_and_so_is_its_snapshot(latin1_export, tmp_path):
    from analytics.loading.snapshot import open_validated

    export = open_export(latin1_export, options=_options(csv_encoding="cp1252"))
    try:
        assert export.tables["messages"].rows_read == 2
        bodies = export.con.execute("SELECT body FROM messages WHERE body IS NOT NULL")
        assert bodies.fetchall() == [("Ren\u00e9e says hi",)]
        export.write_validated(tmp_path / "snap")
    finally:
        export.close()
    snapshot = open_validated(tmp_path / "snap")
    try:
        assert snapshot.con.execute("SELECT count(*) FROM messages").fetchall() == [(2,)]
    finally:
        snapshot.close()


@pytest.fixture
def pipe_export(tmp_path):
    """Every table saved by a spreadsheet as "pipe-delimited text"."""
    import duckdb

    path = write_export(full_export(), "files_csv", tmp_path / "pipe")
    con = duckdb.connect()
    for file in path.glob("*.csv"):
        con.execute(
            "COPY (SELECT * FROM read_csv($f, all_varchar = true)) TO $g (DELIMITER '|')",
            {"f": str(file), "g": str(file) + ".pipe"},
        )
        (path / (file.name + ".pipe")).replace(file)
    return path


@pytest.fixture
def schema_export(tmp_path):
    """A .duckdb export whose tables live in the schema ``clinic``."""
    from helpers import build_db

    db = tmp_path / "clinic.duckdb"
    con = build_db(full_export())
    con.execute("ATTACH ? AS out", [str(db)])
    con.execute("CREATE SCHEMA out.clinic")
    for table in full_export():
        con.execute(f"CREATE TABLE out.clinic.{table} AS SELECT * FROM {table}")
    con.close()
    return db


def test_a_pipe_delimited_export_is_read_with_its_delimiter(pipe_export):
    from analytics.errors import ExportError

    with pytest.raises(ExportError, match='its header is one column: set csv_delimiter = "[|]"'):
        open_export(pipe_export)
    export = open_export(pipe_export, options=_options(csv_delimiter="|"))
    try:
        assert {s.rows_used for s in export.tables.values() if s.present} == {1}
    finally:
        export.close()


def test_a_duckdb_export_with_its_tables_in_a_schema(schema_export):
    from analytics.errors import ExportError

    with pytest.raises(ExportError, match="it is in schema 'clinic': set duckdb_schema"):
        open_export(schema_export)
    export = open_export(schema_export, options=_options(duckdb_schema="clinic"))
    try:
        assert export.tables["requests"].rows_used == 1
    finally:
        export.close()


def _table_line(stdout: str, table: str) -> list[str]:
    """read, used, quarantined of one table in ``analytics validate``'s output."""
    return next(x for x in stdout.splitlines() if x.startswith(table)).split()[1:4]


def test_validate_takes_each_read_option_on_the_command_line(
    latin1_export, pipe_export, schema_export
):
    done = cli("validate", str(pipe_export))
    assert done.returncode == 3 and "set csv_delimiter" in done.stderr
    done = cli("validate", str(pipe_export), "--csv-delimiter", "|")
    assert done.returncode == 0, done.stderr
    assert _table_line(done.stdout, "requests") == ["1", "1", "0"]

    done = cli("validate", str(schema_export))
    assert done.returncode == 3 and "set duckdb_schema" in done.stderr
    done = cli("validate", str(schema_export), "--duckdb-schema", "clinic")
    assert done.returncode == 0, done.stderr
    assert _table_line(done.stdout, "requests") == ["1", "1", "0"]

    done = cli("validate", str(latin1_export))
    assert done.returncode == 0 and _table_line(done.stdout, "messages") == ["2", "1", "1"]
    assert "hint: 1 line of messages could not be read as rows (invalid encoding" in done.stdout
    done = cli("validate", str(latin1_export), "--csv-encoding", "cp1252")
    assert done.returncode == 0 and _table_line(done.stdout, "messages") == ["2", "2", "0"]
    assert "hint:" not in done.stdout


def test_an_unknown_encoding_or_a_long_delimiter_is_a_usage_error(pipe_export):
    done = cli("validate", str(pipe_export), "--csv-encoding", "ebcdic")
    assert done.returncode == 2 and "is not one of utf-8, latin-1, utf-16" in done.stderr
    done = cli("validate", str(pipe_export), "--csv-delimiter", "||")
    assert done.returncode == 2 and "must be one character" in done.stderr


@pytest.mark.slow
def test_the_monthly_run_over_a_latin1_export(latin1_export, tmp_path):
    """Without the encoding: the run completes, the line is quarantined and the messages
    figures are a data problem. With it: every row is used, and nothing is a problem."""
    import json as json_

    runs = {}
    for label, extra in (("as utf-8", []), ("as latin-1", ["--csv-encoding", "latin-1"])):
        out = tmp_path / label
        done = cli(
            "run", "--source", str(latin1_export), "--period", "2026-10", "--out", str(out),
            "--jobs", "2", *extra,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        doc = json_.loads((out / "2026-10" / "metrics.json").read_text())
        runs[label] = (doc, (out / "2026-10" / "index.html").read_text())
    doc, index = runs["as utf-8"]
    assert doc["source"]["tables"]["messages"] == {
        "rows_read": 2,
        "rows_used": 1,
        "rows_quarantined": 1,
    }
    assert {"table": "messages", "reason": "bad_value", "rows": 1} in doc["quarantine"]
    assert "1 of 2 messages rows quarantined" in index
    doc, index = runs["as latin-1"]
    assert doc["source"]["tables"]["messages"] == {
        "rows_read": 2,
        "rows_used": 2,
        "rows_quarantined": 0,
    }
    assert doc["quarantine"] == [] and "data problem" not in index


def test_a_zero_byte_csv_is_an_empty_table_not_an_error(tmp_path):
    from analytics.domains.quality import data_problems
    from analytics.registry import open_report

    path = write_export(full_export(), "files_csv", tmp_path)
    (path / "vendors.csv").write_bytes(b"")
    (path / "messages.csv").write_bytes(b"")
    ctx = open_report(path, "2026-10")
    try:
        assert ctx.export.tables["vendors"].rows_read == 0
        assert data_problems(ctx)["messages"] == "the messages table is empty"
    finally:
        ctx.export.close()


@pytest.mark.parametrize(
    ("fixture", "settings"),
    [
        ("latin1_export", {}),
        ("latin1_export", {"csv_encoding": "latin-1"}),
        ("pipe_export", {"csv_delimiter": "|"}),
        ("schema_export", {"duckdb_schema": "clinic"}),
        ("us_export", {}),
        ("us_export", {"timestamp_format": US, "timestamp_timezone": "America/Los_Angeles"}),
    ],
)
def test_rows_read_are_rows_used_plus_rows_quarantined_in_every_case(fixture, settings, request):
    export = open_export(request.getfixturevalue(fixture), options=_options(**settings))
    try:
        tables = export.tables.values()
        quarantined = dict(
            export.con.execute("SELECT table_name, count(*) FROM quarantine GROUP BY 1").fetchall()
        )
        used = {
            s.table: export.con.execute(f'SELECT count(*) FROM "{s.table}"').fetchall()[0][0]
            for s in tables
        }
    finally:
        export.close()
    for s in tables:
        assert s.rows_read == s.rows_used + s.rows_quarantined, s.table
        assert (used[s.table], quarantined.get(s.table, 0)) == (s.rows_used, s.rows_quarantined)


@pytest.fixture
def one_latin1_file(tmp_path):
    """messages.csv saved on a Windows machine (Latin-1, "no más" in a reply) beside UTF-8
    files; vendors.csv (UTF-8) names a "Clínica"."""
    path = write_export(full_export(), "files_csv", tmp_path / "mixed")
    messages = path / "messages.csv"
    text = messages.read_text(encoding="utf-8").rstrip("\n")
    reply = text.splitlines()[1].replace("M1", "M2").replace("outbound", "inbound", 1)
    reply = reply.replace("marketing", "", 1).replace(",,C1", ",no m\u00e1s,C1", 1)
    messages.write_bytes((text + "\n" + reply + "\n").encode("latin-1"))
    vendors = path / "vendors.csv"
    vendors.write_text(
        vendors.read_text(encoding="utf-8").replace("Secure EHR", "Cl\u00ednica Segura"), "utf-8"
    )
    return path


def test_one_tables_encoding_leaves_every_other_file_as_it_is(one_latin1_file, tmp_path):
    """Following the hint for one Latin-1 file must not garble the UTF-8 text of the rest
    (an export-wide latin-1 lost a revocation "no más" elsewhere)."""
    from analytics.loading.hints import read_hints
    from analytics.loading.snapshot import open_validated

    plain = open_export(one_latin1_file)
    try:
        (hint,) = read_hints(plain)
    finally:
        plain.close()
    assert "for messages alone: [tables.messages] csv_encoding" in hint
    options = _options(tables={"messages": {"csv_encoding": "cp1252"}})
    assert options.for_table("messages").csv_encoding == "latin-1"
    assert options.for_table("vendors").csv_encoding == "utf-8"
    export = open_export(one_latin1_file, options=options)
    try:
        assert export.tables["messages"].by_reason == {}
        body = "SELECT body FROM messages WHERE body IS NOT NULL"
        assert export.con.execute(body).fetchall() == [("no m\u00e1s",)]
        assert export.con.execute("SELECT name FROM vendors").fetchall() == [
            ("Cl\u00ednica Segura",)
        ]
        export.write_validated(tmp_path / "snap")
    finally:
        export.close()
    snapshot = open_validated(tmp_path / "snap")  # the run's snapshot reads it so too
    try:
        assert snapshot.options.for_table("messages").csv_encoding == "latin-1"
        assert snapshot.con.execute("SELECT count(*) FROM messages").fetchall() == [(2,)]
    finally:
        snapshot.close()


def test_a_tables_own_setting_comes_from_the_file_the_option_or_the_environment(
    one_latin1_file, tmp_path, monkeypatch
):
    from helpers import run_cli

    config = tmp_path / "analytics.toml"
    config.write_text('[tables.messages]\ncsv_encoding = "latin-1"\n')
    by_file = run_cli("--config", str(config), "validate", str(one_latin1_file))
    by_option = run_cli(
        "validate", str(one_latin1_file), "--table-option", "messages.csv_encoding=latin-1"
    )
    monkeypatch.setenv("ANALYTICS_TABLES", '{"messages": {"csv_encoding": "latin-1"}}')
    by_env = run_cli("validate", str(one_latin1_file))
    for done in (by_file, by_option, by_env):
        assert done.returncode == 0, done.stderr
        assert "hint:" not in done.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--table-option", "mesages.csv_encoding=latin-1"], "did you mean 'messages'"),
        (["--table-option", "messages.encoding=latin-1"], "'encoding' is not one of"),
        (["--table-option", "messages=latin-1"], "is not TABLE.SETTING=VALUE"),
        (["--table-option", "messages.csv_encoding=ebcdic"], "[tables.messages] csv_encoding"),
    ],
)
def test_a_tables_own_setting_that_cannot_be_used_is_refused(one_latin1_file, args, words):
    from helpers import run_cli

    done = run_cli("validate", str(one_latin1_file), *args)
    assert done.returncode == 2 and words in done.stderr, done.stderr
