"""The legal team's keys: a passphrase set once and typed once per session, the team key made
by the first admin and granted only by an unlocked admin, lost at once by whoever leaves the
staff list, and restored with the recovery key."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select
from support import keys as test_keys
from support.helpers import ADMIN, REVIEWER, STAFF, post
from support.logins import log_in

from webtool.infra import db, keys
from webtool.infra.keys import Cost
from webtool.infra.models import StaffKey, TeamGrant, TeamKey

GOOD = "four words for the team"


def no_team_yet(app) -> None:
    with app.app_context():
        db.session().execute(delete(TeamKey))
        db.session().commit()


def page(client, path: str) -> str:
    return client.get(path, follow_redirects=True).get_data(as_text=True)


def test_the_first_admin_sets_a_passphrase_makes_the_team_key_and_unlocks_once_a_session(
    app, client, staff_list
):
    no_team_yet(app)
    log_in(client, ADMIN, unlocked=False)
    asked = client.get("/staff/")
    assert asked.status_code == 302 and asked.headers["Location"].endswith("/staff/keys/passphrase")
    assert "At least 12 characters" in page(client, "/staff/keys/passphrase")
    short = post(client, "/staff/keys/passphrase", passphrase="short", repeated="short")
    assert "too short" in page(client, short.headers["Location"])
    named = post(
        client, "/staff/keys/passphrase", passphrase="Jane Doe forever", repeated="Jane Doe forever"
    )
    assert "contains your username" in page(client, named.headers["Location"])
    post(client, "/staff/keys/passphrase", passphrase=GOOD, repeated=GOOD)
    overview = page(client, "/staff/keys/")
    with app.app_context():
        team = db.session().get(TeamKey, 1)
        assert team is not None and team.created_by == "Jane Doe"
        fingerprint = keys.fingerprint(keys.public_from_text(team.public_key))
    assert fingerprint in overview
    assert client.get("/staff/").status_code == 200
    # A new session is locked until the passphrase is typed.
    log_in(client, ADMIN, unlocked=False)
    locked = client.get("/staff/case/CHLDP-0000-0000-0000-0000")
    assert "/staff/keys/unlock?next=" in locked.headers["Location"]
    wrong = post(client, "/staff/keys/unlock", passphrase="not the one")
    assert "not the right one" in page(client, wrong.headers["Location"])
    right = post(client, "/staff/keys/unlock", passphrase=GOOD, next="/staff/counts")
    assert right.headers["Location"] == "/staff/counts"
    assert client.get("/staff/counts").status_code == 200


@pytest.mark.no_farm
def test_wrong_passphrases_slow_the_account_down_from_every_address(app, client, staff_list):
    with app.app_context():
        test_keys.member_key(app, ADMIN["name"])
    log_in(client, ADMIN, unlocked=False)
    app.config["UNLOCK_TRIES"] = 2
    token = None
    for address in ("127.0.0.2", "127.0.0.3", "127.0.0.4"):
        page_ = client.get("/", environ_base={"REMOTE_ADDR": address}).get_data(as_text=True)
        token = token or page_.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/staff/keys/unlock",
            data={"csrf_token": token, "passphrase": "wrong"},
            environ_base={"REMOTE_ADDR": address},
        )
    said = post(client, "/staff/keys/unlock", passphrase=test_keys.PASSPHRASE)
    assert "try again in 1 minute(s)" in page(client, said.headers["Location"])
    assert client.get("/staff/").status_code == 302  # still locked, even with the right one


def test_a_member_not_granted_sees_references_and_statuses_but_no_content(
    app, client, case, staff_list
):
    reviewer = app.test_client()
    log_in(reviewer, REVIEWER, unlocked=False)
    with app.app_context():
        test_keys.member_key(app, REVIEWER["name"], granted=False)
    post(reviewer, "/staff/keys/unlock", passphrase=test_keys.PASSPHRASE)
    queue = reviewer.get("/staff/").get_data(as_text=True)
    assert case in queue and "sealed" in queue
    assert "Veteran Editor" not in queue
    sealed_case = reviewer.get(f"/staff/case/{case}").get_data(as_text=True)
    assert "which you do not hold yet" in sealed_case
    assert "My address was published." not in sealed_case and "Brazil" not in sealed_case
    assert "not granted" in reviewer.get("/staff/keys/").get_data(as_text=True)
    # A reviewer cannot grant; an unlocked admin can, and the newcomer reads the older case.
    assert post(reviewer, "/staff/keys/grant", name=REVIEWER["name"]).status_code == 403
    log_in(client, ADMIN)
    post(client, "/staff/keys/grant", name=REVIEWER["name"])
    assert "My address was published." in reviewer.get(f"/staff/case/{case}").get_data(as_text=True)


@pytest.mark.no_farm
def test_being_on_the_staff_list_alone_opens_nothing(app, client, case, staff_list):
    log_in(client, ADMIN)
    said = post(client, "/staff/keys/grant", name=REVIEWER["name"])
    assert "has not set a passphrase yet" in page(client, said.headers["Location"])
    with app.app_context():
        assert db.session().get(TeamGrant, REVIEWER["name"]) is None


def test_a_member_taken_off_the_list_loses_the_team_key_at_once(
    app, client, case, staff_list, monkeypatch
):
    reviewer = app.test_client()
    log_in(reviewer, REVIEWER)
    log_in(client, ADMIN)
    assert "My address was published." in reviewer.get(f"/staff/case/{case}").get_data(as_text=True)
    monkeypatch.setenv("CHLDP_STAFF", "Jane Doe:admin")
    assert reviewer.get(f"/staff/case/{case}").status_code == 403
    client.get("/staff/")  # any member's next request
    with app.app_context():
        assert db.session().get(TeamGrant, REVIEWER["name"]) is None
    monkeypatch.setenv("CHLDP_STAFF", STAFF)  # back on the list: nothing until granted again
    log_in(reviewer, REVIEWER, unlocked=False)
    post(reviewer, "/staff/keys/unlock", passphrase=test_keys.PASSPHRASE)
    assert "which you do not hold yet" in reviewer.get(f"/staff/case/{case}").get_data(as_text=True)


def test_a_passphrase_change_keeps_access(app, client, case, staff_list):
    log_in(client, ADMIN)
    new = "another good passphrase"
    said = post(
        client, "/staff/keys/change", old=test_keys.PASSPHRASE, passphrase=new, repeated=new
    )
    assert "Your passphrase is changed." in page(client, said.headers["Location"])
    log_in(client, ADMIN, unlocked=False)
    post(client, "/staff/keys/unlock", passphrase=new)
    assert "My address was published." in client.get(f"/staff/case/{case}").get_data(as_text=True)


def test_the_recovery_key_restores_a_member_and_cases_stored_before_the_team_key(
    app, client, staff_list
):
    from support.helpers import REQUESTER

    from webtool.services.help_requests import Submission, store

    no_team_yet(app)
    with app.test_request_context():
        submission = Submission.blank("en")
        submission.kinds, submission.country = ["harassment"], "Chile"
        submission.description = "Stored before the team key."
        reference = store(submission, REQUESTER, {"unavailable": True}).reference
    log_in(client, ADMIN, unlocked=False)
    post(client, "/staff/keys/passphrase", passphrase=GOOD, repeated=GOOD)
    assert "which you do not hold yet" in client.get(f"/staff/case/{reference}").get_data(
        as_text=True
    )
    runner = app.test_cli_runner()
    wrong = runner.invoke(args=["restore-access", "Jane Doe"], input="not a key\n")
    assert wrong.exit_code != 0 and "not a recovery private key" in wrong.output
    recovery = keys.private_text(test_keys.recovery_private(app))
    done = runner.invoke(args=["restore-access", "Jane Doe"], input=recovery + "\n")
    assert done.exit_code == 0, done.output
    assert "1 case key(s) moved to the team key" in done.output
    assert "Stored before the team key." in client.get(f"/staff/case/{reference}").get_data(
        as_text=True
    )


@pytest.mark.no_farm
def test_make_recovery_key_prints_a_pair_that_works(app):
    output = app.test_cli_runner().invoke(args=["make-recovery-key"]).output
    private_text, public_text = [
        line.strip() for line in output.splitlines() if line.startswith("  ")
    ]
    private = keys.private_from_text(private_text)
    assert keys.public_of(private) == keys.public_from_text(public_text)
    assert keys.open_text(private, keys.seal_to(keys.public_from_text(public_text), "x")) == "x"


def test_production_argon2_values_lock_and_unlock():
    cost = Cost(3, 64 * 1024)
    _, private = keys.new_pair()
    locked = keys.lock_with_passphrase(private, GOOD, cost)
    assert '"argon2id": [3, 65536]' in locked
    assert keys.unlock_with_passphrase(locked, GOOD) == private
    with pytest.raises(keys.WrongKey):
        keys.unlock_with_passphrase(locked, GOOD + "!")


@pytest.mark.no_farm
def test_the_staff_keys_table_holds_no_private_key_in_the_open(app, client, staff_list):
    log_in(client, ADMIN)
    with app.app_context():
        (row,) = db.session().scalars(select(StaffKey)).all()
    assert test_keys.PASSPHRASE not in row.private_locked
    with pytest.raises(keys.WrongKey):
        keys.unlock_with_passphrase(row.private_locked, "a guess at the passphrase")
