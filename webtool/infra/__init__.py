"""Infrastructure: settings, the database and its models and migrations, sealing, keyed
hashes, the cache, slots, the task queue, rate limits, messages. The bottom layer: it imports
nothing of the tool above it."""
