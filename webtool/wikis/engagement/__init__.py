"""The engagement report: verified facts about an account across every Wikimedia wiki, each
with a link to where a person can check it.

One `meta=globaluserinfo` call on the central wiki already carries every attached wiki with
its edit count, groups and blocks. Other wikis are asked only where a finding needs them:
rights logs where the account has a role and, for former roles, on its busiest wikis up to a
budget (with the groups' expiries in the same request), block logs on those wikis and where it
is blocked (with the block in force), first and recent edits on its busiest wikis, and the
latest where none is recent. Meta is asked for Grants pages, global groups, the rights
stewards changed from Meta and the locks (`User:NAME@…`), renames and global blocks. An
account hidden from the public is "no such account", as Wikimedia shows it: nothing more is
asked about it. The report says what is true; it never says who is eligible. A list the wiki
had more of than the client reads (its continuation bound) gives counts that say "at least",
and each item counts once.

collector.py asks; report.py holds what a report is; each kind of finding is made in a
module of its own from the answers: account.py (renames), roles.py, grants.py, editing.py
(and activity), restrictions.py (the lock and blocks in force) and block_history.py (blocks
and locks of the past).
"""

from webtool.wikis.engagement.collector import Collector
from webtool.wikis.engagement.report import UserNotFound

__all__ = ["Collector", "UserNotFound"]
