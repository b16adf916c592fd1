"""Evidence preservation: links people paste are read, checked against the Wikimedia wikis,
captured through the Action API with hashes and times, and packed into a bundle that can be
verified later.

`links` reads the links, `wikis` holds the allow-list, `capture` asks the wikis, `bundle`
writes and verifies the ZIP.
"""
