"""The requester's side of their case, on the request's page: the conversation with the legal
team, and whether they get e-mails about it."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import SQLAlchemyError

from webtool.infra import db
from webtool.infra.models import HelpRequest
from webtool.pages.auth import login_required, signed_in_user
from webtool.services import conversation, notifications, rights
from webtool.services.evidence_records import can_open, own_bundles
from webtool.services.help_requests import new_submission_key, opened, own_request

blueprint = Blueprint("case", __name__)
SAID = "chldp"  # the flash category of what the request's page says after an action


def page_context(help_request: HelpRequest) -> dict[str, object]:
    """What the request's page shows of the conversation."""
    return {
        "conversation": conversation.for_requester(help_request),
        "ended": help_request.status in conversation.ENDED,
        # Finished bundles of the requester's that no other request has.
        "attachable": [
            bundle
            for bundle in own_bundles(signed_in_user())
            if bundle.status == "done"
            and bundle.request_id in (None, help_request.id)
            and can_open(bundle)
        ],
        "emails": notifications.requester_emails(help_request),
        "confirmed": notifications.address_confirmed(help_request),
        "said": get_flashed_messages(category_filter=[SAID]),
        "message_key": new_submission_key(),
        "unread": conversation.unread(help_request, from_requester=False),
    }


@blueprint.route("/requests/<reference>/message", methods=["POST"])
@login_required
def message(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    try:
        stored = conversation.write_as_requester(
            found,
            signed_in_user(),
            request.form.get("text", ""),
            request.form.getlist("bundles"),
            request.form.get("submission_key", ""),
        )
    except conversation.MessageRefused as refused:
        return _back(reference, refused.key, *refused.params)
    except SQLAlchemyError:
        db.session().rollback()
        return _back(reference, "chldp-ask-error-database")
    if stored and not conversation.unanswered_before(found):
        notifications.answered(found)  # once, until someone of the team has read it
    return _back(reference, "chldp-conversation-sent")


@blueprint.route("/requests/<reference>/read", methods=["POST"])
@login_required
def read(reference: str) -> ResponseReturnValue:
    """The legal team's messages marked read."""
    conversation.mark_read(_own(reference), from_requester=False)
    return _back(reference, "chldp-conversation-marked-read")


@blueprint.route("/requests/<reference>/emails", methods=["POST"])
@login_required
def emails(reference: str) -> ResponseReturnValue:
    wanted = request.form.get("emails") == "on"
    found = _own(reference)
    if opened(found).sealed:
        return _back(reference, "chldp-case-sealed-here")  # the contact is sealed to the case
    notifications.set_requester_emails(found, wanted)
    return _back(
        reference, "chldp-conversation-emails-on" if wanted else "chldp-conversation-emails-off"
    )


@blueprint.route("/requests/<reference>/confirm-email", methods=["GET", "POST"])
@login_required
def confirm_email(reference: str) -> ResponseReturnValue:
    """The link sent to the requester's address: a page that asks them to confirm (opening a
    link changes nothing), then the address confirmed."""
    found = _own(reference)
    token = request.values.get("token", "")
    if request.method == "GET":
        target = url_for("case.confirm_email", reference=reference)
        return _confirm("confirmemail", target, token=token)
    if opened(found).sealed:
        return _back(reference, "chldp-case-sealed-here")  # the contact is sealed to the case
    if notifications.confirm(found, token):
        return _back(reference, "chldp-contact-confirmed")
    return _back(reference, "chldp-contact-confirm-wrong")


@blueprint.route("/requests/<reference>/confirm-email/again", methods=["POST"])
@login_required
def confirm_email_again(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    if opened(found).sealed:
        return _back(reference, "chldp-case-sealed-here")
    notifications.ask_to_confirm(found)
    return _back(reference, "chldp-contact-link-sent")


@blueprint.route("/requests/<reference>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    if found.status in conversation.ENDED:
        abort(404)
    if request.method == "GET":
        return _confirm("withdraw", url_for("case.withdraw", reference=reference))
    rights.withdraw(found)
    return _back(reference, "chldp-withdraw-done")


@blueprint.route("/requests/<reference>/delete", methods=["GET", "POST"])
@login_required
def delete(reference: str) -> ResponseReturnValue:
    found = _own(reference)
    if not rights.may_delete(found):
        abort(404)
    if request.method == "GET":
        return _confirm("delete", url_for("case.delete", reference=reference))
    rights.delete(found)
    flash(["chldp-delete-done"], SAID)  # type: ignore[arg-type]  # Flask keeps any JSON
    return redirect(url_for("requester.my_requests"))


@blueprint.route("/my-data", methods=["GET", "POST"])
@login_required
def my_data() -> ResponseReturnValue:
    if request.method == "GET":
        return _confirm("mydata", url_for("case.my_data"))
    return Response(
        stream_with_context(rights.everything_of(signed_in_user())),
        mimetype="application/zip",
        headers={"Content-Disposition": 'attachment; filename="chldp-my-data.zip"'},
    )


def _confirm(action: str, target: str, **fields: str) -> str:
    """The page that says in plain words what an action does, before it is done; `fields`
    go with its form."""
    return render_template("confirm.html", action=action, target=target, fields=fields)


def _own(reference: str) -> HelpRequest:
    found = own_request(reference, signed_in_user())
    if found is None:
        abort(404)
    return found


def _back(reference: str, said: str, *params: object) -> ResponseReturnValue:
    # A message key (and its parameters) kept in the session: a link cannot put words on the
    # page.
    flash([said, *params], SAID)  # type: ignore[arg-type]  # Flask keeps any JSON
    return redirect(url_for("requester.sent", reference=reference) + "#conversation")
