"""The program's domain: its canonical public content and its rules, with no I/O of its own.

The web tool and the bot both read from here and never from each other, so the program
page, its FAQ and the tool's start page say the same things.
"""
