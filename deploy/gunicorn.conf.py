"""Gunicorn settings shared by the Procfile (Toolforge) and bin/run; each adds its address on
the command line."""

# Threads, not a sync worker per request: a download of evidence or of "my data" streams for
# longer than a sync worker's timeout, and a worker waiting on ToolsDB serves other requests
# meanwhile. Two processes with four threads fit the webservice's 1 GiB.
workers = 2
threads = 4
worker_class = "gthread"
accesslog = "-"
# Gunicorn's default format with the path (%(U)s) for the request line (%(r)s) and without the
# Referer (%(f)s): query strings carry OAuth codes and states, looked-up usernames and the
# queue's filters, and a Referer is the previous page's address with its query string.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s "%(a)s"'
