"""Gunicorn settings shared by the Procfile (Toolforge) and bin/run; each adds its own workers
and address on the command line."""

accesslog = "-"
# Gunicorn's default format with the path (%(U)s) for the request line (%(r)s) and without the
# Referer (%(f)s): query strings carry OAuth codes and states, looked-up usernames and the
# queue's filters, and a Referer is the previous page's address with its query string.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
