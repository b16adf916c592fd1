# Pywikibot configuration for the chldp bot (`python -m wikibot`) on the Foundation's wiki.
#
# Copy this file to user-config.py in a directory of its own, set PYWIKIBOT_DIR to that
# directory, and fill in the account. Pywikibot reads it as Python, with its own settings
# (usernames, family_files, ...) already defined, hence the ruff exception below. Without
# PYWIKIBOT_DIR and with a sandbox up, the bot uses the sandbox's generated configuration.
# ruff: noqa: F821

# The wiki: foundation.wikimedia.org, the Foundation Governance Wiki, is Pywikibot's
# "foundation" family (a wiki it does not know would be family_files['name'] = 'API URL').
family = "foundation"
mylang = "foundation"

# The account: a bot account (in the bot group, approved for this task).
usernames["foundation"]["foundation"] = "ChldpBot"

# Log in with a BotPassword made at Special:BotPasswords on the Foundation wiki, with the
# grants "High-volume (bot) access" (without it the bot flag is dropped from edits), "Edit
# existing pages" and "Create, edit, and move pages". Keep the password out of this file:
# user-password.py, next to this file and readable by its owner only (chmod 600), holds
#   ('foundation', 'foundation', 'ChldpBot', BotPassword('sync', 'the password it gave'))
password_file = "user-password.py"

# Or an owner-only OAuth 1.0a consumer (Special:OAuthConsumerRegistration/propose on Meta,
# with the same grants; needs the mwoauth package) instead of the BotPassword:
# authenticate["foundation.wikimedia.org"] = (
#     "consumer key", "consumer secret", "access token", "access secret",
# )

# Wikimedia's bot policy: at most one edit every 10 seconds unless approved for more...
put_throttle = 10
# ...and back off while the database replicas lag (seconds; the Action API's maxlag).
write_maxlag = 5
read_maxlag = 5
# A scheduled run must end: give up after a few retries rather than retry for an hour.
max_retries = 3
retry_wait = 10

# The user agent names the bot and how to reach its operators (Wikimedia's policy);
# Pywikibot adds the account name, its own version and Python's.
user_agent_description = (
    "chldp-wikibot: Community Health Legal Defense Program pages; "
    "https://foundation.wikimedia.org/wiki/User_talk:ChldpBot"
)

# The bot writes its own edit summaries and never wants cosmetic changes on these pages.
cosmetic_changes = False
