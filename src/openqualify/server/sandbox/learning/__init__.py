"""Sandbox control plane, learning: course pages, learners' page progress and logins, unit reactions, social
notes, pulses with their runs and responses.

The contract only reads these; integrators need to write them to build realistic scenarios.
"""
