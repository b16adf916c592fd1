"""The case's services: requests, casework, the conversation, rights, retention, e-mails,
sessions, staff access, the engagement and look-up views, captures, all on the database and
the task queue. They may import the wikis and the infrastructure, never a page."""
