"""Sandbox control plane, data: fill an organisation with the demo, reset it, export and import it, and set a
learner's own start date (offerings with relative dates).

Export/import move everything an organisation owns except its API tokens. Ids are kept, so an export can be
imported into another OpenQualify database, or back into the same organisation after changes; not cloned
next to itself in the same database (ids are unique database-wide).
"""
