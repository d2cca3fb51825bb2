"""Reads: what the services and views need from the database and the cache, as plain data.

- `serving`: the values every process keeps loaded (the active recommender, the published bandit);
- `viewers`: a viewer's history and when it last changed;
- `insights`: the staff pages' aggregates.
"""
