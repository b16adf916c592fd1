"""What the tests share: servers that misbehave on purpose, the browser, logins, forms, the
farm's own API, worker processes."""

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parents[2]
