"""Talking to the Wikimedia wikis: the Action API client, usernames, contributions, the
engagement report and evidence (links, asking, bundles). No Flask, no database: they may
import the infrastructure's cache and messages only."""
