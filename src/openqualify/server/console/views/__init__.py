"""The data of each console page: plain dataclasses built from the resources' services and repositories."""
