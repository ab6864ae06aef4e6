"""Sandbox control plane, assessments: tasks of a course version, their documents, learners' submissions, marks and
feedback, quiz attempts, open-response activities and their attempts.

The contract only reads (and slightly edits) these; integrators need to write them to build realistic scenarios.
"""
