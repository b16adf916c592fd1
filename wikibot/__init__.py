"""The bot that keeps the program page and its FAQ on the Foundation's wiki in sync with
program/content.yaml, on a schedule, without ever overwriting a person's edit.

Pure parts (render, regions, translate, plan, importer) work on strings; sync and wiki are the
Pywikibot side; `python -m wikibot` is the command line.
"""
