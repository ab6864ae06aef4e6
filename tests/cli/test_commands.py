"""API commands through Typer's runner: exact output and exit codes."""

from __future__ import annotations

import json

import httpx

from tests.fixtures.cli import Cli
from tests.fixtures.sdk import body_of

OFFERINGS = [
    {"id": "o1", "name": "Fire safety", "start": "2024-02-01T09:00:00Z", "identifier": "FS1"},
    {"id": "o2", "name": "First aid", "start": "2024-03-01T09:00:00Z", "end": "2024-04-01T09:00:00Z"},
]


def test_offerings_list_current_table(cli: Cli) -> None:
    cli.recorder.reply(200, OFFERINGS)
    result = cli("offerings", "list", "--current")
    assert result.exit_code == 0
    assert result.stdout == (
        "ID   Name          Start                      End                        Identifier\n"
        "───────────────────────────────────────────────────────────────────────────────────\n"
        "o1   Fire safety   2024-02-01T09:00:00.000Z                              FS1\n"
        "o2   First aid     2024-03-01T09:00:00.000Z   2024-04-01T09:00:00.000Z\n"
        "2 rows\n"
    )
    assert cli.recorder.last.url.path == "/v1/offerings/current"


def test_json_prints_the_api_json(cli: Cli) -> None:
    cli.recorder.reply(200, [{"id": "o1", "extra": True}])
    result = cli("offerings", "list", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [{"id": "o1", "extra": True}]
    assert result.stdout == '[\n  {\n    "id": "o1",\n    "extra": true\n  }\n]\n'


def test_base_url_and_token_options_and_environment(cli: Cli) -> None:
    cli.recorder.reply(200, {"id": "org1", "name": "Acme"})
    result = cli("whoami", "--base-url", "http://other/v1", "--token", "tok")
    assert result.exit_code == 0
    assert result.stdout == "id     org1\nname   Acme\n"
    assert cli.factory_calls == [("http://other/v1", "tok")]
    cli.runner.invoke(cli.app, ["whoami"], env={"OPENQUALIFY_BASE_URL": "http://env/v1", "OPENQUALIFY_TOKEN": "e"})
    assert cli.factory_calls[-1] == ("http://env/v1", "e")


def test_users_get_encodes_the_email(cli: Cli) -> None:
    cli.recorder.reply(200, {"email": "a+b@x.io", "firstName": "A", "metadata": {"tags": ["t1", "t2"]}})
    result = cli("users", "get", "a+b@x.io")
    assert result.exit_code == 0
    assert cli.recorder.last.url.raw_path == b"/v1/users/a%2Bb%40x.io"
    assert result.stdout == 'email       a+b@x.io\nfirstName   A\nmetadata    {"tags":["t1","t2"]}\n'


def test_client_error_exit_code_2(cli: Cli) -> None:
    cli.recorder.reply(404, {"name": "ObjectNotFoundError", "details": "The user a@x.io was not found."})
    result = cli("users", "get", "a@x.io")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "Error: ObjectNotFoundError (404): The user a@x.io was not found.\n"


def test_client_error_as_json(cli: Cli) -> None:
    cli.recorder.reply(400, {"name": "TextPatternError", "details": "too short"})
    result = cli("offerings", "search", "ab", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stderr) == {"status": 400, "name": "TextPatternError", "details": "too short"}


def test_server_error_exit_code_3(cli: Cli) -> None:
    cli.recorder.reply(500, {"name": "ServerError", "details": "We're sorry, but something went wrong."})
    result = cli("courses", "list")
    assert result.exit_code == 3
    assert result.stderr == "Error: ServerError (500): We're sorry, but something went wrong.\n"
    assert len(cli.recorder.requests) == 2  # retried once (GET)


def test_connection_error_exit_code_4(cli: Cli) -> None:
    cli.recorder.fail(httpx.ConnectError("Connection refused"))
    result = cli("courses", "list")
    assert result.exit_code == 4
    assert result.stderr == (
        "Error: ConnectionError: GET /courses failed: Connection refused\n"
    )


def test_usage_errors_exit_1(cli: Cli) -> None:
    assert cli("offerings", "list", "--bogus").exit_code == 1
    assert cli("offerings", "nope").exit_code == 1
    assert cli("users", "get").exit_code == 1
    conflicting = cli("offerings", "list", "--current", "--past")
    assert conflicting.exit_code == 1
    assert conflicting.stderr == "Error: choose at most one of --current, --future, --past\n"
    assert cli.recorder.requests == []


def test_offering_users_by_role(cli: Cli) -> None:
    cli.recorder.reply(200, [
        {"email": "f@x.io", "firstName": "F", "isFacilitator": True},
        {"email": "l@x.io", "lastName": "L"},
    ])  # fmt: skip
    result = cli("offerings", "users", "o1", "--role", "learners")
    assert result.exit_code == 0
    assert sorted(cli.recorder.last.url.params.multi_items()) == [
        ("facilitators", "false"), ("learners", "true"), ("markers", "false")]
    assert result.stdout.splitlines()[2:] == [
        "f@x.io   F                        facilitator",
        "l@x.io                L           learner",
        "2 rows",
    ]


def test_actions_without_body(cli: Cli) -> None:
    cli.recorder.reply(204)
    assert cli("users", "suspend", "a@x.io").stdout == "Suspended a@x.io.\n"
    assert body_of(cli.recorder.last) == {"suspended": True}
    assert cli("users", "unsuspend", "a@x.io", "--json").stdout == '{\n  "ok": true\n}\n'
    assert body_of(cli.recorder.last) == {"suspended": False}
    cli.recorder.reply(200)
    result = cli("users", "transfer", "a@x.io", "--from", "o1", "--to", "o2")
    assert (result.exit_code, result.stdout) == (0, "Moved a@x.io from o1 to o2.\n")
    assert body_of(cli.recorder.last) == {"fromOfferingId": "o1", "toOfferingId": "o2"}


def test_other_groups_call_their_operations(cli: Cli) -> None:
    cli.recorder.reply(200, [])
    calls = {
        ("courses", "permissions", "c1"): "/v1/courses/c1/permissions",
        ("courses", "activations", "c1"): "/v1/courses/c1/activations",
        ("channels", "list", "o1"): "/v1/offerings/o1/channels",
        ("groups", "list", "o1"): "/v1/offerings/o1/groups",
        ("users", "offerings", "a@x.io"): "/v1/users/a%40x.io/offerings",
        ("users", "badges", "a@x.io"): "/v1/users/a%40x.io/badges",
        ("offerings", "summary", "--top", "5"): "/v1/offerings/summary?%24top=6",  # one more: was the list cut?
    }
    for args, path in calls.items():
        result = cli(*args)
        assert result.exit_code == 0 and result.stdout.endswith("0 rows\n"), args
        assert cli.recorder.last.url.raw_path.decode() == path


def test_mappings_list(cli: Cli) -> None:
    cli.recorder.reply(200, {"o1": "EXT-1"})
    expected = "Offering   External course\n──────────────────────────\no1         EXT-1\n1 row\n"
    assert cli("mappings", "list").stdout == expected
    assert json.loads(cli("mappings", "list", "--json").stdout) == {"o1": "EXT-1"}


def test_ids_starting_with_a_dash_are_arguments_not_options(cli: Cli) -> None:
    cli.recorder.reply(200, OFFERINGS[0])
    result = cli("offerings", "get", "-NbXyz123")
    assert result.exit_code == 0, result.stdout
    assert cli.recorder.last.url.path == "/v1/offerings/-NbXyz123"
    unknown_long = cli("offerings", "get", "--bogus")
    assert unknown_long.exit_code == 1


def test_piped_tables_are_tab_separated_with_whole_ids(cli: Cli) -> None:
    """Not a terminal: header and rows as tab-separated lines, long ids never wrapped, no row count."""
    long_id = "-NbX0J8Y2q3N5sd1xkQa-with-a-very-long-tail-0123456789"
    cli.recorder.reply(200, [{**OFFERINGS[0], "id": long_id, "name": "Fire\tsafety"}])
    result = cli.piped("offerings", "list", "--current")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "ID\tName\tStart\tEnd\tIdentifier",
        f"{long_id}\tFire safety\t2024-02-01T09:00:00.000Z\t\tFS1",
    ]
    cli.recorder.reply(200, {"id": long_id, "name": "Acme"})
    assert cli.piped("whoami").stdout == f"id\t{long_id}\nname\tAcme\n"
